/**
 * `p2c failures <run>`: the row failures of a run from the checkpoint store — source key, field, code, reason — and,
 * with `--warnings`, the warnings of rows that were written anyway (a value truncated, a country defaulted).
 */
import type { Command } from 'commander';
import type { CheckpointStore, StoredFailure, StoredWarning } from '../../common/checkpoint-store';
import { resolveTasks, templates, type TaskDefinition } from '../../mappings';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { csv, table } from './format';

export interface FailuresOptions {
  project?: string;
  task?: string;
  json?: boolean;
  csv?: boolean;
  /** List the run's warnings instead of its failures. */
  warnings?: boolean;
}

/** The columns listed of a failure, and of a warning (which never has an attempt or a retry). */
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
): Promise<{ projectRunId: string; failures: StoredFailure[]; warnings: StoredWarning[] }> {
  const record = await store.getRun(run);
  const projectRunId = record?.parentRunId ?? run;
  const narrowTo = task ?? (record && record.parentRunId !== run ? record.task : undefined);
  const filter = narrowTo ? { tasks: withLineTask(narrowTo) } : {};
  const failures = await store.listFailures(projectRunId, filter);
  const warnings = await store.listWarnings(projectRunId, filter);
  if (!record && failures.length === 0 && warnings.length === 0 && !(await storeKnowsRun(store, run)))
    throw new UsageError(`the checkpoint store has no record of run ${run}; list runs with p2c status`);
  return { projectRunId, failures, warnings };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * Failures or warnings as the options ask: JSON (`asJson`), CSV, or a table with its footer; `empty` when there are
 * none.
 */
function printRows(
  ctx: CliContext,
  options: FailuresOptions,
  rows: Array<StoredFailure | StoredWarning>,
  text: { asJson: object; empty: string; footer: string },
): void {
  if (options.json) {
    ctx.printJson(text.asJson);
    return;
  }
  const cells = rows.map((row) => FAILURE_COLUMNS.map((column) => String(row[column] ?? '')));
  if (options.csv) ctx.print(csv([...FAILURE_COLUMNS], cells));
  else if (rows.length === 0) ctx.print(text.empty);
  else ctx.print(`${table([...FAILURE_COLUMNS], cells)}\n${text.footer}`);
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
  const { projectRunId, failures: rows, warnings } = await runFailures(store, run, options.task);
  const inTask = options.task ? ` in task ${options.task}` : '';
  if (options.warnings) {
    // The notes on rows that were written anyway; nothing here is re-run by retry-failed.
    printRows(ctx, options, warnings, {
      asJson: { run: projectRunId, warnings },
      empty: `run ${projectRunId} has no row warnings${inTask}`,
      footer: `${plural(warnings.length, 'warning')} on rows that were written; they are not failures and are not retried`,
    });
    return EXIT.completed;
  }
  const warned = warnings.length
    ? `; ${plural(warnings.length, 'warning')} on written rows, listed by p2c failures ${run} --warnings`
    : '';
  printRows(ctx, options, rows, {
    asJson: { run: projectRunId, failures: rows, warnings },
    empty: `run ${projectRunId} has no row failures${inTask}${warned}`,
    footer: `${plural(rows.length, 'failed row')}; re-run them with p2c retry-failed ${projectRunId}${warned}`,
  });
  return EXIT.completed;
}

export function registerFailures(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('failures')
    .description('row failures of a run: source key, field, code and reason (--warnings: rows written with warnings)')
    .argument('<run>', 'workflow id of the project run (or of one of its tasks)')
    .option('--project <file>', 'project file, for the task names --task accepts (default: P2C_PROJECT_FILE)')
    .option('--task <name>', "only this task (a header task's list includes its line task)")
    .option('--warnings', 'list the warnings of rows that were written anyway (a value truncated, a country defaulted)')
    .option('--json', 'print JSON (failures and warnings apart)')
    .option('--csv', 'print CSV (for a spreadsheet)')
    .action((runId: string, options: FailuresOptions) => run(() => failures(ctx, runId, options)));
}
