/**
 * `p2c retry-failed <run>`: a new run that re-reads only the rows that failed in <run> (per task, by source key),
 * in full mode so a fixed row is read whatever its modified time; the new run's memo `retryOf` names <run>.
 */
import type { Command } from 'commander';
import type { CheckpointStore, StoredFailure } from '../../common/checkpoint-store';
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
  /** Task → distinct source keys to re-read; line tasks' failures are under their header task, by document key. */
  onlyKeys: Record<string, string[]>;
  /** Distinct (task, key) rows left out because they have no business key to read them by. */
  withoutBusinessKey: number;
}

/**
 * The task a failed row is re-read by: a line task's rows are written by its header task's document sagas, so its
 * failures are retried through the header task, by the key of their document (the line task cannot be read by a
 * document key on its own).
 */
function retryTaskOf(tasks: TaskDefinition[]): (task: string) => string {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  return (name) => {
    const parent = byName.get(name)?.parent;
    return parent && byName.has(parent) ? parent : name;
  };
}

/**
 * The document a line names by its own key, for failures of a line task that ran alone (`p2c sync --task quoteLines`):
 * the line's key fields begin with its header's (`quoteid.quotenumber` for `quotenumber`, or the same F&O field), and
 * those after them (the line number) hold no `/`, the separator of key parts, so the document's part is what
 * precedes them. Undefined when the key names no document: a blank document number, or a row named by its GUID.
 */
function documentKeyOfLine(header: TaskDefinition, line: TaskDefinition, lineKey: string): string | undefined {
  const headerFields = header.source.keyFields;
  const lineFields = line.source.keyFields;
  const readsHeaderField = (index: number) =>
    index < lineFields.length && lineFields[index].slice(lineFields[index].indexOf('.') + 1) === headerFields[index];
  if (!headerFields.every((_, index) => readsHeaderField(index)))
    throw new UsageError(
      `cannot retry the ${line.name} rows of a run of ${line.name} alone: its key (${lineFields.join(', ')}) does not begin with the key of its ${header.name} documents (${headerFields.join(', ')}), so a failed line does not name its document`,
    );
  const parts = lineKey.split('/');
  if (parts.length < lineFields.length) return undefined;
  const documentParts = parts.slice(0, parts.length - (lineFields.length - headerFields.length));
  return documentParts.includes('?') ? undefined : documentParts.join('/');
}

/**
 * Task → distinct failed source keys, optionally only the given keys; rows without a business key are counted.
 * `linesRunAlone` names the line tasks that ran as tasks of their own in the failed run: their failures carry the
 * line's key, not the document's, and are retried as the document that line belongs to.
 */
export function keysByTask(
  failures: StoredFailure[],
  tasks: TaskDefinition[],
  only?: string[],
  linesRunAlone: Iterable<string> = [],
): RetryPlan {
  const wanted = only?.length ? new Set(only) : undefined;
  const retryTask = retryTaskOf(tasks);
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const alone = new Set(linesRunAlone);
  const onlyKeys: Record<string, string[]> = {};
  const withoutKey = new Set<string>();
  for (const failure of failures) {
    if (wanted && !wanted.has(failure.sourceKey)) continue;
    const task = retryTask(failure.task);
    let key: string | undefined = failure.sourceKey;
    if (task !== failure.task && alone.has(failure.task)) {
      key = documentKeyOfLine(byName.get(task)!, byName.get(failure.task)!, failure.sourceKey);
      if (key === undefined) {
        withoutKey.add(`${failure.task}\n${failure.sourceKey}`);
        continue;
      }
    } else if (failure.code === MISSING_BUSINESS_KEY && task === failure.task) {
      // Such a row's source key is its GUID, which a run cannot read by key; a line's failure in a document saga
      // carries its document's key instead, which can be read.
      withoutKey.add(`${task}\n${failure.sourceKey}`);
      continue;
    }
    const keys = (onlyKeys[task] ??= []);
    if (!keys.includes(key)) keys.push(key);
  }
  for (const [task, keys] of Object.entries(onlyKeys)) {
    for (const key of keys) withoutKey.delete(`${task}\n${key}`);
  }
  return { onlyKeys, withoutBusinessKey: withoutKey.size };
}

/**
 * The line tasks among the failures that ran as tasks of their own in the project run: a task records a run of its
 * own only when it runs as a task, never when its lines are written by the header task's document sagas.
 */
async function linesRunAloneIn(
  store: CheckpointStore,
  projectRunId: string,
  failures: StoredFailure[],
  tasks: TaskDefinition[],
): Promise<string[]> {
  const lineTasks = tasks.filter((t) => t.parent && failures.some((f) => f.task === t.name)).map((t) => t.name);
  const alone: string[] = [];
  for (const task of lineTasks) {
    if ((await store.listRuns({ parentRunId: projectRunId, task, limit: 1 })).length) alone.push(task);
  }
  return alone;
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
  const linesRunAlone = await linesRunAloneIn(store, projectRunId, failures, tasks);
  const { onlyKeys, withoutBusinessKey } = keysByTask(failures, tasks, options.key, linesRunAlone);
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
