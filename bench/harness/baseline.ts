/**
 * The direct-copy baseline: what a hand-written script would do with the same connectors and mappings and no
 * Temporal. Pages are read one after another (each needs the previous next link) while several pages are being
 * looked up, transformed and batch-written at once; tasks start as soon as the tasks they depend on finished.
 */
import { documentLinesReader } from '../../activities/document-lines';
import { readAndMapDocument } from '../../activities/documents';
import { fetchLookups, readSourcePage } from '../../activities/source';
import { writeTargetRows } from '../../activities/sync';
import { createLookupIndex, transform, type TaskDefinition } from '../../mappings';
import type { Partition } from '../../common/sync-types';
import type { SourceRow, TargetRow } from '../../common/types';
import type { Clients } from '../../worker/connections';

export interface BaselineOptions {
  pageSize: number;
  /** Pages being transformed and written while the next one is read. */
  writesInFlight: number;
  /** Documents prepared (header lookups, lines read) at once within a page of headers. */
  documentConcurrency: number;
}

export interface BaselineResult {
  /** Source rows read: every task's rows plus every document's lines. */
  rowsRead: number;
  written: number;
  failed: number;
  /** Each task's wall time, from its prerequisites' end to its own (lines inside their header's task). */
  tasks: Array<{ task: string; seconds: number }>;
  /** Time Dataverse requests waited because the connector's request window (5-minute budget) was spent. */
  dataverseWindowWaitSeconds: number;
}

interface Tally {
  rowsRead: number;
  written: number;
  failed: number;
}

/** Runs `work` over `items` with at most `limit` calls in flight. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

function count(tally: Tally, outcomes: Array<{ status: string }>): void {
  for (const outcome of outcomes) {
    if (outcome.status === 'failed') tally.failed += 1;
    else tally.written += 1;
  }
}

async function copyRows(clients: Clients, task: TaskDefinition, rows: SourceRow[], partition: Partition, tally: Tally) {
  const lookups = await fetchLookups(clients, task, rows, partition);
  const result = transform(task, rows, { partition, lookups: createLookupIndex(lookups) });
  tally.failed += result.errors.length;
  // The target starts from its seed, as for a hand-written initial load: POST first; a row already there is PATCHed.
  count(tally, await writeTargetRows(clients, task, result.rows, { expectNew: () => true }));
}

async function copyDocuments(
  clients: Clients,
  project: string,
  headerTask: TaskDefinition,
  lineTask: TaskDefinition,
  headers: SourceRow[],
  partition: Partition,
  options: BaselineOptions,
  tally: Tally,
) {
  const ref = { project, task: headerTask.name, partition, runId: 'baseline' };
  const targetHeaders: TargetRow[] = [];
  const targetLines: TargetRow[] = [];
  // As a copy script would: the page's lines and look-ups in a few queries, not a few per document.
  const headerLookups = await fetchLookups(clients, headerTask, headers, partition);
  await documentLinesReader(clients).prefetch(lineTask, headers, partition, headerLookups);
  await eachLimited(headers, options.documentConcurrency, async (header) => {
    const prepared = await readAndMapDocument(clients, { ref, headerTask, lineTask, header });
    tally.rowsRead += prepared.sourceLines;
    if (prepared.filtered) return;
    if (prepared.failures.length > 0 || !prepared.header) {
      tally.failed += 1;
      return;
    }
    targetHeaders.push(prepared.header);
    targetLines.push(...prepared.lines);
  });
  // Headers first: lines reference them.
  count(tally, await writeTargetRows(clients, headerTask, targetHeaders));
  count(tally, await writeTargetRows(clients, lineTask, targetLines));
}

async function copyTask(
  clients: Clients,
  project: string,
  task: TaskDefinition,
  lineTask: TaskDefinition | undefined,
  partition: Partition,
  options: BaselineOptions,
  tally: Tally,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let firstError: unknown;
  let cursor: string | undefined;
  do {
    const page = await readSourcePage(clients, task, partition, { pageSize: options.pageSize, cursor });
    cursor = page.nextCursor;
    tally.rowsRead += page.rows.length;
    const write = (
      lineTask
        ? copyDocuments(clients, project, task, lineTask, page.rows, partition, options, tally)
        : copyRows(clients, task, page.rows, partition, tally)
    )
      .catch((error: unknown) => {
        firstError ??= error;
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= options.writesInFlight) await Promise.race(inFlight);
  } while (cursor && firstError === undefined);
  await Promise.all(inFlight);
  if (firstError !== undefined) throw firstError;
}

/** Copies every task (lines inside their header's task) once per partition, in dependency order. */
export async function runBaseline(
  clients: Clients,
  project: string,
  tasks: TaskDefinition[],
  partitions: Partition[],
  options: BaselineOptions,
): Promise<BaselineResult> {
  const tally: Tally = { rowsRead: 0, written: 0, failed: 0 };
  const windowBlockedMs = () => clients.dataverse.target.limiter.snapshot().windowBlockedMs;
  const blockedBefore = windowBlockedMs();
  const timings: BaselineResult['tasks'] = [];
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const runsInHeader = (t: TaskDefinition) => t.parent !== undefined && byName.has(t.parent);
  const jobTaskOf = (name: string) => (runsInHeader(byName.get(name)!) ? byName.get(name)!.parent! : name);
  const started = new Map<string, Promise<void>>();
  const start = (task: TaskDefinition): Promise<void> => {
    let run = started.get(task.name);
    if (!run) {
      const prerequisites = [...new Set((task.dependsOn ?? []).filter((d) => byName.has(d)).map(jobTaskOf))]
        .filter((d) => d !== task.name)
        .map((d) => start(byName.get(d)!));
      const lineTask = task.children ? byName.get(task.children) : undefined;
      run = Promise.all(prerequisites).then(async () => {
        const began = process.hrtime.bigint();
        await Promise.all(partitions.map((p) => copyTask(clients, project, task, lineTask, p, options, tally)));
        timings.push({ task: task.name, seconds: Number(process.hrtime.bigint() - began) / 1e9 });
      });
      started.set(task.name, run);
    }
    return run;
  };
  await Promise.all(tasks.filter((t) => !runsInHeader(t)).map(start));
  return { ...tally, tasks: timings, dataverseWindowWaitSeconds: (windowBlockedMs() - blockedBefore) / 1000 };
}
