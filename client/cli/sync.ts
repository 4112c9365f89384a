/** `p2c sync`: start a project run now; with --wait, follow it to the end and exit with its outcome. */
import type { Command } from 'commander';
import { startProjectRun } from '../run';
import type { CliContext, CommandRunner } from './context';
import { exitCodeOf, EXIT, UsageError } from './errors';
import { waitForRun, type FinishedRun } from './runs';
import { taskTable } from './summary';
import { syncContinuous } from './continuous';
import { warnWhenNoWorker } from './worker-check';

export interface SyncOptions {
  project?: string;
  task?: string[];
  full?: boolean;
  wait?: boolean;
  json?: boolean;
  continuous?: boolean;
  stop?: boolean;
}

/** What `sync` and `retry-failed` print for a started run (and, after --wait, for its end). */
export function reportRun(
  ctx: CliContext,
  workflowId: string,
  finished: FinishedRun | undefined,
  json: boolean | undefined,
  extra: Record<string, unknown> = {},
): number {
  const url = ctx.workflowUrl(workflowId);
  if (json) {
    ctx.printJson({
      workflowId,
      url,
      ...extra,
      ...(finished ? { outcome: finished.outcome, reason: finished.reason, summary: finished.summary } : {}),
    });
  } else if (finished) {
    ctx.print(`run ${workflowId}: ${finished.outcome}${finished.reason ? ` (${finished.reason})` : ''}`);
    if (finished.summary) ctx.print(taskTable(finished.summary.tasks));
  }
  return finished ? exitCodeOf(finished.outcome) : EXIT.completed;
}

/** Options that would otherwise be ignored without a word: continuous workflows never end and never read in full. */
function checkContinuousOptions(options: SyncOptions): void {
  if (options.stop && !options.continuous)
    throw new UsageError(
      '--stop cancels continuous workflows: give it with --continuous (p2c sync --continuous --stop)',
    );
  if (!options.continuous) return;
  const refused = [options.wait && '--wait', options.full && '--full'].filter(Boolean);
  if (refused.length)
    throw new UsageError(
      `--continuous takes no ${refused.join(' or ')}: its workflows run until stopped and read only changes; ` +
        'follow them with the continuousProgress query (docs/continuous.md)',
    );
}

export async function sync(ctx: CliContext, options: SyncOptions): Promise<number> {
  checkContinuousOptions(options);
  if (options.continuous) return syncContinuous(ctx, options);
  const project = ctx.project(options.project);
  const client = await ctx.client();
  const { workflowId } = await startProjectRun(client, project, {
    mode: options.full ? 'full' : 'incremental',
    tasks: options.task,
    taskQueue: ctx.config.taskQueue,
  });
  if (!options.json) {
    ctx.print(`run started: ${workflowId}`);
    ctx.print(`Web UI: ${ctx.workflowUrl(workflowId)}`);
  }
  await warnWhenNoWorker(ctx, client, ctx.config.taskQueue);
  const finished = options.wait ? await waitForRun(client, workflowId) : undefined;
  return reportRun(ctx, workflowId, finished, options.json);
}

export function registerSync(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('sync')
    .description('start a project run (incremental unless --full)')
    .option('--project <file>', 'project file (default: P2C_PROJECT_FILE or examples/project.yaml)')
    .option('--task <name...>', 'only these tasks (their line tasks come along)')
    .option('--full', 'read every row instead of the changes since the last run')
    .option('--wait', 'wait for the run and exit with its outcome (0, 2 warnings, 3 failed)')
    .option('--json', 'print JSON for scripts')
    .option('--continuous', 'keep one workflow per task polling for changes until stopped (docs/continuous.md)')
    .option('--stop', "with --continuous: cancel the project's continuous workflows")
    .action((options: SyncOptions) => run(() => sync(ctx, options)));
}
