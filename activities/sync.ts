/**
 * The entity-sync activities: thin wiring of the connectors, the pure mapping engine and the checkpoint store.
 * Every write is keyed by business key, so any activity can run twice without a duplicate row.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { DataverseClient, FnoClient } from '../connectors';
import type { CheckpointStore } from '../common/checkpoint-store';
import {
  baseSourceKey,
  createLookupIndex,
  odataString,
  rowHash,
  sourceKeyOf,
  transform,
  type TaskDefinition,
} from '../mappings';
import {
  MAX_SINGLE_ROW_BYTES,
  recordedStatusOf,
  type Counters,
  type LookupEntries,
  type PageRead,
  type PageTransformed,
  type PageWritten,
  type SyncCursor,
  type SyncMode,
  type TaskOutcome,
  type TaskRef,
  type Watermark,
} from '../common/sync-types';
import { packRows, rowsOf, type RowCarrier } from '../common/packed-rows';
import type { RowFailure, SourceRow, TargetRow, WriteOutcome } from '../common/types';
import type { RowMetrics } from '../worker/observability';
import { PAGE_TOO_LARGE } from '../workflows/activity-options';
import { documentLinesReader } from './document-lines';
import { classified, retryableWriteFailure } from './failures';
import {
  fetchLookups,
  missingFromSource,
  readSourceDelta,
  readSourcePage,
  readsChangeTracking,
  type SourceDeltaPage,
} from './source';
import { RelatedKeyResolver, hasRelatedKey } from './related-keys';
import { recordSourceIds } from './deletes';

export interface SyncActivityDeps {
  dataverse: DataverseClient;
  fno: FnoClient;
  store: CheckpointStore;
  /** Rows modified this long before a run started are read again next time, covering clock skew. */
  watermarkOverlapMs?: number;
  now?: () => Date;
  /** Counts each finished task's rows (Prometheus in the worker process). */
  rowMetrics?: RowMetrics;
}

export const DEFAULT_WATERMARK_OVERLAP_MS = 2 * 60 * 1000;

export interface BeginTaskInput {
  ref: TaskRef;
  task: TaskDefinition;
  mode: SyncMode;
  workflowId: string;
  startedAt: string;
}

export interface BeginTaskResult {
  readFrom?: Watermark;
  pendingWatermark?: Watermark;
  resumeCursor?: SyncCursor;
}

export interface ReadPageInput {
  ref: TaskRef;
  task: TaskDefinition;
  cursor?: string;
  pageSize: number;
  maxPageBytes: number;
  readFrom?: Watermark;
  onlyKeys?: string[];
  /** Document tasks: the line task. The page's documents' lines are read ahead for their sagas on this worker. */
  lineTask?: TaskDefinition;
}

export interface TransformPageInput {
  ref: TaskRef;
  task: TaskDefinition;
  rows: SourceRow[];
  lookups: LookupEntries;
}

export interface WritePageInput {
  ref: TaskRef;
  task: TaskDefinition;
  workflowId: string;
  rows: TargetRow[];
  /** Failures found before the write (read and transform), stored with the write's own. */
  failures: RowFailure[];
  /** The transform's warnings: stored for the rows that are written, dropped for rows that fail. */
  warnings?: RowFailure[];
  cursorAfter: SyncCursor;
}

/**
 * One page mapped and written by one activity: the page's source rows cross Temporal once instead of three times,
 * packed as readPage returned them (or as plain rows, from histories recorded before packing).
 */
export interface TransformAndWritePageInput extends Omit<WritePageInput, 'rows'>, RowCarrier {
  lookups: LookupEntries;
}

export interface FinishTaskInput {
  ref: TaskRef;
  task: string;
  workflowId: string;
  outcome: TaskOutcome;
  counters: Counters;
  startedAt: string;
  endedAt: string;
  watermark?: Watermark;
  reason?: string;
}

/** Heartbeat details of writePage: outcomes already achieved, so a retried page counts each row once. */
interface WriteProgress {
  done: Record<string, 'created' | 'updated' | 'unchanged'>;
}

const OUTCOME_RANK = { unchanged: 0, updated: 1, created: 2, failed: 3 } as const;
type RowOutcome = keyof typeof OUTCOME_RANK;

/**
 * Counters count source rows: a source row that became several target rows (a product and its price-list entry)
 * counts once, by its worst outcome, so failed + created + updated + unchanged never exceeds what was read.
 */
export function countBySourceRow(done: Record<string, Exclude<RowOutcome, 'failed'>>, failures: RowFailure[]) {
  const bySource = new Map<string, RowOutcome>();
  const merge = (sourceKey: string, outcome: RowOutcome) => {
    const base = baseSourceKey(sourceKey);
    const current = bySource.get(base);
    if (current === undefined || OUTCOME_RANK[outcome] > OUTCOME_RANK[current]) bySource.set(base, outcome);
  };
  for (const [sourceKey, outcome] of Object.entries(done)) merge(sourceKey, outcome);
  for (const failure of failures) merge(failure.sourceKey, 'failed');
  const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const outcome of bySource.values()) counts[outcome]++;
  return counts;
}

/**
 * The warnings a page keeps: those of source rows that were written (created, updated or unchanged) and did not
 * fail. A product whose price-list entry failed reports the failure only.
 */
export function warningsOfWrittenRows(
  warnings: RowFailure[],
  done: Record<string, Exclude<RowOutcome, 'failed'>>,
  failures: RowFailure[],
): RowFailure[] {
  const written = new Set(Object.keys(done).map(baseSourceKey));
  const failed = new Set(failures.map((f) => baseSourceKey(f.sourceKey)));
  return warnings.filter((w) => written.has(baseSourceKey(w.sourceKey)) && !failed.has(baseSourceKey(w.sourceKey)));
}

/** A trace entry's detail naming a row's warnings. */
export function warningDetail(warnings: RowFailure[]): string | undefined {
  return warnings.length ? `warnings: ${warnings.map((w) => `${w.code}: ${w.message}`).join('; ')}` : undefined;
}

/** `key eq 'a' or key eq 'b'` for a re-run of chosen rows. */
export function keyFilter(keyField: string, keys: string[]): string {
  return keys.map((k) => `${keyField} eq ${odataString(k)}`).join(' or ');
}

export function partitionKey(ref: TaskRef): string {
  return ref.partition.dataAreaId;
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

export interface WriteTargetRowsOptions {
  /** F&O rows believed not to exist yet, POSTed first (see FnoUpsertBatchOptions); Dataverse upserts natively. */
  expectNew?: (row: TargetRow) => boolean;
}

/**
 * Upserts in batches; rows keyed through lookups (price-list items) go after the rows they reference, with their
 * key resolved to the referenced rows' ids. Exported so the benchmark's direct-copy baseline writes the same way.
 */
export async function writeTargetRows(
  clients: Pick<SyncActivityDeps, 'dataverse' | 'fno'>,
  task: TaskDefinition,
  rows: TargetRow[],
  options: WriteTargetRowsOptions = {},
): Promise<WriteOutcome[]> {
  if (rows.length === 0) return [];
  if (task.target.system === 'fno') {
    return clients.fno.upsertBatch(rows, { continueOnError: true, expectNew: options.expectNew });
  }
  const plain = rows.filter((r) => !hasRelatedKey(r));
  const related = rows.filter(hasRelatedKey);
  const outcomes = plain.length ? await clients.dataverse.upsertBatch(plain, { continueOnError: true }) : [];
  if (related.length === 0) return outcomes;
  const resolver = new RelatedKeyResolver(clients.dataverse);
  await resolver.prefetch(related);
  const resolved: TargetRow[] = [];
  for (const row of related) {
    const result = await resolver.resolve(row);
    if ('row' in result) resolved.push(result.row);
    else
      outcomes.push({
        sourceKey: row.sourceKey,
        status: 'failed',
        code: 'missing-lookup',
        field: result.field,
        message: result.reason,
        retryable: false,
      });
  }
  if (resolved.length) outcomes.push(...(await clients.dataverse.upsertBatch(resolved, { continueOnError: true })));
  return outcomes;
}

/**
 * The one-activity page step from the two it replaces (tests compose their stand-ins the same way). The transform is
 * pure, so a retried attempt maps the same rows again and the write's heartbeat skips rows already written.
 */
export function transformThenWrite(
  transformPage: (input: TransformPageInput) => Promise<PageTransformed>,
  writePage: (input: WritePageInput) => Promise<PageWritten>,
) {
  return async function transformAndWritePage(
    input: TransformAndWritePageInput,
  ): Promise<PageWritten & { filtered: number }> {
    const { packed, rows, ...rest } = input;
    const transformed = await transformPage({ ...rest, rows: rowsOf({ packed, rows }) });
    const written = await writePage({
      ...rest,
      rows: transformed.rows,
      failures: [...input.failures, ...transformed.failures],
      warnings: transformed.warnings,
    });
    return { ...written, filtered: transformed.filtered };
  };
}

export function createSyncActivities(deps: SyncActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const overlapMs = deps.watermarkOverlapMs ?? DEFAULT_WATERMARK_OVERLAP_MS;

  async function beginTask(input: BeginTaskInput): Promise<BeginTaskResult> {
    return classified(async () => {
      const { ref, task } = input;
      const committed =
        input.mode === 'incremental'
          ? await deps.store.getWatermark(ref.project, task.name, partitionKey(ref))
          : undefined;
      const saved = await deps.store.getCursor(ref.runId, task.name, partitionKey(ref));
      await deps.store.recordRun({
        runId: input.workflowId,
        workflowId: input.workflowId,
        project: ref.project,
        task: task.name,
        partition: partitionKey(ref),
        status: 'Running',
        startedAt: input.startedAt,
        counters: {},
        parentRunId: ref.runId,
      });
      // A delta read's watermark is the delta link its last page returns, not a time taken now.
      const delta = readsChangeTracking(task);
      const pendingWatermark: Watermark | undefined =
        task.source.modifiedField && !delta
          ? { kind: 'modified-since', value: new Date(now().getTime() - overlapMs).toISOString() }
          : undefined;
      const usable = committed && committed.kind === (delta ? 'delta-link' : 'modified-since');
      return {
        readFrom: usable ? committed : undefined,
        pendingWatermark,
        resumeCursor: saved?.cursor ? (JSON.parse(saved.cursor) as SyncCursor) : undefined,
      };
    });
  }

  async function readPage(input: ReadPageInput): Promise<PageRead> {
    return classified(async () => {
      const { task, ref } = input;
      const source = task.source;
      const delta = readsChangeTracking(task) && !input.onlyKeys?.length;
      const page: SourceDeltaPage = delta
        ? await readSourceDelta(
            deps,
            task,
            ref.partition,
            {
              pageSize: input.pageSize,
              cursor: input.cursor,
              deltaLink: input.readFrom?.kind === 'delta-link' ? input.readFrom.value : undefined,
            },
            (message) => log.warn(message),
          )
        : {
            deleted: [],
            ...(await readSourcePage(deps, task, ref.partition, {
              pageSize: input.pageSize,
              cursor: input.cursor,
              filter: input.onlyKeys?.length ? keyFilter(source.keyFields[0], input.onlyKeys) : undefined,
              modifiedSince:
                input.readFrom?.kind === 'modified-since' && source.modifiedField ? input.readFrom.value : undefined,
            })),
          };
      const failures: RowFailure[] = [];
      let rows = page.rows;
      // The budget applies to what enters the history: the packed page.
      let packed = packRows(rows);
      const bytes = bytesOf(packed);
      if (bytes > input.maxPageBytes) {
        if (rows.length > 1) {
          throw ApplicationFailure.create({
            type: PAGE_TOO_LARGE,
            nonRetryable: true,
            message: `page of ${rows.length} ${source.entitySet} rows is ${bytes} bytes, over the ${input.maxPageBytes} byte budget`,
          });
        }
        if (bytes > MAX_SINGLE_ROW_BYTES) {
          failures.push({
            task: task.name,
            sourceKey: sourceKeyOf(task, rows[0]),
            code: 'row-too-large',
            message: `row is ${bytes} bytes, over the ${MAX_SINGLE_ROW_BYTES} byte limit for one row; shorten its long text columns`,
          });
          rows = [];
          packed = packRows(rows);
        }
      }
      const lookups = await fetchLookups(deps, task, rows, ref.partition);
      if (input.lineTask && rows.length > 0)
        await documentLinesReader(deps).prefetch(input.lineTask, rows, ref.partition, lookups);
      if (delta) await recordSourceIds(deps.store, ref, partitionKey(ref), task, rows, lookups, page.reread);
      if (page.reread && !page.nextCursor) {
        // The full re-read is complete: what it did not return and the source no longer has was deleted meanwhile.
        const unseen = await deps.store.sourceIdsNotSeenIn(ref.project, task.name, partitionKey(ref), page.reread);
        const gone = await missingFromSource(
          deps,
          task,
          unseen.map((entry) => entry.sourceId),
        );
        page.deleted.push(...gone);
      }
      const watermark: Watermark | undefined = page.deltaLink
        ? { kind: 'delta-link', value: page.deltaLink }
        : undefined;
      return { packed, next: page.nextCursor, lookups, deleted: page.deleted, failures, bytes, watermark };
    });
  }

  async function transformPage(input: TransformPageInput): Promise<PageTransformed> {
    return classified(async () => {
      const result = transform(input.task, input.rows, {
        partition: input.ref.partition,
        lookups: createLookupIndex(input.lookups),
      });
      return { rows: result.rows, failures: result.errors, filtered: result.filtered, warnings: result.warnings };
    });
  }

  async function writePage(input: WritePageInput): Promise<PageWritten> {
    const ctx = Context.current();
    const previous = (ctx.info.heartbeatDetails as WriteProgress | undefined)?.done ?? {};
    const progress: WriteProgress = { done: { ...previous } };
    return classified(
      async () => {
        const { ref, task } = input;
        const pending = input.rows.filter((row) => !(row.sourceKey in progress.done));

        const hashes = new Map(pending.map((row) => [row.sourceKey, rowHash(row)]));
        const known = await deps.store.getHashes(ref.project, task.name, partitionKey(ref), [...hashes.keys()]);
        const toWrite: TargetRow[] = [];
        for (const row of pending) {
          if (known.get(row.sourceKey) === hashes.get(row.sourceKey)) progress.done[row.sourceKey] = 'unchanged';
          else toWrite.push(row);
        }

        // No recorded hash: this project, task and partition never wrote the row, so F&O is asked to create it first.
        const outcomes = await writeTargetRows(deps, task, toWrite, { expectNew: (row) => !known.has(row.sourceKey) });

        const failures: RowFailure[] = [...input.failures];
        const written: Array<{ sourceKey: string; hash: string }> = [];
        // A row the target still refuses with a transient error when the retries run out is that row's failure:
        // the page's other rows are kept and the task goes on to its next page.
        const { attempt, retryPolicy } = ctx.info;
        const lastAttempt = attempt >= (retryPolicy?.maximumAttempts ?? Number.POSITIVE_INFINITY);
        const retryable: WriteOutcome[] = [];
        for (const outcome of outcomes) {
          if (outcome.status === 'failed') {
            if (outcome.retryable && !lastAttempt) {
              retryable.push(outcome);
              continue;
            }
            const message = outcome.message ?? 'the target rejected the row';
            failures.push({
              task: task.name,
              sourceKey: outcome.sourceKey,
              field: outcome.field,
              code: outcome.code ?? 'write-failed',
              message: outcome.retryable ? `${message} (still failing after ${attempt} attempts)` : message,
              attempt,
            });
          } else {
            progress.done[outcome.sourceKey] = outcome.status;
            written.push({ sourceKey: outcome.sourceKey, hash: hashes.get(outcome.sourceKey)! });
          }
        }
        if (written.length) await deps.store.putHashes(ref.project, task.name, partitionKey(ref), written);
        if (retryable.length > 0) {
          // Keep what succeeded; the retry writes only the rest and counts each row once.
          ctx.heartbeat(progress);
          throw retryableWriteFailure(retryable);
        }

        const at = now().toISOString();
        const warnings = warningsOfWrittenRows(input.warnings ?? [], progress.done, failures);
        const warningsByKey = new Map<string, RowFailure[]>();
        for (const w of warnings) warningsByKey.set(w.sourceKey, [...(warningsByKey.get(w.sourceKey) ?? []), w]);
        const trace = [
          ...Object.entries(progress.done).map(([sourceKey, outcome]) => {
            const detail = warningDetail(warningsByKey.get(sourceKey) ?? []);
            return { sourceKey, outcome, ...(detail ? { detail } : {}) };
          }),
          ...failures.map((f) => ({
            sourceKey: f.sourceKey,
            outcome: 'failed' as const,
            detail: `${f.code}: ${f.message}`,
          })),
        ].map((entry) => ({ runId: ref.runId, workflowId: input.workflowId, task: task.name, at, ...entry }));
        // One transaction: a crash leaves the page's failures, warnings, trace and the cursor after it all or none.
        await deps.store.commitPage(ref.runId, task.name, partitionKey(ref), {
          failures: failures.map((f) => ({ ...f, at })),
          warnings: warnings.map((w) => ({ ...w, at })),
          trace,
          cursor: {
            cursor: JSON.stringify(input.cursorAfter),
            page: input.cursorAfter.page,
            counters: {},
            updatedAt: at,
          },
        });

        return { ...countBySourceRow(progress.done, failures), failures, warnings: warnings.length };
      },
      () => progress,
    );
  }

  async function finishTask(input: FinishTaskInput): Promise<void> {
    return classified(async () => {
      const { ref } = input;
      if (input.watermark) {
        await deps.store.commitWatermark(ref.project, input.task, partitionKey(ref), input.watermark, ref.runId);
      }
      await deps.store.recordRun({
        runId: input.workflowId,
        workflowId: input.workflowId,
        project: ref.project,
        task: input.task,
        partition: partitionKey(ref),
        status: recordedStatusOf(input.outcome, input.reason),
        startedAt: input.startedAt,
        endedAt: input.endedAt,
        counters: { ...input.counters },
        parentRunId: ref.runId,
        reason: input.reason,
      });
      deps.rowMetrics?.taskFinished(input.task, input.counters);
    });
  }

  /** Documents are written by their sagas; their failures are stored here, once per page. */
  async function recordDocumentFailures(input: { ref: TaskRef; task: string; failures: RowFailure[] }): Promise<void> {
    return classified(async () => {
      if (input.failures.length === 0) return;
      const at = now().toISOString();
      await deps.store.addFailures(
        input.ref.runId,
        input.failures.map((f) => ({ ...f, at })),
      );
    });
  }

  return {
    beginTask,
    readPage,
    transformPage,
    writePage,
    transformAndWritePage: transformThenWrite(transformPage, writePage),
    finishTask,
    recordDocumentFailures,
  };
}
