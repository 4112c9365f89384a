/**
 * `p2c retry-failed <run>`: a new run that re-reads only the rows that failed in <run> (per task, by source key),
 * in full mode so a fixed row is read whatever its modified time; the new run's memo `retryOf` names <run>.
 */
import type { Command } from 'commander';
import type { StoredFailure } from '../../common/checkpoint-store';
import { startProjectRun } from '../run';
import type { CliContext, CommandRunner } from './context';
import { UsageError } from './errors';
import { runFailures } from './failures';
import { waitForRun } from './runs';
import { reportRun } from './sync';

export interface RetryOptions {
  project?: string;
  key?: string[];
  wait?: boolean;
  json?: boolean;
}

/** task → distinct failed source keys, optionally only the given keys. */
export function keysByTask(failures: StoredFailure[], only?: string[]): Record<string, string[]> {
  const wanted = only?.length ? new Set(only) : undefined;
  const byTask: Record<string, string[]> = {};
  for (const failure of failures) {
    if (wanted && !wanted.has(failure.sourceKey)) continue;
    const keys = (byTask[failure.task] ??= []);
    if (!keys.includes(failure.sourceKey)) keys.push(failure.sourceKey);
  }
  return byTask;
}

export async function retryFailed(ctx: CliContext, run: string, options: RetryOptions): Promise<number> {
  const project = ctx.project(options.project);
  const store = await ctx.store();
  const { projectRunId, failures } = await runFailures(store, run);
  if (failures.length === 0) throw new UsageError(`run ${projectRunId} has no row failures to retry`);
  const onlyKeys = keysByTask(failures, options.key);
  const missing = (options.key ?? []).filter((key) => !failures.some((f) => f.sourceKey === key));
  if (missing.length)
    throw new UsageError(
      `run ${projectRunId} has no failure for key ${missing.join(', ')}; see p2c failures ${projectRunId}`,
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
    ctx.print(`retrying ${rows} failed row${rows === 1 ? '' : 's'} of ${projectRunId}`);
    ctx.print(`run started: ${workflowId}`);
    ctx.print(`Web UI: ${ctx.workflowUrl(workflowId)}`);
  }
  const finished = options.wait ? await waitForRun(client, workflowId) : undefined;
  return reportRun(ctx, workflowId, finished, options.json, { retryOf: projectRunId, onlyKeys });
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
