/** `p2c failures <run>`: the row failures of a run from the checkpoint store — source key, field, code, reason. */
import type { Command } from 'commander';
import type { CheckpointStore, StoredFailure } from '../../common/checkpoint-store';
import { resolveTasks, templates, type TaskDefinition } from '../../mappings';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { csv, table } from './format';

export interface FailuresOptions {
  project?: string;
  task?: string;
  json?: boolean;
  csv?: boolean;
}

export const FAILURE_COLUMNS = ['task', 'sourceKey', 'field', 'code', 'message', 'at'] as const;

/** A task and, for a header task, the line task whose failures its document sagas raise. */
function withLineTask(task: string): string[] {
  const children = (templates as Record<string, TaskDefinition | undefined>)[task]?.children;
  return children ? [task, children] : [task];
}

/** Whether the store knows the project run: a task of it recorded its start or end. */
async function storeKnowsRun(store: CheckpointStore, run: string): Promise<boolean> {
  return (await store.listRuns({ parentRunId: run, limit: 1 })).length > 0;
}

/**
 * Failures are stored under the project run's id. A task workflow id (`p2c/<project>/<task>/<time>`) is accepted
 * too and narrows the list to that task; narrowing to a header task keeps its line task's failures, which its
 * document sagas raise. A run the store has no record of is a usage error.
 */
export async function runFailures(
  store: CheckpointStore,
  run: string,
  task?: string,
): Promise<{ projectRunId: string; failures: StoredFailure[] }> {
  const record = await store.getRun(run);
  const projectRunId = record?.parentRunId ?? run;
  const narrowTo = task ?? (record && record.parentRunId !== run ? record.task : undefined);
  const failures = await store.listFailures(projectRunId, narrowTo ? { tasks: withLineTask(narrowTo) } : {});
  if (!record && failures.length === 0 && !(await storeKnowsRun(store, run)))
    throw new UsageError(`the checkpoint store has no record of run ${run}; list runs with p2c status`);
  return { projectRunId, failures };
}

/** `--task` must name a task of the project; a typo would otherwise read as "no failures". */
function checkTask(ctx: CliContext, options: FailuresOptions): void {
  if (options.task === undefined) return;
  const project = ctx.project(options.project);
  const names = resolveTasks(project).map((t) => t.name);
  if (!names.includes(options.task))
    throw new UsageError(
      `--task ${options.task}: not a task of project ${project.name}; its tasks are ${names.join(', ')}`,
    );
}

export async function failures(ctx: CliContext, run: string, options: FailuresOptions): Promise<number> {
  if (options.json && options.csv) throw new UsageError('give --json or --csv, not both');
  checkTask(ctx, options);
  const store = await ctx.store();
  const { projectRunId, failures: rows } = await runFailures(store, run, options.task);
  if (options.json) {
    ctx.printJson({ run: projectRunId, failures: rows });
    return EXIT.completed;
  }
  const cells = rows.map((f) => FAILURE_COLUMNS.map((column) => String(f[column] ?? '')));
  if (options.csv) {
    ctx.print(csv([...FAILURE_COLUMNS], cells));
    return EXIT.completed;
  }
  if (rows.length === 0) {
    ctx.print(`run ${projectRunId} has no row failures${options.task ? ` in task ${options.task}` : ''}`);
    return EXIT.completed;
  }
  ctx.print(table([...FAILURE_COLUMNS], cells));
  ctx.print(
    `${rows.length} failed row${rows.length === 1 ? '' : 's'}; re-run them with p2c retry-failed ${projectRunId}`,
  );
  return EXIT.completed;
}

export function registerFailures(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('failures')
    .description('row failures of a run: source key, field, code and reason')
    .argument('<run>', 'workflow id of the project run (or of one of its tasks)')
    .option('--project <file>', 'project file, for the task names --task accepts (default: P2C_PROJECT_FILE)')
    .option('--task <name>', "only this task (a header task's list includes its line task)")
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (for a spreadsheet)')
    .action((runId: string, options: FailuresOptions) => run(() => failures(ctx, runId, options)));
}
