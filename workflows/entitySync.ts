/**
 * One task of a project for one partition: read → transform → write, page by page, with the cursor carried in
 * workflow state, counters exposed as a query, pause/resume signals and continue-as-new to keep history small.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ContinueAsNew,
  condition,
  isCancellation,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { distinctDocuments, sourceKeyOf } from '../mappings/source-key';
import { rowCountOf, rowsOf } from '../common/packed-rows';
import type { TaskDefinition } from '../mappings';
import type { SyncActivities } from '../activities';
import {
  CANCELLED_REASON,
  DELETE_COUNT_NAMES,
  FAILURE_SAMPLE_SIZE,
  MAX_SINGLE_ROW_BYTES,
  addCounters,
  emptyCounters,
  emptyDeleteCounts,
  outcomeOf,
  recordedStatusOf,
  type Counters,
  type DeleteCounts,
  type PageRead,
  type SyncCursor,
  type SyncMode,
  type SyncSettings,
  type TaskRef,
  type TaskResult,
} from '../common/sync-types';
import type { RowFailure } from '../common/types';
import { QUOTE_SYNC_V2, QUOTE_SYNC_V3, quoteSync, quoteSyncV2, quoteSyncV3, type QuoteSyncResult } from './quoteSync';
import { OUTCOME_ATTRIBUTE } from './search-attributes';
import { activityOptions, localActivityOptions, PAGE_TOO_LARGE } from './activity-options';

export interface EntitySyncInput {
  ref: TaskRef;
  task: TaskDefinition;
  /** Header/lines documents (quotes, orders, invoices): each header row becomes a quoteSyncV3 saga. */
  lineTask?: TaskDefinition;
  mode: SyncMode;
  settings: SyncSettings;
  /** Only these source business keys (re-run of failed rows). */
  onlyKeys?: string[];
  /** State carried across continue-as-new. */
  carry?: EntitySyncCarry;
}

export interface EntitySyncCarry {
  cursor: SyncCursor;
  counters: Counters;
  failureSample: RowFailure[];
  failureCount: number;
  startedAt: string;
  runs: number;
  deletes?: DeleteCounts;
  deletedSample?: string[];
}

export interface EntitySyncProgress {
  task: string;
  dataAreaId: string;
  page: number;
  pageSize: number;
  paused: boolean;
  done: boolean;
  counters: Counters;
  failureCount: number;
  /** Number of workflow runs (continue-as-new generations) so far. */
  runs: number;
}

export const progressQuery = defineQuery<EntitySyncProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

const { readPage, transformPage } = proxyActivities<SyncActivities>(activityOptions.read);
const { writePage, transformAndWritePage } = proxyActivities<SyncActivities>(activityOptions.write);
/**
 * A task's bookkeeping (checkpoint-store calls at its start, its end and after each document page) runs as local
 * activities: each saves a workflow task and an activity task's round trip through the server, which is most of
 * what a task with little to do costs (an incremental run's). Task runs recorded before keep activity tasks.
 */
export const LOCAL_BOOKKEEPING = 'local-bookkeeping';
const remoteBookkeeping = proxyActivities<SyncActivities>(activityOptions.bookkeeping);
const localBookkeeping = proxyLocalActivities<SyncActivities>(localActivityOptions.bookkeeping);
const bookkeeping = () => (patched(LOCAL_BOOKKEEPING) ? localBookkeeping : remoteBookkeeping);
const { applyDeletes } = proxyActivities<SyncActivities>(activityOptions.write);

/** Marks task runs whose cancellation shows as Canceled in their P2COutcome search attribute and memo summary. */
export const CANCELED_OUTCOME_SHOWN = 'canceled-outcome-shown';

/**
 * Marks task runs that take every patch decision at their start, before any local activity. The SDK may record a
 * local activity's result in one workflow task and the commands of the code that follows it in the next, while a
 * replay runs that code within the first: a patched() call there finds its marker not yet announced, takes the old
 * path and fails the replay (a nondeterminism error that stalls the task after any worker restart). Task runs
 * recorded before decide where they always did.
 */
export const EARLY_PATCH_DECISIONS = 'early-patch-decisions';
/** The patch decisions a task may need right after a local activity (beginTask, finishTask, a document page's). */
const LATE_PATCHES = ['parallel-page-writes', 'delete-policy', CANCELED_OUTCOME_SHOWN] as const;
type LatePatch = (typeof LATE_PATCHES)[number];

/** Must be called before the task's first command; answers `patched(id)` for the late patches. */
function patchDecisions(): (patchId: LatePatch) => boolean {
  if (!patched(EARLY_PATCH_DECISIONS)) return (patchId) => patched(patchId);
  const decided = new Map(LATE_PATCHES.map((patchId) => [patchId, patched(patchId)]));
  return (patchId) => decided.get(patchId)!;
}

function isPageTooLarge(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === PAGE_TOO_LARGE;
}

function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return `${err.activityType}: ${err.cause.message}`;
  if (err instanceof ChildWorkflowFailure && err.cause) return `${err.workflowType}: ${err.cause.message}`;
  return err instanceof Error ? err.message : String(err);
}

export async function entitySync(input: EntitySyncInput): Promise<TaskResult> {
  const decided = patchDecisions();
  const { ref, task, settings } = input;
  const carry = input.carry;
  const counters = carry?.counters ?? emptyCounters();
  const failureSample: RowFailure[] = carry?.failureSample ?? [];
  let failureCount = carry?.failureCount ?? 0;
  const startedAt = carry?.startedAt ?? new Date().toISOString();
  const runs = (carry?.runs ?? 0) + 1;
  let paused = false;
  let cursor: SyncCursor = carry?.cursor ?? { page: 0, pageSize: settings.pageSize, done: false };
  let deletes: DeleteCounts | undefined = carry?.deletes;
  const deletedSample: string[] = carry?.deletedSample ?? [];

  setHandler(progressQuery, () => ({
    task: task.name,
    dataAreaId: ref.partition.dataAreaId,
    page: cursor.page,
    pageSize: cursor.pageSize,
    paused,
    done: cursor.done,
    counters,
    failureCount,
    runs,
  }));
  setHandler(pauseSignal, () => {
    paused = true;
  });
  setHandler(resumeSignal, () => {
    paused = false;
  });

  const recordFailures = (failures: RowFailure[]) => {
    failureCount += failures.length;
    for (const failure of failures) if (failureSample.length < FAILURE_SAMPLE_SIZE) failureSample.push(failure);
  };

  const finish = async (failedReason?: string): Promise<TaskResult> => {
    const outcome = outcomeOf(counters, failedReason !== undefined);
    const endedAt = new Date().toISOString();
    await bookkeeping().finishTask({
      ref,
      task: task.name,
      workflowId: workflowInfo().workflowId,
      outcome,
      counters,
      startedAt,
      endedAt,
      // A watermark moves only when every page of a normal run was processed.
      watermark: outcome !== 'Failed' && !input.onlyKeys ? cursor.pendingWatermark : undefined,
      reason: failedReason,
    });
    // A cancelled task shows as Canceled, as the store records it; histories recorded before show it as Failed.
    const cancelled = failedReason === CANCELLED_REASON && decided(CANCELED_OUTCOME_SHOWN);
    const shown = cancelled ? recordedStatusOf(outcome, failedReason) : outcome;
    upsertSearchAttributes({ [OUTCOME_ATTRIBUTE]: [shown] });
    upsertMemo({ summary: summaryLine(task.name, shown, counters, cancelled ? undefined : failedReason) });
    return {
      task: task.name,
      partition: ref.partition,
      outcome,
      counters,
      failureSample,
      failureCount,
      ...(deletes ? { deletes, deletedSample } : {}),
      reason: failedReason,
      startedAt,
      endedAt,
    };
  };

  try {
    if (!carry) {
      const begun = await bookkeeping().beginTask({
        ref,
        task,
        mode: input.mode,
        workflowId: workflowInfo().workflowId,
        startedAt,
      });
      if (begun.resumeCursor) cursor = begun.resumeCursor;
      if (!cursor.pendingWatermark)
        cursor = { ...cursor, readFrom: begun.readFrom, pendingWatermark: begun.pendingWatermark };
    }
    if (cursor.done) return await finish();

    // Reads are chained (each needs the previous next link) and may run ahead of writes by pipelineDepth pages.
    const readWithShrink = async (next: string | undefined): Promise<PageRead> => {
      for (;;) {
        try {
          return await readPage({
            ref,
            task,
            cursor: next,
            pageSize: cursor.pageSize,
            maxPageBytes: settings.maxPageBytes,
            readFrom: cursor.readFrom,
            onlyKeys: input.onlyKeys,
            lineTask: input.lineTask,
          });
        } catch (err) {
          if (!isPageTooLarge(err) || cursor.pageSize <= 1) throw err;
          cursor = { ...cursor, pageSize: Math.max(1, Math.floor(cursor.pageSize / 2)) };
          log.info('page over byte budget, shrinking', {
            task: task.name,
            pageSize: cursor.pageSize,
            maxRowBytes: MAX_SINGLE_ROW_BYTES,
          });
        }
      }
    };

    const queue: Array<Promise<PageRead | undefined>> = [];
    let lastRead: Promise<PageRead | undefined> = readWithShrink(cursor.next);
    let stopReading = false;
    const enqueue = (p: Promise<PageRead | undefined>) => {
      p.catch(() => undefined); // surfaced when the page is awaited; avoids an unhandled rejection meanwhile
      queue.push(p);
    };
    enqueue(lastRead);
    const topUp = () => {
      while (!stopReading && queue.length < settings.pipelineDepth + 1) {
        const previous = lastRead;
        lastRead = previous.then((page) => (page?.next ? readWithShrink(page.next) : undefined));
        enqueue(lastRead);
      }
    };

    /** Counts a page as read and gives the cursor after it. */
    const advancePast = (page: PageRead): SyncCursor => {
      counters.read += rowCountOf(page);
      counters.deletedSeen += page.deleted.length;
      return {
        ...cursor,
        next: page.next,
        page: cursor.page + 1,
        done: !page.next,
        pendingWatermark: page.watermark ?? cursor.pendingWatermark,
      };
    };
    const applyPageDeletes = async (page: PageRead) => {
      // Histories recorded before the delete policy never saw a deletion, so they never reach this marker.
      if (page.deleted.length === 0 || !decided('delete-policy')) return;
      const applied = await applyDeletes({
        ref,
        task,
        workflowId: workflowInfo().workflowId,
        sourceIds: page.deleted,
      });
      deletes ??= emptyDeleteCounts();
      for (const name of DELETE_COUNT_NAMES) deletes[name] += applied[name];
      deletedSample.push(...applied.sourceKeys.slice(0, FAILURE_SAMPLE_SIZE - deletedSample.length));
    };
    const continueWithCursor = () =>
      continueAsNew<typeof entitySync>({
        ...input,
        carry: { cursor, counters, failureSample, failureCount, startedAt, runs, deletes, deletedSample },
      });

    // Plain tasks write several pages at once; histories recorded before that write one page at a time.
    const writeConcurrency = input.lineTask ? 1 : (settings.writeConcurrency ?? 1);
    if (writeConcurrency > 1 && decided('parallel-page-writes')) {
      return await pagesInParallel(writeConcurrency);
    }

    let pagesThisRun = 0;
    for (;;) {
      topUp();
      const page = await queue.shift()!;
      if (!page) break;
      const nextCursor = advancePast(page);
      const result = input.lineTask
        ? await syncDocuments(input, input.lineTask, page)
        : await syncRows(input, page, nextCursor);
      addCounters(counters, result.counters);
      recordFailures(result.failures);
      await applyPageDeletes(page);
      cursor = nextCursor;
      pagesThisRun++;
      if (cursor.done) break;
      if (paused) await condition(() => !paused);
      if (pagesThisRun >= settings.pagesPerRun || workflowInfo().continueAsNewSuggested) stopReading = true;
      if (stopReading && queue.length === 0) return await continueWithCursor();
    }
    return await finish();

    /**
     * Pages are read in order and written up to `concurrency` at once. A write saves as its resume point the
     * cursor after the last page up to which every page is written, so a crash re-reads pages still in flight
     * and never skips one; upsert by key makes the repeats harmless.
     */
    async function pagesInParallel(concurrency: number): Promise<TaskResult> {
      let written = cursor;
      const writtenAhead = new Map<number, SyncCursor>();
      let inFlight = 0;
      let writeError: { error: unknown } | undefined;
      const writeAndApply = async (page: PageRead, after: SyncCursor) => {
        const result = await syncRows(input, page, written);
        addCounters(counters, result.counters);
        recordFailures(result.failures);
        await applyPageDeletes(page);
        writtenAhead.set(after.page, after);
        for (let next = writtenAhead.get(written.page + 1); next; next = writtenAhead.get(written.page + 1)) {
          writtenAhead.delete(next.page);
          written = next;
        }
      };
      const drained = async () => {
        await condition(() => inFlight === 0);
        if (writeError) throw writeError.error;
      };

      let pagesThisRun = 0;
      for (;;) {
        topUp();
        await condition(() => inFlight < concurrency || writeError !== undefined);
        // A failed page fails the task once the other pages in flight have settled.
        if (writeError) await drained();
        const page = await queue.shift()!;
        if (!page) break;
        const nextCursor = advancePast(page);
        inFlight += 1;
        writeAndApply(page, nextCursor).then(
          () => (inFlight -= 1),
          (error: unknown) => {
            writeError ??= { error };
            inFlight -= 1;
          },
        );
        cursor = nextCursor;
        pagesThisRun++;
        if (cursor.done) break;
        if (paused) await condition(() => !paused);
        if (pagesThisRun >= settings.pagesPerRun || workflowInfo().continueAsNewSuggested) stopReading = true;
        if (stopReading && queue.length === 0) {
          await drained();
          // A pause that arrived while the writes drained holds the task here, as it would between pages: every
          // continue-as-new follows such a wait, so a run never continues paused.
          if (paused) await condition(() => !paused);
          return await continueWithCursor();
        }
      }
      await drained();
      return await finish();
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      // The task's run record ends too (no watermark moves), then the cancellation ends the task.
      await CancellationScope.nonCancellable(() => finish(CANCELLED_REASON));
      throw err;
    }
    const reason = describeFailure(err);
    log.warn('task failed', { task: task.name, reason });
    return await finish(reason);
  }
}

function summaryLine(task: string, outcome: string, c: Counters, reason?: string): string {
  const warned = c.warnings ? `, warnings ${c.warnings}` : '';
  const base = `${task}: ${outcome} — read ${c.read}, created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, filtered ${c.filtered}, failed ${c.failed}${warned}`;
  return reason ? `${base}; ${reason}` : base;
}

interface PageOutcome {
  counters: Partial<Counters>;
  failures: RowFailure[];
}

async function syncRows(input: EntitySyncInput, page: PageRead, cursorAfter: SyncCursor): Promise<PageOutcome> {
  const { ref, task } = input;
  // One activity per page instead of two; histories recorded before it keep their transform and write steps.
  if (patched('transform-in-write')) {
    const written = await transformAndWritePage({
      ref,
      task,
      workflowId: workflowInfo().workflowId,
      ...(page.packed ? { packed: page.packed } : { rows: page.rows }),
      lookups: page.lookups,
      failures: page.failures,
      cursorAfter,
    });
    return {
      counters: {
        filtered: written.filtered,
        created: written.created,
        updated: written.updated,
        unchanged: written.unchanged,
        failed: written.failed,
        warnings: written.warnings ?? 0,
      },
      failures: written.failures,
    };
  }
  const transformed = await transformPage({ ref, task, rows: rowsOf(page), lookups: page.lookups });
  const written = await writePage({
    ref,
    task,
    workflowId: workflowInfo().workflowId,
    rows: transformed.rows,
    failures: [...page.failures, ...transformed.failures],
    warnings: transformed.warnings,
    cursorAfter,
  });
  return {
    counters: {
      filtered: transformed.filtered,
      created: written.created,
      updated: written.updated,
      unchanged: written.unchanged,
      failed: written.failed,
      warnings: written.warnings ?? 0,
    },
    failures: written.failures,
  };
}

const DISTINCT_DOCUMENTS = 'distinct-document-keys';

/**
 * Each header row of the page becomes a quoteSyncV3 child, one per document number; at most `documentConcurrency`
 * run at once.
 */
async function syncDocuments(input: EntitySyncInput, lineTask: TaskDefinition, page: PageRead): Promise<PageOutcome> {
  const { ref, task, settings } = input;
  const outcome: PageOutcome = { counters: {}, failures: [...page.failures] };
  const count = (name: keyof Counters) => (outcome.counters[name] = (outcome.counters[name] ?? 0) + 1);
  const parentId = workflowInfo().workflowId;
  let headers = rowsOf(page);
  // Histories recorded before it started a saga for every header row, duplicates included.
  if (patched(DISTINCT_DOCUMENTS)) {
    const distinct = distinctDocuments(task, headers);
    headers = distinct.rows;
    for (const duplicate of distinct.duplicates) {
      count('failed');
      outcome.failures.push(duplicate);
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < headers.length) {
      const header = headers[next++];
      const documentId = sourceKeyOf(task, header);
      const saga = patched(QUOTE_SYNC_V3) ? quoteSyncV3 : patched(QUOTE_SYNC_V2) ? quoteSyncV2 : quoteSync;
      const result = await executeChild(saga, {
        workflowId: `${parentId}/${documentId}`,
        args: [{ ref, headerTask: task, lineTask, header }],
      }).catch((err: unknown): QuoteSyncResult => ({
        documentKey: documentId,
        outcome: 'failed',
        lines: 0,
        compensationFailures: [],
        compensated: false,
        failures: [{ task: task.name, sourceKey: documentId, code: 'document-failed', message: describeFailure(err) }],
      }));
      if (result.outcome === 'failed') {
        count('failed');
        outcome.failures.push(...result.failures);
        for (const problem of result.compensationFailures) {
          outcome.failures.push({
            task: task.name,
            sourceKey: result.documentKey,
            code: 'compensation-failed',
            message: problem,
          });
        }
      } else {
        count(result.outcome);
        if (result.warnings) outcome.counters.warnings = (outcome.counters.warnings ?? 0) + result.warnings;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.documentConcurrency) }, worker));
  await bookkeeping().recordDocumentFailures({ ref, task: task.name, failures: outcome.failures });
  return outcome;
}
