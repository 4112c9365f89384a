/**
 * Inputs, results and settings of the sync workflows. Pure types and constants: imported by workflow code (in
 * Temporal's sandbox), by activities and by the CLI.
 */
import type { RunStatus } from './checkpoint-store/types';
import type { RowCarrier } from './packed-rows';
import type { RowFailure, TargetRow } from './types';

export interface Partition {
  /** F&O legal entity (company). */
  dataAreaId: string;
  /** Sales business unit paired with it. */
  businessUnit: string;
}

export type SyncMode = 'incremental' | 'full';

export interface SyncSettings {
  /** Rows asked for per page; the workflow lowers it when pages grow past maxPageBytes. */
  pageSize: number;
  /** Serialized size a page may reach (well under Temporal's 256 KB payload warning). */
  maxPageBytes: number;
  /** Pages read ahead while earlier ones are transformed and written. 0 = strictly sequential. */
  pipelineDepth: number;
  /** Pages per workflow run before continuing as new (the server's suggestion also triggers it). */
  pagesPerRun: number;
  /**
   * Quote/order documents synced at the same time by a header/lines task: each is a child workflow, so this many
   * sagas are in flight (Temporal advises keeping a run's pending children well under 500).
   */
  documentConcurrency: number;
  /**
   * Pages of a plain task transformed and written at the same time (1 = one after another). Absent in inputs
   * recorded before it existed, which then write one page at a time.
   */
  writeConcurrency?: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  pageSize: 200,
  maxPageBytes: 128 * 1024,
  pipelineDepth: 1,
  pagesPerRun: 200,
  // Measured at 10k accounts: 8 → 16 took the quote task from 30 s to 25 s; 32 gained nothing more.
  documentConcurrency: 16,
  writeConcurrency: 4,
};

/** Largest single row a page may carry alone; bigger rows become row failures instead of oversize payloads. */
export const MAX_SINGLE_ROW_BYTES = 1536 * 1024;

/**
 * `warnings` counts the warnings recorded for rows that were written anyway (a row can have several); they never
 * count as failures and never change a task's outcome.
 */
export const COUNTER_NAMES = [
  'read',
  'created',
  'updated',
  'unchanged',
  'filtered',
  'failed',
  'deletedSeen',
  'warnings',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export function emptyCounters(): Counters {
  return { read: 0, created: 0, updated: 0, unchanged: 0, filtered: 0, failed: 0, deletedSeen: 0, warnings: 0 };
}

/** Counters carried from runs recorded before a counter existed lack it; it starts at 0. */
export function addCounters(into: Counters, delta: Partial<Counters>): Counters {
  for (const name of COUNTER_NAMES) into[name] = (into[name] ?? 0) + (delta[name] ?? 0);
  return into;
}

/**
 * The reason a cancelled task ends with. Its result's outcome is Failed (a task's outcome has no Cancelled, so
 * histories recorded before stay valid); wherever else it is recorded it is Canceled (`recordedStatusOf`).
 */
export const CANCELLED_REASON = 'cancelled';

/** Data Integrator's Completed / Warning / Error, plus Skipped for a task whose prerequisite failed. */
export type TaskOutcome = 'Completed' | 'CompletedWithWarnings' | 'Failed' | 'Skipped';

/** How an ended task is recorded outside its result: a store run status other than Running. */
export type RecordedStatus = Exclude<RunStatus, 'Running'>;

/**
 * How a finished task is recorded in the checkpoint store and shown in Temporal (its workflow's P2COutcome search
 * attribute and memo summary): a cancelled task as Canceled, a skipped one, which never ran, as Failed.
 */
export function recordedStatusOf(outcome: TaskOutcome, reason?: string): RecordedStatus {
  if (outcome === 'Failed' && reason === CANCELLED_REASON) return 'Canceled';
  return outcome === 'Skipped' ? 'Failed' : outcome;
}

export type Watermark =
  { kind: 'modified-since'; value: string } | { kind: 'delta-link'; value: string } | { kind: 'none' };

/** Where a task stands between pages; small enough to carry through continue-as-new. */
export interface SyncCursor {
  /** Opaque connector cursor (next link) of the next page; undefined before the first page. */
  next?: string;
  page: number;
  pageSize: number;
  /** Committed watermark this run reads from (incremental mode); undefined reads everything. */
  readFrom?: Watermark;
  /** Watermark the task will commit when it completes (captured when its first page was read). */
  pendingWatermark?: Watermark;
  done: boolean;
}

export interface TaskRef {
  project: string;
  task: string;
  partition: Partition;
  /** Business id of the project run this task belongs to (`p2c/<project>/<time>`). */
  runId: string;
}

/** One page of source rows: new reads carry them packed; histories recorded before packing carry `rows`. */
export interface PageRead extends RowCarrier {
  next?: string;
  /** Watermark the source reported for a completed read (e.g. a change-tracking delta link). */
  watermark?: Watermark;
  /** Business keys of lookup targets found in the target system, for the pure transform. */
  lookups: LookupEntries;
  /** Ids of rows the source reported deleted (change tracking). */
  deleted: string[];
  /** Rows dropped at read time (for example larger than MAX_SINGLE_ROW_BYTES). */
  failures: RowFailure[];
  bytes: number;
}

/** entitySet → keyField → business keys that exist. */
export type LookupEntries = Record<string, Record<string, string[]>>;

export interface PageTransformed {
  rows: TargetRow[];
  failures: RowFailure[];
  filtered: number;
  /** Notes on rows that mapped anyway; absent in results recorded before warnings were kept. */
  warnings?: RowFailure[];
}

export interface PageWritten {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  failures: RowFailure[];
  /** Warnings recorded for the page's written rows; absent in results recorded before warnings were kept. */
  warnings?: number;
}

/**
 * What a task did with rows the source reported deleted (its delete policy): listed only (policy report, or a
 * row that never reached the target), deleted, deactivated (kept but blocked), already absent from the target,
 * or unknown (GUIDs this task never read: other tasks' rows or rows outside its filter).
 */
export const DELETE_COUNT_NAMES = ['reported', 'deleted', 'deactivated', 'absent', 'unknown'] as const;
export type DeleteCounts = Record<(typeof DELETE_COUNT_NAMES)[number], number>;

export function emptyDeleteCounts(): DeleteCounts {
  return { reported: 0, deleted: 0, deactivated: 0, absent: 0, unknown: 0 };
}

export interface TaskResult {
  task: string;
  partition: Partition;
  outcome: TaskOutcome;
  counters: Counters;
  /** The first failures (all of them are in the checkpoint store; `p2c failures` lists them). */
  failureSample: RowFailure[];
  failureCount: number;
  /** Present when the source reported deletions. */
  deletes?: DeleteCounts;
  /** Business keys of the deleted rows the task had synced (the first FAILURE_SAMPLE_SIZE). */
  deletedSample?: string[];
  reason?: string;
  startedAt: string;
  endedAt: string;
}

export const FAILURE_SAMPLE_SIZE = 50;

/**
 * The result recorded for a task whose workflow ended abnormally (terminated, timed out) rather than returning one:
 * failed, nothing counted, with the failure's own reason.
 */
export function abnormalEndResult(task: string, partition: Partition, err: unknown, at: string): TaskResult {
  const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return {
    task,
    partition,
    outcome: 'Failed',
    counters: emptyCounters(),
    failureSample: [],
    failureCount: 0,
    reason,
    startedAt: at,
    endedAt: at,
  };
}

export interface ProjectRunSummary {
  project: string;
  runId: string;
  outcome: TaskOutcome;
  tasks: TaskResult[];
  startedAt: string;
  endedAt: string;
}

export function outcomeOf(counters: Counters, failed: boolean): TaskOutcome {
  if (failed) return 'Failed';
  return counters.failed > 0 ? 'CompletedWithWarnings' : 'Completed';
}

/**
 * What writing a document does, by the snapshot of its header taken before: a header that was not there is
 * created. Shared by the saga (workflow code) and its write activity, which decides from the journaled snapshot.
 */
export function documentOutcomeOf(snapshot: { header: { before?: unknown } }): 'created' | 'updated' {
  return snapshot.header.before ? 'updated' : 'created';
}

/** The worst outcome wins: Failed > CompletedWithWarnings > Completed; skipped tasks count as failed runs. */
export function combineOutcomes(outcomes: TaskOutcome[]): TaskOutcome {
  if (outcomes.some((o) => o === 'Failed' || o === 'Skipped')) return 'Failed';
  if (outcomes.some((o) => o === 'CompletedWithWarnings')) return 'CompletedWithWarnings';
  return 'Completed';
}
