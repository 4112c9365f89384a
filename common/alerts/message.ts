/**
 * When a run deserves an alert and what the alert says. Pure: the same summary gives the same message, so the
 * webhook JSON and the e-mail text are unit-tested without a server.
 */
import type { ProjectRunSummary, TaskOutcome } from '../sync-types';
import type { RowFailure } from '../types';

/** Failures listed in the alert itself; the rest are counted and one `p2c failures` away. */
export const ALERT_FAILURE_LIMIT = 25;

export type AlertReason = 'errors' | 'warnings' | 'nothing-written';

export interface AlertTask {
  task: string;
  dataAreaId: string;
  outcome: TaskOutcome;
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  filtered: number;
  failed: number;
  /** Warnings on rows written anyway. */
  warnings: number;
  reason?: string;
}

export interface AlertFailure {
  task: string;
  sourceKey: string;
  field?: string;
  code: string;
  message: string;
}

/** The webhook body (JSON) and the content of the e-mail. */
export interface RunAlert {
  kind: 'p2c-run-alert';
  project: string;
  runId: string;
  outcome: TaskOutcome;
  reasons: AlertReason[];
  startedAt: string;
  endedAt: string;
  workflowUrl?: string;
  tasks: AlertTask[];
  failureCount: number;
  /** Failures per task and code, most frequent first. */
  failureCounts: Array<{ task: string; code: string; count: number }>;
  /** Up to ALERT_FAILURE_LIMIT failures, taken from every task in turn so no task hides the others. */
  failures: AlertFailure[];
  /** Warnings kept for the run (rows written anyway): what `p2c failures <run> --warnings` lists. */
  warningCount: number;
}

/** The run summary without its failure samples: what the workflow hands to the alert activity. */
export type RunSummaryForAlert = Omit<ProjectRunSummary, 'tasks'> & {
  tasks: Array<Omit<ProjectRunSummary['tasks'][number], 'failureSample'>>;
};

export function withoutFailureSamples(summary: ProjectRunSummary): RunSummaryForAlert {
  return { ...summary, tasks: summary.tasks.map(({ failureSample: _sample, ...task }) => task) };
}

/**
 * Why a run needs attention: it failed, it completed with warnings, or it read changed rows and wrote none of
 * them (rows it re-read and found unchanged are not changes).
 */
export function alertReasons(summary: RunSummaryForAlert): AlertReason[] {
  const reasons: AlertReason[] = [];
  if (summary.outcome === 'Failed' || summary.outcome === 'Skipped') reasons.push('errors');
  if (summary.outcome === 'CompletedWithWarnings') reasons.push('warnings');
  let changed = 0;
  let written = 0;
  for (const { counters } of summary.tasks) {
    changed += counters.read - counters.unchanged;
    written += counters.created + counters.updated;
  }
  if (changed > 0 && written === 0) reasons.push('nothing-written');
  return reasons;
}

/** Round-robin over tasks, each task's failures in stored order. */
export function sampleFailures(failures: RowFailure[], limit = ALERT_FAILURE_LIMIT): RowFailure[] {
  const byTask = new Map<string, RowFailure[]>();
  for (const f of failures) byTask.set(f.task, [...(byTask.get(f.task) ?? []), f]);
  const queues = [...byTask.values()];
  const sample: RowFailure[] = [];
  for (let i = 0; sample.length < Math.min(limit, failures.length); i += 1) {
    for (const queue of queues) if (i < queue.length && sample.length < limit) sample.push(queue[i]);
  }
  return sample;
}

/**
 * What an alert needs of a run's failures: their number, how many of each task and code (the most frequent first,
 * ties by task, then code), and the first few of each task. The checkpoint store's failureDigest answers it
 * without reading every failure; its `digestFailures` makes it from a list.
 */
export interface AlertFailures {
  total: number;
  counts: RunAlert['failureCounts'];
  first: RowFailure[];
}

const REASON_TEXT: Record<AlertReason, string> = {
  errors: 'the run failed',
  warnings: 'rows failed',
  'nothing-written': 'the source had changes but nothing was written',
};

/** `warningCount` is how many warnings the run kept; they never cause an alert, but one that is sent counts them. */
export function buildRunAlert(
  summary: RunSummaryForAlert,
  failures: AlertFailures,
  workflowUrl?: string,
  warningCount = 0,
): RunAlert | undefined {
  const reasons = alertReasons(summary);
  if (reasons.length === 0) return undefined;
  return {
    kind: 'p2c-run-alert',
    project: summary.project,
    runId: summary.runId,
    outcome: summary.outcome,
    reasons,
    startedAt: summary.startedAt,
    endedAt: summary.endedAt,
    workflowUrl,
    tasks: summary.tasks.map((t) => ({
      task: t.task,
      dataAreaId: t.partition.dataAreaId,
      outcome: t.outcome,
      read: t.counters.read,
      created: t.counters.created,
      updated: t.counters.updated,
      unchanged: t.counters.unchanged,
      filtered: t.counters.filtered,
      failed: t.counters.failed,
      // Results recorded before warnings were counted lack the counter.
      warnings: t.counters.warnings ?? 0,
      reason: t.reason,
    })),
    // What `p2c failures` lists: the stored failures, one per record and code.
    failureCount: failures.total,
    failureCounts: failures.counts,
    failures: sampleFailures(failures.first).map(({ task, sourceKey, field, code, message }) => ({
      task,
      sourceKey,
      field,
      code,
      message,
    })),
    warningCount,
  };
}

const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export function alertSubject(alert: RunAlert): string {
  const counts = [counted(alert.failureCount, 'failure')];
  if (alert.warningCount > 0) counts.push(counted(alert.warningCount, 'warning'));
  return `[p2c] ${alert.project}: ${alert.outcome} (${counts.join(', ')}) - ${alert.runId}`;
}

/** Plain-text e-mail body: why, the tasks, the failures (source key, field, code, reason), where to look. */
export function alertText(alert: RunAlert): string {
  const lines = [
    `Project ${alert.project}, run ${alert.runId}: ${alert.outcome}`,
    `Why this alert: ${alert.reasons.map((r) => REASON_TEXT[r]).join('; ')}`,
    `Started ${alert.startedAt}, ended ${alert.endedAt}`,
  ];
  if (alert.workflowUrl) lines.push(`Run in the Web UI: ${alert.workflowUrl}`);
  lines.push('', 'Tasks:');
  for (const t of alert.tasks) {
    const warned = t.warnings ? `, warnings ${t.warnings}` : '';
    const counts = `read ${t.read}, created ${t.created}, updated ${t.updated}, unchanged ${t.unchanged}, filtered ${t.filtered}, failed ${t.failed}${warned}`;
    lines.push(`  ${t.task}@${t.dataAreaId}: ${t.outcome} — ${counts}${t.reason ? `; ${t.reason}` : ''}`);
  }
  if (alert.failureCount > 0) {
    lines.push('', `Failures (${alert.failureCount}):`);
    for (const c of alert.failureCounts) lines.push(`  ${c.task} ${c.code}: ${c.count}`);
    lines.push('', 'Examples:');
    for (const f of alert.failures) {
      lines.push(`  ${f.task} ${f.sourceKey}${f.field ? ` [${f.field}]` : ''} ${f.code}: ${f.message}`);
    }
    const more = alert.failureCount - alert.failures.length;
    if (more > 0) lines.push(`  ... and ${more} more`);
    lines.push(
      '',
      `List them all with: p2c failures ${alert.runId}`,
      `Re-run them with: p2c retry-failed ${alert.runId}`,
    );
  }
  if (alert.warningCount > 0) {
    lines.push(
      '',
      `Warnings (${alert.warningCount}): rows written anyway (a value truncated, a country defaulted, an optional lookup left empty); they are not failures and are not retried`,
      `List them with: p2c failures ${alert.runId} --warnings`,
    );
  }
  return `${lines.join('\n')}\n`;
}
