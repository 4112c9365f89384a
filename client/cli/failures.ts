/** `p2c failures <run>`: the row failures of a run from the checkpoint store — source key, field, code, reason. */
import type { Command } from 'commander';
import type { CheckpointStore, StoredFailure } from '../../common/checkpoint-store';
import type { CliContext, CommandRunner } from './context';
import { EXIT, UsageError } from './errors';
import { csv, table } from './format';

export interface FailuresOptions {
  task?: string;
  json?: boolean;
  csv?: boolean;
}

export const FAILURE_COLUMNS = ['task', 'sourceKey', 'field', 'code', 'message', 'at'] as const;

/**
 * Failures are stored under the project run's id. A task workflow id (`p2c/<project>/<task>/<time>`) is accepted
 * too and narrows the list to that task.
 */
export async function runFailures(
  store: CheckpointStore,
  run: string,
  task?: string,
): Promise<{ projectRunId: string; failures: StoredFailure[] }> {
  const record = await store.getRun(run);
  if (record?.parentRunId && record.parentRunId !== run) {
    return {
      projectRunId: record.parentRunId,
      failures: await store.listFailures(record.parentRunId, { task: task ?? record.task }),
    };
  }
  return { projectRunId: run, failures: await store.listFailures(run, task ? { task } : undefined) };
}

export async function failures(ctx: CliContext, run: string, options: FailuresOptions): Promise<number> {
  if (options.json && options.csv) throw new UsageError('give --json or --csv, not both');
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
    .option('--task <name>', 'only this task')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (for a spreadsheet)')
    .action((runId: string, options: FailuresOptions) => run(() => failures(ctx, runId, options)));
}
