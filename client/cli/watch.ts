/**
 * `p2c watch [run]`: live progress of a project run from its queries — a redrawn progress board on a terminal,
 * one line per change otherwise — then its summary; exits with the run's outcome.
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { progressQuery } from '../../workflows';
import type { EntitySyncProgress } from '../../workflows/entitySync';
import type { ProjectProgress } from '../../workflows/prospectToCash';
import type { TaskResult } from '../../common/sync-types';
import type { CliContext, CommandRunner } from './context';
import { exitCodeOf, UsageError } from './errors';
import { bar, duration, eta, rate } from './format';
import { defaultRun, describeProjectRun, describeRun, waitForRun } from './runs';
import { taskLabel, taskTable } from './summary';
import { warnWhenNoWorker, workflowPollers } from './worker-check';

export const DEFAULT_WATCH_INTERVAL_MS = 1000;

export interface WatchOptions {
  project?: string;
  interval?: string;
}

export interface TaskLine {
  label: string;
  state: string;
  read: number;
  written: number;
  failed: number;
  /** Warnings on rows written anyway; shown only when there are some. */
  warnings: number;
  /** The task's own run time once it finished; running tasks are measured from the run's start. */
  elapsedMs?: number;
}

export function lineOfResult(result: TaskResult): TaskLine {
  const c = result.counters;
  return {
    label: taskLabel(result.task, result.partition.dataAreaId),
    state: result.outcome,
    read: c.read,
    written: c.created + c.updated,
    failed: c.failed,
    // Results recorded before warnings were counted lack the counter.
    warnings: c.warnings ?? 0,
    elapsedMs: Date.parse(result.endedAt) - Date.parse(result.startedAt),
  };
}

/** One line per task of the run: done tasks from their result, running ones from the child's progress query. */
export async function taskLines(client: Client, progress: ProjectProgress): Promise<TaskLine[]> {
  return Promise.all(
    progress.tasks.map(async (task): Promise<TaskLine> => {
      const label = taskLabel(task.task, task.dataAreaId);
      if (task.result) return lineOfResult(task.result);
      if (task.state === 'running') {
        const child = await client.workflow
          .getHandle(task.workflowId)
          .query(progressQuery)
          .catch((): EntitySyncProgress | undefined => undefined);
        if (child) {
          const c = child.counters;
          const state = child.paused ? `paused at page ${child.page}` : `running, page ${child.page}`;
          const warnings = c.warnings ?? 0;
          return { label, state, read: c.read, written: c.created + c.updated, failed: c.failed, warnings };
        }
      }
      return { label, state: task.state, read: 0, written: 0, failed: 0, warnings: 0 };
    }),
  );
}

export function describeLine(line: TaskLine, elapsedMs: number): string {
  const warned = line.warnings ? `, warnings ${line.warnings}` : '';
  return `${line.label}: ${line.state} — read ${line.read}, written ${line.written}, failed ${line.failed}${warned}, ${rate(line.read, line.elapsedMs ?? elapsedMs)}`;
}

/** The board a terminal shows: overall bar by finished tasks, rate and ETA, then one line per task. */
export function board(workflowId: string, lines: TaskLine[], doneTasks: number, elapsedMs: number): string[] {
  const read = lines.reduce((sum, l) => sum + l.read, 0);
  const left = eta(doneTasks, lines.length, elapsedMs);
  return [
    `${workflowId}  ${bar(lines.length ? doneTasks / lines.length : 0)} ${doneTasks}/${lines.length} tasks  ` +
      `${duration(elapsedMs)} elapsed, ${rate(read, elapsedMs)}${left ? `, ETA ${left}` : ''}`,
    ...lines.map((l) => `  ${describeLine(l, elapsedMs)}`),
  ];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function watch(ctx: CliContext, run: string | undefined, options: WatchOptions): Promise<number> {
  const intervalMs = options.interval === undefined ? DEFAULT_WATCH_INTERVAL_MS : Number(options.interval);
  if (!Number.isFinite(intervalMs) || intervalMs < 100)
    throw new UsageError(`--interval ${options.interval}: give milliseconds, at least 100`);
  const client = await ctx.client();
  let workflowId = run;
  if (!workflowId) {
    const chosen = await defaultRun(client, ctx.project(options.project).name);
    workflowId = chosen.workflowId;
    if (!chosen.running) ctx.err.write(`no run is going; showing the latest, ${workflowId}\n`);
  }
  // Checked before anything is printed: the run exists and is a project run.
  const description = await describeProjectRun(client, workflowId);
  // Without a worker, progress queries would hang for a minute each; say why nothing moves instead.
  let noWorker = description.status.name === 'RUNNING' && (await warnWhenNoWorker(ctx, client, description.taskQueue));
  ctx.print(`watching ${workflowId}`);
  ctx.print(`Web UI: ${ctx.workflowUrl(workflowId)}`);

  const finished = waitForRun(client, workflowId);
  let done = false;
  void finished.finally(() => (done = true)).catch(() => undefined);
  const printed = new Map<string, string>();
  let drawn = 0;
  // A terminal gets the board redrawn in place; a pipe or file gets a line whenever a task's numbers change.
  const show = (lines: TaskLine[], doneTasks: number, elapsedMs: number) => {
    if (ctx.out.isTTY) {
      const text = board(workflowId, lines, doneTasks, elapsedMs);
      ctx.out.write(`${drawn ? `\x1b[${drawn}A` : ''}\x1b[0J${text.join('\n')}\n`);
      drawn = text.length;
      return;
    }
    for (const line of lines) {
      const key = `${line.state}|${line.read}|${line.written}|${line.failed}|${line.warnings}`;
      if (printed.get(line.label) === key) continue;
      printed.set(line.label, key);
      ctx.print(describeLine(line, elapsedMs));
    }
  };
  let quiet = false;
  while (!done) {
    if (noWorker) {
      await Promise.race([finished, sleep(intervalMs)]);
      noWorker = (await workflowPollers(client, description.taskQueue)) === 0;
      continue;
    }
    const state = await describeRun(client, workflowId);
    if (state.status !== 'RUNNING') break;
    if (!state.progress) {
      // Queries need a worker; without one the run can still end, and its result is printed then.
      if (!quiet) ctx.err.write(`progress unavailable: ${state.progressError}\n`);
      quiet = true;
      await Promise.race([finished, sleep(intervalMs)]);
      continue;
    }
    const lines = await taskLines(client, state.progress);
    show(lines, state.progress.tasks.filter((t) => t.state === 'done').length, Date.now() - state.startTime.getTime());
    await Promise.race([finished, sleep(intervalMs)]);
  }
  const result = await finished;
  if (result.summary) {
    const { tasks, startedAt, endedAt } = result.summary;
    show(tasks.map(lineOfResult), tasks.length, Date.parse(endedAt) - Date.parse(startedAt));
  }
  ctx.print(`run ${workflowId}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}`);
  if (result.summary) ctx.print(taskTable(result.summary.tasks));
  return exitCodeOf(result.outcome);
}

export function registerWatch(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('watch')
    .description('follow a run live (default: the newest running run of the project)')
    .argument('[run]', 'workflow id of the project run')
    .option('--project <file>', 'project file, to find its newest run')
    .option('--interval <ms>', 'poll interval in milliseconds', String(DEFAULT_WATCH_INTERVAL_MS))
    .action((runId: string | undefined, options: WatchOptions) => run(() => watch(ctx, runId, options)));
}
