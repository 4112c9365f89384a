/**
 * `p2c retry-failed <run>`: a new run that re-reads only the rows that failed in <run> (per task, by source key),
 * in full mode so a fixed row is read whatever its modified time; the new run's memo `retryOf` names <run>.
 */
import type { Command } from 'commander';
import type { StoredFailure } from '../../common/checkpoint-store';
import { MISSING_BUSINESS_KEY, resolveTasks, type TaskDefinition } from '../../mappings';
import { startProjectRun } from '../run';
import type { CliContext, CommandRunner } from './context';
import { UsageError } from './errors';
import { runFailures } from './failures';
import { waitForRun } from './runs';
import { reportRun } from './sync';
import { warnWhenNoWorker } from './worker-check';

export interface RetryOptions {
  project?: string;
  key?: string[];
  wait?: boolean;
  json?: boolean;
}

export interface RetryPlan {
  /** Task → distinct source keys to re-read; line tasks' keys are under their header task. */
  onlyKeys: Record<string, string[]>;
  /** Distinct (task, key) rows left out because they have no business key to read them by. */
  withoutBusinessKey: number;
}

/**
 * The task a failed row is re-read by: a line task's rows are written by its header task's document sagas and its
 * failures carry the document's key, so they are retried through the header task (the line task cannot be read by
 * a document key on its own).
 */
function retryTaskOf(tasks: TaskDefinition[]): (task: string) => string {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  return (name) => {
    const parent = byName.get(name)?.parent;
    return parent && byName.has(parent) ? parent : name;
  };
}

/** Task → distinct failed source keys, optionally only the given keys; rows without a business key are counted. */
export function keysByTask(failures: StoredFailure[], tasks: TaskDefinition[], only?: string[]): RetryPlan {
  const wanted = only?.length ? new Set(only) : undefined;
  const retryTask = retryTaskOf(tasks);
  const onlyKeys: Record<string, string[]> = {};
  const withoutKey = new Set<string>();
  for (const failure of failures) {
    if (wanted && !wanted.has(failure.sourceKey)) continue;
    const task = retryTask(failure.task);
    // Such a row's source key is its GUID, which a run cannot read by key; a line's failure carries its
    // document's key instead, which can be read.
    if (failure.code === MISSING_BUSINESS_KEY && task === failure.task) {
      withoutKey.add(`${task}\n${failure.sourceKey}`);
      continue;
    }
    const keys = (onlyKeys[task] ??= []);
    if (!keys.includes(failure.sourceKey)) keys.push(failure.sourceKey);
  }
  for (const [task, keys] of Object.entries(onlyKeys)) {
    for (const key of keys) withoutKey.delete(`${task}\n${key}`);
  }
  return { onlyKeys, withoutBusinessKey: withoutKey.size };
}

const rowsText = (count: number) => `${count} failed row${count === 1 ? '' : 's'}`;

export async function retryFailed(ctx: CliContext, run: string, options: RetryOptions): Promise<number> {
  const project = ctx.project(options.project);
  const store = await ctx.store();
  const { projectRunId, failures } = await runFailures(store, run);
  if (failures.length === 0) throw new UsageError(`run ${projectRunId} has no row failures to retry`);
  const missing = (options.key ?? []).filter((key) => !failures.some((f) => f.sourceKey === key));
  if (missing.length)
    throw new UsageError(
      `run ${projectRunId} has no failure for key ${missing.join(', ')}; see p2c failures ${projectRunId}`,
    );
  const tasks = resolveTasks(project);
  const { onlyKeys, withoutBusinessKey } = keysByTask(failures, tasks, options.key);
  const leftOut = `${rowsText(withoutBusinessKey)} without a business key (${MISSING_BUSINESS_KEY}): such a row cannot be read by key; once it has one at the source, the next incremental run picks it up`;
  if (Object.keys(onlyKeys).length === 0) throw new UsageError(`nothing to retry in ${projectRunId}: ${leftOut}`);
  // Never a line task alone: it reads lines by their own key, not by the document key its failures carry.
  const lineTasks = tasks.filter((t) => t.parent && onlyKeys[t.name]).map((t) => t.name);
  if (lineTasks.length)
    throw new UsageError(
      `cannot retry ${lineTasks.join(', ')}: line rows are written by their header task's documents, which the project does not run`,
    );
  const client = await ctx.client();
  const { workflowId } = await startProjectRun(client, project, {
    mode: 'full',
    tasks: Object.keys(onlyKeys),
    onlyKeys,
    taskQueue: ctx.config.taskQueue,
    retryOf: projectRunId,
  });
  const rows = Object.values(onlyKeys).reduce((sum, keys) => sum + keys.length, 0);
  if (!options.json) {
    ctx.print(`retrying ${rowsText(rows)} of ${projectRunId}`);
    if (withoutBusinessKey) ctx.print(`left out: ${leftOut}`);
    ctx.print(`run started: ${workflowId}`);
    ctx.print(`Web UI: ${ctx.workflowUrl(workflowId)}`);
  }
  await warnWhenNoWorker(ctx, client, ctx.config.taskQueue);
  const finished = options.wait ? await waitForRun(client, workflowId) : undefined;
  return reportRun(ctx, workflowId, finished, options.json, {
    retryOf: projectRunId,
    onlyKeys,
    ...(withoutBusinessKey ? { leftOut: { withoutBusinessKey } } : {}),
  });
}

export function registerRetryFailed(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('retry-failed')
    .description('re-run only the failed rows of a run, as a new run linked to it')
    .argument('<run>', 'workflow id of the project run')
    .option('--project <file>', 'project file (default: P2C_PROJECT_FILE)')
    .option('--key <key...>', 'only these source keys')
    .option('--wait', 'wait for the new run and exit with its outcome')
    .option('--json', 'print JSON for scripts')
    .action((runId: string, options: RetryOptions) => run(() => retryFailed(ctx, runId, options)));
}
