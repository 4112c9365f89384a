import { z } from 'zod';

const nonEmpty = (what: string) => z.string().min(1, `${what} must be a non-empty string`);
export const isoTimestamp = (what: string) =>
  z.iso.datetime({ offset: true, message: `${what} must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z` });
const counters = z.record(z.string(), z.number({ error: 'counter values must be finite numbers' }));

export const watermarkSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('modified-since'), value: isoTimestamp('a modified-since watermark') }),
  z.object({ kind: z.literal('delta-link'), value: nonEmpty('a delta-link watermark') }),
  z.object({ kind: z.literal('none') }),
]);
/** Where the next run of a task starts reading: a modified-on time, a change-tracking delta link, or nothing. */
export type Watermark = z.infer<typeof watermarkSchema>;

export const runCursorSchema = z.object({
  cursor: z.string().optional(),
  page: z.number().int().nonnegative('page must be a non-negative integer'),
  counters,
  updatedAt: isoTimestamp('updatedAt'),
});
/** Position of a run in progress, saved after every page. */
export type RunCursor = z.infer<typeof runCursorSchema>;

export const RUN_STATUSES = ['Running', 'Completed', 'CompletedWithWarnings', 'Failed', 'Canceled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runRecordSchema = z.object({
  runId: nonEmpty('runId'),
  workflowId: nonEmpty('workflowId'),
  project: nonEmpty('project'),
  task: nonEmpty('task'),
  partition: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  startedAt: isoTimestamp('startedAt'),
  endedAt: isoTimestamp('endedAt').optional(),
  counters,
  /** The run whose failures this run retried (`p2c retry-failed`). */
  parentRunId: nonEmpty('parentRunId').optional(),
  /** Why the run failed or was cancelled; a long one is kept to MAX_RUN_REASON_LENGTH characters. */
  reason: z.string().optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

export const storedFailureSchema = z.object({
  task: nonEmpty('task'),
  sourceKey: nonEmpty('sourceKey'),
  field: z.string().optional(),
  code: nonEmpty('code'),
  message: z.string(),
  attempt: z.number().int().positive('attempt must be a positive integer').optional(),
  retryable: z.boolean().optional(),
  at: isoTimestamp('at'),
});
/** A row failure of a run, kept so `p2c failures` can list it and `p2c retry-failed` can re-run the row. */
export type StoredFailure = z.infer<typeof storedFailureSchema>;

export const storedWarningSchema = z.object({
  task: nonEmpty('task'),
  sourceKey: nonEmpty('sourceKey'),
  field: z.string().optional(),
  code: nonEmpty('code'),
  message: z.string(),
  at: isoTimestamp('at'),
});
/**
 * A note on a row that was written anyway (a value truncated, a blank country defaulted, an optional lookup left
 * empty). Kept apart from failures: `p2c retry-failed` never re-runs a warned row, and it counts as no failure.
 */
export type StoredWarning = z.infer<typeof storedWarningSchema>;

export const TRACE_OUTCOMES = ['read', 'created', 'updated', 'unchanged', 'failed', 'filtered', 'deleted'] as const;
export type TraceOutcome = (typeof TRACE_OUTCOMES)[number];

export const traceEntrySchema = z.object({
  runId: nonEmpty('runId'),
  workflowId: nonEmpty('workflowId'),
  task: nonEmpty('task'),
  sourceKey: nonEmpty('sourceKey'),
  outcome: z.enum(TRACE_OUTCOMES),
  at: isoTimestamp('at'),
  detail: z.string().optional(),
});
/** One thing a run did to one business key. */
export type TraceEntry = z.infer<typeof traceEntrySchema>;

/** How many failures a run has of one task and code. */
export interface FailureCount {
  task: string;
  code: string;
  count: number;
}

/** The order of a digest's counts: the most frequent first, ties by task, then code. */
export function byFrequency(a: FailureCount, b: FailureCount): number {
  return b.count - a.count || a.task.localeCompare(b.task) || a.code.localeCompare(b.code);
}

/** A run's failures in brief, for an alert: how many of each task and code, and the first few of each task. */
export interface FailureDigest {
  total: number;
  /** Ordered byFrequency. */
  counts: FailureCount[];
  /** The first failures of each task, in the order they were added. */
  first: StoredFailure[];
}

/** The digest failureDigest gives, made from a list of failures in the order they were added. */
export function digestFailures<T extends { task: string; code: string }>(
  failures: T[],
  perTask: number,
): { total: number; counts: FailureCount[]; first: T[] } {
  const counts = new Map<string, FailureCount>();
  const taken = new Map<string, number>();
  const first: T[] = [];
  for (const failure of failures) {
    const { task, code } = failure;
    const entry = counts.get(`${task}\u0000${code}`) ?? { task, code, count: 0 };
    entry.count += 1;
    counts.set(`${task}\u0000${code}`, entry);
    if ((taken.get(task) ?? 0) < perTask) {
      taken.set(task, (taken.get(task) ?? 0) + 1);
      first.push(failure);
    }
  }
  return { total: failures.length, counts: [...counts.values()].sort(byFrequency), first };
}

/** What one written page leaves in the store besides its rows' hashes. */
export interface PageRecord {
  failures: StoredFailure[];
  warnings: StoredWarning[];
  trace: TraceEntry[];
  /** Where the run resumes: the cursor after this page. */
  cursor: RunCursor;
}

export const hashEntrySchema = z.object({ sourceKey: nonEmpty('sourceKey'), hash: nonEmpty('hash') });
export type HashEntry = z.infer<typeof hashEntrySchema>;

export const sourceIdEntrySchema = z.object({
  sourceId: nonEmpty('sourceId'),
  sourceKey: nonEmpty('sourceKey'),
  /** The row's business key in the target, when the mapping produced one. */
  targetKey: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** The full re-read that last returned this row, when one is in progress (finds rows deleted meanwhile). */
  seenIn: nonEmpty('seenIn').optional(),
});
/** What a source GUID stood for, so a change-tracking deletion (GUID only) can be traced to its rows. */
export type SourceIdEntry = z.infer<typeof sourceIdEntrySchema>;

export interface RunFilter {
  project?: string;
  task?: string;
  /** Only the task runs of this project run. */
  parentRunId?: string;
  /** At most this many runs, newest first; defaults to DEFAULT_RUN_LIST_LIMIT. */
  limit?: number;
}

export interface RunGroupFilter {
  project: string;
  /**
   * Only parent runs whose id is this prefix and one more segment without a `/`: a project's runs
   * (`p2c/<project>/<time>`) without the longer ids continuous passes record their tasks under.
   */
  parentRunIdPrefix?: string;
  /** Parent runs to leave out (those listed from elsewhere). */
  excludeParentRunIds?: string[];
  /** At most this many parent runs, newest first; defaults to DEFAULT_RUN_LIST_LIMIT. */
  limit?: number;
}

/** The task runs recorded under one parent run (a project run), oldest first. */
export interface RunGroup {
  parentRunId: string;
  runs: RunRecord[];
}

export interface FailureFilter {
  task?: string;
  /** Only failures of one of these tasks (a header task and its line task, for instance); none for an empty list. */
  tasks?: string[];
  sourceKey?: string;
}

export interface PurgeResult {
  runs: number;
  failures: number;
  traces: number;
  warnings: number;
  /** Journaled document snapshots no saga came back for (their saga and its undo both gave up). */
  snapshots: number;
}

/** A document that landed whole: what its saga records about it in one transaction. */
export interface DocumentWrittenRecord {
  project: string;
  task: string;
  partition: string;
  hash: HashEntry;
  trace: TraceEntry;
  /** The saga run whose journaled snapshot is no longer needed. */
  sagaRunId?: string;
  /** Warnings of the document's header and lines, stored under the trace entry's run. */
  warnings?: StoredWarning[];
}

/**
 * Durable bookkeeping of the sync engine. Every write is an upsert or otherwise idempotent, because activities
 * run at least once.
 */
export interface CheckpointStore {
  /** Applies the migrations this database has not seen yet; a no-op when it is up to date. */
  migrate(): Promise<void>;
  /** The highest migration applied to this database (0 before the first migrate()). */
  schemaVersion(): Promise<number>;

  getWatermark(project: string, task: string, partition: string): Promise<Watermark | undefined>;
  /** Stores the watermark of a finished task and drops the run's cursor for that task and partition. */
  commitWatermark(project: string, task: string, partition: string, wm: Watermark, runId: string): Promise<void>;

  saveCursor(runId: string, task: string, partition: string, cursor: RunCursor): Promise<void>;
  /**
   * Records a written page's failures, warnings and trace with the cursor after it, in one transaction: a crash
   * leaves all of them or none, so a resumed run never skips a page whose failures were not recorded.
   */
  commitPage(runId: string, task: string, partition: string, page: PageRecord): Promise<void>;
  getCursor(runId: string, task: string, partition: string): Promise<RunCursor | undefined>;

  /** Hashes of the given keys that have one; keys never written are absent from the map. */
  getHashes(project: string, task: string, partition: string, sourceKeys: string[]): Promise<Map<string, string>>;
  /** Upserts hashes; when a key appears twice in one call the last entry wins. */
  putHashes(project: string, task: string, partition: string, entries: HashEntry[]): Promise<void>;

  /** Upserts what each source GUID stands for; the last entry for a GUID wins. */
  putSourceIds(project: string, task: string, partition: string, entries: SourceIdEntry[]): Promise<void>;
  /** The entries of the given GUIDs that have one; GUIDs never recorded are absent from the map. */
  getSourceIds(
    project: string,
    task: string,
    partition: string,
    sourceIds: string[],
  ): Promise<Map<string, SourceIdEntry>>;
  /** Every recorded entry that the full re-read `seenIn` did not return (never recorded by it, or by none). */
  sourceIdsNotSeenIn(project: string, task: string, partition: string, seenIn: string): Promise<SourceIdEntry[]>;

  /** Inserts or replaces the run with the same runId. */
  recordRun(run: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first (by startedAt). */
  listRuns(filter: RunFilter): Promise<RunRecord[]>;
  /**
   * The project's task runs grouped by their parent run, the groups newest first by their first task's start;
   * runs without a parent are not listed.
   */
  listRunGroups(filter: RunGroupFilter): Promise<RunGroup[]>;
  /** Idempotent per (runId, task, sourceKey, code): a repeat replaces the earlier entry and keeps its place. */
  addFailures(runId: string, failures: StoredFailure[]): Promise<void>;
  /** In the order the failures were first added. */
  listFailures(runId: string, filter?: FailureFilter): Promise<StoredFailure[]>;
  /**
   * How many failures the run has per task and code, and the first `perTask` of each task (1 to 1000): what an
   * alert shows, without reading every failure of a large run.
   */
  failureDigest(runId: string, perTask: number): Promise<FailureDigest>;

  /** Idempotent per (runId, task, sourceKey, code, field): a repeat replaces the earlier entry and keeps its place. */
  addWarnings(runId: string, warnings: StoredWarning[]): Promise<void>;
  /** In the order the warnings were first added. */
  listWarnings(runId: string, filter?: FailureFilter): Promise<StoredWarning[]>;
  /** How many warnings listWarnings would list, without reading them. */
  countWarnings(runId: string, filter?: FailureFilter): Promise<number>;

  /** Idempotent per (runId, task, sourceKey, outcome), so a retried activity does not record a step twice. */
  addTrace(entries: TraceEntry[]): Promise<void>;
  /** Every recorded step for the business key, oldest first. */
  trace(task: string, sourceKey: string): Promise<TraceEntry[]>;

  /**
   * Journals a document saga's snapshot before its first write and returns the saga run's journaled snapshot: the
   * first one stored wins. A saga re-planned after its worker died mid-write took its second snapshot of its own
   * half write; the journaled one is what the target held before the saga touched it.
   */
  claimSnapshot(sagaRunId: string, snapshot: unknown, at: string): Promise<unknown>;
  /** The saga run's journaled snapshot, if it has one. */
  journaledSnapshot(sagaRunId: string): Promise<unknown>;
  /** Drops the saga run's journaled snapshot (its document was undone). */
  releaseSnapshot(sagaRunId: string): Promise<void>;
  /** Records a whole document's hash, trace entry and warnings and drops its saga's journaled snapshot, as one transaction. */
  documentWritten(record: DocumentWrittenRecord): Promise<void>;

  /**
   * Deletes execution history older than `olderThan`: runs that ended (or, never having ended, started) before it
   * together with their failures, warnings, traces and cursors, plus any of those itself dated before it.
   * Watermarks, row hashes and source ids are state, not history, and are never purged.
   */
  purge(olderThan: Date): Promise<PurgeResult>;
  close(): Promise<void>;
}
