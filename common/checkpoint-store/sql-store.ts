import { z } from 'zod';
import { truncateText } from '../text';
import { DEFAULT_RUN_LIST_LIMIT, MAX_RUN_LIST_LIMIT, MAX_RUN_REASON_LENGTH } from './config';
import { chunks, type SqlDriver, type SqlValue, type Statement, type TableWrite } from './driver';
import { MIGRATIONS, type Migration } from './migrations';
import {
  CURSORS,
  lastWinsByKey,
  upsertStatement,
  ROW_HASHES,
  RUN_FAILURES,
  RUN_WARNINGS,
  RUNS,
  SOURCE_IDS,
  TRACES,
  WATERMARKS,
  type Row,
  type UpsertTable,
} from './tables';
import {
  byFrequency,
  hashEntrySchema,
  isoTimestamp,
  runCursorSchema,
  runRecordSchema,
  sourceIdEntrySchema,
  storedFailureSchema,
  storedWarningSchema,
  traceEntrySchema,
  watermarkSchema,
  type CheckpointStore,
  type DocumentWrittenRecord,
  type FailureDigest,
  type FailureFilter,
  type HashEntry,
  type PageRecord,
  type PurgeResult,
  type RunCursor,
  type RunFilter,
  type RunGroup,
  type RunGroupFilter,
  type RunRecord,
  type SourceIdEntry,
  type StoredFailure,
  type StoredWarning,
  type TraceEntry,
  type Watermark,
} from './types';

/** Thrown for arguments the store refuses; the message names the method and every offending field. */
export class CheckpointStoreInputError extends Error {
  override readonly name = 'CheckpointStoreInputError';
}

function parse<T>(method: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  throw new CheckpointStoreInputError(`${method}: ${problems.join('; ')}`);
}

const identifier = (what: string) =>
  z.string({ error: `${what} must be a string` }).min(1, `${what} must not be empty`);
const partitionKey = z.string({ error: 'partition must be a string (use "" for an unpartitioned task)' });
const keyList = z.array(identifier('each source key'), { error: 'sourceKeys must be an array of strings' });
const runFilterSchema = z.object({
  project: identifier('project').optional(),
  task: identifier('task').optional(),
  parentRunId: identifier('parentRunId').optional(),
  limit: z.number().int().min(1).max(MAX_RUN_LIST_LIMIT).default(DEFAULT_RUN_LIST_LIMIT),
});
const runGroupFilterSchema = z.object({
  project: identifier('project'),
  parentRunIdPrefix: identifier('parentRunIdPrefix').optional(),
  excludeParentRunIds: z
    .array(identifier('each parent run id'), { error: 'excludeParentRunIds must be an array of run ids' })
    .optional(),
  limit: z.number().int().min(1).max(MAX_RUN_LIST_LIMIT).default(DEFAULT_RUN_LIST_LIMIT),
});
const failureFilterSchema = z.object({
  task: identifier('task').optional(),
  tasks: z.array(identifier('each task'), { error: 'tasks must be an array of task names' }).optional(),
  sourceKey: identifier('sourceKey').optional(),
});

const epochMs = (iso: string): number => Date.parse(iso);
const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
/** Drops absent optional fields so records read back equal the records written. */
function compact<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined)) as T;
}

type WatermarkRow = Pick<Row<typeof WATERMARKS>, 'kind' | 'value'>;
type CursorRow = Row<typeof CURSORS>;
type RunRow = Row<typeof RUNS>;
type FailureRow = Row<typeof RUN_FAILURES>;
type WarningRow = Row<typeof RUN_WARNINGS>;
type TraceRow = Row<typeof TRACES>;

function toWatermark(row: WatermarkRow): Watermark {
  return (row.kind === 'none' ? { kind: 'none' } : { kind: row.kind, value: row.value }) as Watermark;
}

function toCursor(row: CursorRow): RunCursor {
  return compact({
    cursor: row.cursor as string | null,
    page: Number(row.page),
    counters: JSON.parse(row.counters as string) as Record<string, number>,
    updatedAt: row.updated_at as string,
  }) as RunCursor;
}

/** A reason over the limit keeps its start, cut where no character is split, and ends in an ellipsis. */
function boundedReason(reason: string): string {
  return reason.length <= MAX_RUN_REASON_LENGTH ? reason : `${truncateText(reason, MAX_RUN_REASON_LENGTH - 1)}…`;
}

function runRow(run: RunRecord): RunRow {
  return {
    run_id: run.runId,
    workflow_id: run.workflowId,
    project: run.project,
    task: run.task,
    partition_key: orNull(run.partition),
    status: run.status,
    started_at: run.startedAt,
    started_ms: epochMs(run.startedAt),
    ended_at: orNull(run.endedAt),
    ended_ms: run.endedAt === undefined ? null : epochMs(run.endedAt),
    counters: JSON.stringify(run.counters),
    parent_run_id: orNull(run.parentRunId),
    reason: run.reason === undefined ? null : boundedReason(run.reason),
  };
}

function toRun(row: RunRow): RunRecord {
  return compact({
    runId: row.run_id,
    workflowId: row.workflow_id,
    project: row.project,
    task: row.task,
    partition: row.partition_key,
    status: row.status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    counters: JSON.parse(row.counters as string),
    parentRunId: row.parent_run_id,
    reason: row.reason,
  }) as RunRecord;
}

function failureRow(runId: string, failure: StoredFailure): FailureRow {
  return {
    run_id: runId,
    task: failure.task,
    source_key: failure.sourceKey,
    code: failure.code,
    field: orNull(failure.field),
    message: failure.message,
    attempt: orNull(failure.attempt),
    retryable: failure.retryable === undefined ? null : Number(failure.retryable),
    at: failure.at,
    at_ms: epochMs(failure.at),
  };
}

function toFailure(row: FailureRow): StoredFailure {
  return compact({
    task: row.task,
    sourceKey: row.source_key,
    field: row.field,
    code: row.code,
    message: row.message,
    attempt: row.attempt === null ? null : Number(row.attempt),
    retryable: row.retryable === null ? null : Number(row.retryable) === 1,
    at: row.at,
  }) as StoredFailure;
}

// A warning without a field is stored with '' there: the field is part of the key, and NULLs never conflict.
const NO_FIELD = '';

function warningRow(runId: string, warning: StoredWarning): WarningRow {
  return {
    run_id: runId,
    task: warning.task,
    source_key: warning.sourceKey,
    code: warning.code,
    field: warning.field ?? NO_FIELD,
    message: warning.message,
    at: warning.at,
    at_ms: epochMs(warning.at),
  };
}

function toWarning(row: WarningRow): StoredWarning {
  return compact({
    task: row.task,
    sourceKey: row.source_key,
    field: row.field === NO_FIELD ? null : row.field,
    code: row.code,
    message: row.message,
    at: row.at,
  }) as StoredWarning;
}

function releaseStatement(sagaRunId: string): Statement {
  return { sql: 'DELETE FROM document_snapshots WHERE saga_run_id = ?', params: [sagaRunId] };
}

function hashRow(project: string, task: string, partition: string, entry: HashEntry) {
  return { project, task, partition_key: partition, source_key: entry.sourceKey, hash: entry.hash };
}

function traceRow(entry: TraceEntry): TraceRow {
  return {
    run_id: entry.runId,
    workflow_id: entry.workflowId,
    task: entry.task,
    source_key: entry.sourceKey,
    outcome: entry.outcome,
    at: entry.at,
    at_ms: epochMs(entry.at),
    detail: orNull(entry.detail),
  };
}

function toTrace(row: TraceRow): TraceEntry {
  return compact({
    runId: row.run_id,
    workflowId: row.workflow_id,
    task: row.task,
    sourceKey: row.source_key,
    outcome: row.outcome,
    at: row.at,
    detail: row.detail,
  }) as TraceEntry;
}

// The primary keys of watermarks and row hashes, and of cursors.
const TASK_SCOPE = 'project = ? AND task = ? AND partition_key = ?';
const RUN_SCOPE = 'run_id = ? AND task = ? AND partition_key = ?';

function sourceIdEntry(row: Row<typeof SOURCE_IDS>): SourceIdEntry {
  return compact({
    sourceId: row.source_id as string,
    sourceKey: row.source_key as string,
    targetKey: row.target_key === null ? null : JSON.parse(row.target_key as string),
    seenIn: row.seen_in,
  }) as SourceIdEntry;
}

/** Selects every column of a table, in declaration order. */
const perTaskSchema = z
  .number()
  .int('perTask must be a whole number')
  .min(1, 'perTask must be at least 1')
  .max(1000, 'perTask must be at most 1000');

const columnList = (table: UpsertTable): string => Object.keys(table.columns).join(', ');

function selectAll(table: UpsertTable): string {
  return `SELECT ${columnList(table)} FROM ${table.name}`;
}

/** A WHERE clause from the filters that are set. */
function where(conditions: Array<[string, unknown]>): Statement {
  const present = conditions.filter(([, value]) => value !== undefined);
  return {
    sql: present.length === 0 ? '' : ` WHERE ${present.map(([condition]) => condition).join(' AND ')}`,
    params: present.map(([, value]) => value),
  };
}

/** A table's rows for one upsert, the last of rows sharing a key kept (the driver needs unique keys). */
function tableWrite(table: UpsertTable, rows: Array<Record<string, SqlValue>>): TableWrite {
  return { table, rows: lastWinsByKey(table, rows) };
}

/**
 * The checkpoint store on any SQL database: validation, row mapping and queries live here once, so SQLite and
 * PostgreSQL behave the same; the driver supplies only what differs between them.
 */
export class SqlCheckpointStore implements CheckpointStore {
  private closed = false;

  constructor(
    private readonly driver: SqlDriver,
    private readonly migrations: readonly Migration[] = MIGRATIONS,
  ) {}

  async migrate(): Promise<void> {
    this.assertOpen('migrate');
    await this.driver.migrate(this.migrations);
  }

  async schemaVersion(): Promise<number> {
    this.assertOpen('schemaVersion');
    return this.driver.schemaVersion();
  }

  async getWatermark(project: string, task: string, partition: string): Promise<Watermark | undefined> {
    const scope = this.scope('getWatermark', ['project', project], task, partition);
    const [row] = await this.driver.query<WatermarkRow>({
      sql: `SELECT kind, value FROM watermarks WHERE ${TASK_SCOPE}`,
      params: scope,
    });
    return row && toWatermark(row);
  }

  async commitWatermark(project: string, task: string, partition: string, wm: Watermark, runId: string): Promise<void> {
    const [projectName, taskName, partitionValue] = this.scope(
      'commitWatermark',
      ['project', project],
      task,
      partition,
    );
    const watermark = parse('commitWatermark', watermarkSchema, wm);
    const run = parse('commitWatermark', identifier('runId'), runId);
    const row: Row<typeof WATERMARKS> = {
      project: projectName,
      task: taskName,
      partition_key: partitionValue,
      kind: watermark.kind,
      value: watermark.kind === 'none' ? null : watermark.value,
      run_id: run,
      committed_at: new Date().toISOString(),
    };
    // One transaction: a crash can never leave the new watermark without the finished run's cursor being dropped.
    await this.driver.transaction([
      upsertStatement(WATERMARKS, row),
      { sql: `DELETE FROM cursors WHERE ${RUN_SCOPE}`, params: [run, taskName, partitionValue] },
    ]);
  }

  async saveCursor(runId: string, task: string, partition: string, cursor: RunCursor): Promise<void> {
    await this.driver.upsert([this.cursorWrite('saveCursor', runId, task, partition, cursor)]);
  }

  async commitPage(runId: string, task: string, partition: string, page: PageRecord): Promise<void> {
    await this.driver.upsert([
      this.failureWrite('commitPage', runId, page.failures),
      this.warningWrite('commitPage', runId, page.warnings),
      this.traceWrite('commitPage', page.trace),
      this.cursorWrite('commitPage', runId, task, partition, page.cursor),
    ]);
  }

  async getCursor(runId: string, task: string, partition: string): Promise<RunCursor | undefined> {
    const scope = this.scope('getCursor', ['runId', runId], task, partition);
    const [row] = await this.driver.query<CursorRow>({
      sql: `${selectAll(CURSORS)} WHERE ${RUN_SCOPE}`,
      params: scope,
    });
    return row && toCursor(row);
  }

  async getHashes(
    project: string,
    task: string,
    partition: string,
    sourceKeys: string[],
  ): Promise<Map<string, string>> {
    const scope = this.scope('getHashes', ['project', project], task, partition);
    const keys = parse('getHashes', keyList, sourceKeys);
    const hashes = new Map<string, string>();
    for (const slice of chunks(keys)) {
      const rows = await this.driver.query<{ source_key: string; hash: string }>({
        sql: `SELECT source_key, hash FROM row_hashes WHERE ${TASK_SCOPE} AND ${this.driver.inList('source_key')}`,
        params: [...scope, this.driver.listParam(slice)],
      });
      for (const row of rows) hashes.set(row.source_key, row.hash);
    }
    return hashes;
  }

  async putHashes(project: string, task: string, partition: string, entries: HashEntry[]): Promise<void> {
    const [projectName, taskName, partitionValue] = this.scope('putHashes', ['project', project], task, partition);
    const hashes = parse('putHashes', z.array(hashEntrySchema), entries);
    await this.upsert(
      ROW_HASHES,
      hashes.map((entry) => hashRow(projectName, taskName, partitionValue, entry)),
    );
  }

  async putSourceIds(project: string, task: string, partition: string, entries: SourceIdEntry[]): Promise<void> {
    const [projectName, taskName, partitionValue] = this.scope('putSourceIds', ['project', project], task, partition);
    const parsed = parse('putSourceIds', z.array(sourceIdEntrySchema), entries);
    await this.upsert(
      SOURCE_IDS,
      parsed.map((entry) => ({
        project: projectName,
        task: taskName,
        partition_key: partitionValue,
        source_id: entry.sourceId.toLowerCase(),
        source_key: entry.sourceKey,
        target_key: entry.targetKey ? JSON.stringify(entry.targetKey) : null,
        seen_in: entry.seenIn ?? null,
      })),
    );
  }

  async getSourceIds(
    project: string,
    task: string,
    partition: string,
    sourceIds: string[],
  ): Promise<Map<string, SourceIdEntry>> {
    const scope = this.scope('getSourceIds', ['project', project], task, partition);
    // GUIDs compare case-insensitively; they are stored in lower case.
    const ids = parse('getSourceIds', keyList, sourceIds).map((id) => id.toLowerCase());
    const found = new Map<string, SourceIdEntry>();
    for (const slice of chunks(ids)) {
      const rows = await this.driver.query<Row<typeof SOURCE_IDS>>({
        sql: `${selectAll(SOURCE_IDS)} WHERE ${TASK_SCOPE} AND ${this.driver.inList('source_id')}`,
        params: [...scope, this.driver.listParam(slice)],
      });
      for (const row of rows) found.set(row.source_id as string, sourceIdEntry(row));
    }
    return found;
  }

  async sourceIdsNotSeenIn(project: string, task: string, partition: string, seenIn: string) {
    const scope = this.scope('sourceIdsNotSeenIn', ['project', project], task, partition);
    const read = parse('sourceIdsNotSeenIn', identifier('seenIn'), seenIn);
    const rows = await this.driver.query<Row<typeof SOURCE_IDS>>({
      sql: `${selectAll(SOURCE_IDS)} WHERE ${TASK_SCOPE} AND (seen_in IS NULL OR seen_in <> ?) ORDER BY source_id`,
      params: [...scope, read],
    });
    return rows.map(sourceIdEntry);
  }

  async recordRun(run: RunRecord): Promise<void> {
    this.assertOpen('recordRun');
    await this.driver.upsert([{ table: RUNS, rows: [runRow(parse('recordRun', runRecordSchema, run))] }]);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    this.assertOpen('getRun');
    const [row] = await this.driver.query<RunRow>({
      sql: `${selectAll(RUNS)} WHERE run_id = ?`,
      params: [parse('getRun', identifier('runId'), runId)],
    });
    return row && toRun(row);
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    this.assertOpen('listRuns');
    const { project, task, parentRunId, limit } = parse('listRuns', runFilterSchema, filter);
    const conditions = where([
      ['project = ?', project],
      ['task = ?', task],
      ['parent_run_id = ?', parentRunId],
    ]);
    const rows = await this.driver.query<RunRow>({
      sql: `${selectAll(RUNS)}${conditions.sql} ORDER BY started_ms DESC, run_id DESC LIMIT ?`,
      params: [...conditions.params, limit],
    });
    return rows.map(toRun);
  }

  async listRunGroups(filter: RunGroupFilter): Promise<RunGroup[]> {
    this.assertOpen('listRunGroups');
    const { project, parentRunIdPrefix, excludeParentRunIds, limit } = parse(
      'listRunGroups',
      runGroupFilterSchema,
      filter,
    );
    const conditions = ['project = ?', 'parent_run_id IS NOT NULL'];
    const params: unknown[] = [project];
    if (parentRunIdPrefix !== undefined) {
      // SQL counts characters, not UTF-16 units.
      const length = Array.from(parentRunIdPrefix).length;
      conditions.push(
        'substr(parent_run_id, 1, ?) = ?',
        'length(parent_run_id) > ?',
        "substr(parent_run_id, ?) NOT LIKE '%/%'",
      );
      params.push(length, parentRunIdPrefix, length, length + 1);
    }
    if (excludeParentRunIds?.length) {
      conditions.push(`NOT (${this.driver.inList('parent_run_id')})`);
      params.push(this.driver.listParam(excludeParentRunIds));
    }
    const columns = Object.keys(RUNS.columns).map((column) => `r.${column}`);
    // The newest parents by their first task's start, then every task run of each, in the order they started.
    const rows = await this.driver.query<RunRow>({
      sql:
        `SELECT ${columns.join(', ')} FROM runs r JOIN (` +
        `SELECT parent_run_id, MIN(started_ms) AS first_ms FROM runs WHERE ${conditions.join(' AND ')} ` +
        'GROUP BY parent_run_id ORDER BY first_ms DESC, parent_run_id DESC LIMIT ?' +
        ') g ON r.parent_run_id = g.parent_run_id ' +
        'ORDER BY g.first_ms DESC, g.parent_run_id DESC, r.started_ms, r.run_id DESC',
      params: [...params, limit],
    });
    const groups: RunGroup[] = [];
    for (const run of rows.map(toRun)) {
      const last = groups[groups.length - 1];
      if (last?.parentRunId === run.parentRunId) last.runs.push(run);
      else groups.push({ parentRunId: run.parentRunId!, runs: [run] });
    }
    return groups;
  }

  /** The WHERE clause of a run's failures or warnings, as a failure filter narrows them. */
  private runRowConditions(method: string, runId: string, filter: FailureFilter) {
    const run = parse(method, identifier('runId'), runId);
    const { task, tasks, sourceKey } = parse(method, failureFilterSchema, filter);
    return where([
      ['run_id = ?', run],
      ['task = ?', task],
      [this.driver.inList('task'), tasks && this.driver.listParam(tasks)],
      ['source_key = ?', sourceKey],
    ]);
  }

  async addFailures(runId: string, failures: StoredFailure[]): Promise<void> {
    await this.driver.upsert([this.failureWrite('addFailures', runId, failures)]);
  }

  async listFailures(runId: string, filter: FailureFilter = {}): Promise<StoredFailure[]> {
    this.assertOpen('listFailures');
    const conditions = this.runRowConditions('listFailures', runId, filter);
    const rows = await this.driver.query<FailureRow>({
      sql: `${selectAll(RUN_FAILURES)}${conditions.sql} ORDER BY id`,
      params: conditions.params,
    });
    return rows.map(toFailure);
  }

  async failureDigest(runId: string, perTask: number): Promise<FailureDigest> {
    this.assertOpen('failureDigest');
    const run = parse('failureDigest', identifier('runId'), runId);
    const limit = parse('failureDigest', perTaskSchema, perTask);
    const counted = await this.driver.query<{ task: string; code: string; count: number | string }>({
      sql: `SELECT task, code, COUNT(*) AS count FROM ${RUN_FAILURES.name} WHERE run_id = ? GROUP BY task, code`,
      params: [run],
    });
    const columns = columnList(RUN_FAILURES);
    const first = await this.driver.query<FailureRow>({
      sql:
        `SELECT ${columns} FROM (SELECT ${columns}, id, ROW_NUMBER() OVER (PARTITION BY task ORDER BY id) AS position ` +
        `FROM ${RUN_FAILURES.name} WHERE run_id = ?) ranked WHERE position <= ? ORDER BY id`,
      params: [run, limit],
    });
    // PostgreSQL returns a bigint count as text.
    const counts = counted.map(({ task, code, count }) => ({ task, code, count: Number(count) })).sort(byFrequency);
    return { total: counts.reduce((sum, c) => sum + c.count, 0), counts, first: first.map(toFailure) };
  }

  async addWarnings(runId: string, warnings: StoredWarning[]): Promise<void> {
    await this.driver.upsert([this.warningWrite('addWarnings', runId, warnings)]);
  }

  async listWarnings(runId: string, filter: FailureFilter = {}): Promise<StoredWarning[]> {
    this.assertOpen('listWarnings');
    const conditions = this.runRowConditions('listWarnings', runId, filter);
    const rows = await this.driver.query<WarningRow>({
      sql: `${selectAll(RUN_WARNINGS)}${conditions.sql} ORDER BY id`,
      params: conditions.params,
    });
    return rows.map(toWarning);
  }

  async countWarnings(runId: string, filter: FailureFilter = {}): Promise<number> {
    this.assertOpen('countWarnings');
    const conditions = this.runRowConditions('countWarnings', runId, filter);
    const [row] = await this.driver.query<{ count: number | string }>({
      sql: `SELECT COUNT(*) AS count FROM ${RUN_WARNINGS.name}${conditions.sql}`,
      params: conditions.params,
    });
    // PostgreSQL returns a bigint count as text.
    return Number(row?.count ?? 0);
  }

  async addTrace(entries: TraceEntry[]): Promise<void> {
    await this.driver.upsert([this.traceWrite('addTrace', entries)]);
  }

  async trace(task: string, sourceKey: string): Promise<TraceEntry[]> {
    this.assertOpen('trace');
    const rows = await this.driver.query<TraceRow>({
      sql: `${selectAll(TRACES)} WHERE task = ? AND source_key = ? ORDER BY at_ms, id`,
      params: [parse('trace', identifier('task'), task), parse('trace', identifier('sourceKey'), sourceKey)],
    });
    return rows.map(toTrace);
  }

  async claimSnapshot(sagaRunId: string, snapshot: unknown, at: string): Promise<unknown> {
    this.assertOpen('claimSnapshot');
    const id = parse('claimSnapshot', identifier('sagaRunId'), sagaRunId);
    const when = parse('claimSnapshot', isoTimestamp('at'), at);
    if (snapshot === undefined) throw new CheckpointStoreInputError('claimSnapshot: snapshot must be given');
    await this.driver.transaction([
      {
        sql:
          'INSERT INTO document_snapshots (saga_run_id, snapshot, at, at_ms) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (saga_run_id) DO NOTHING',
        params: [id, JSON.stringify(snapshot), when, epochMs(when)],
      },
    ]);
    return this.journaled('claimSnapshot', id);
  }

  async journaledSnapshot(sagaRunId: string): Promise<unknown> {
    return this.journaled('journaledSnapshot', parse('journaledSnapshot', identifier('sagaRunId'), sagaRunId));
  }

  async releaseSnapshot(sagaRunId: string): Promise<void> {
    this.assertOpen('releaseSnapshot');
    const id = parse('releaseSnapshot', identifier('sagaRunId'), sagaRunId);
    await this.driver.transaction([releaseStatement(id)]);
  }

  async documentWritten(record: DocumentWrittenRecord): Promise<void> {
    const [project, task, partition] = this.scope(
      'documentWritten',
      ['project', record.project],
      record.task,
      record.partition,
    );
    const hash = parse('documentWritten', hashEntrySchema, record.hash);
    const trace = parse('documentWritten', traceEntrySchema, record.trace);
    const saga =
      record.sagaRunId === undefined ? undefined : parse('documentWritten', identifier('sagaRunId'), record.sagaRunId);
    const warnings = parse('documentWritten', z.array(storedWarningSchema).default([]), record.warnings);
    await this.driver.transaction([
      upsertStatement(ROW_HASHES, hashRow(project, task, partition, hash)),
      upsertStatement(TRACES, traceRow(trace)),
      ...lastWinsByKey(
        RUN_WARNINGS,
        warnings.map((warning) => warningRow(trace.runId, warning)),
      ).map((row) => upsertStatement(RUN_WARNINGS, row)),
      ...(saga ? [releaseStatement(saga)] : []),
    ]);
  }

  private async journaled(method: string, sagaRunId: string): Promise<unknown> {
    this.assertOpen(method);
    const [row] = await this.driver.query<{ snapshot: string }>({
      sql: 'SELECT snapshot FROM document_snapshots WHERE saga_run_id = ?',
      params: [sagaRunId],
    });
    return row ? (JSON.parse(row.snapshot) as unknown) : undefined;
  }

  async purge(olderThan: Date): Promise<PurgeResult> {
    this.assertOpen('purge');
    if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) {
      throw new CheckpointStoreInputError('purge: olderThan must be a valid Date');
    }
    const cutoff = olderThan.getTime();
    const expiredRuns = 'SELECT run_id FROM runs WHERE COALESCE(ended_ms, started_ms) < ?';
    // Dependants first, while the expired runs can still be found.
    const [failures, warnings, traces, , runs, snapshots] = await this.driver.transaction([
      { sql: `DELETE FROM run_failures WHERE at_ms < ? OR run_id IN (${expiredRuns})`, params: [cutoff, cutoff] },
      { sql: `DELETE FROM run_warnings WHERE at_ms < ? OR run_id IN (${expiredRuns})`, params: [cutoff, cutoff] },
      { sql: `DELETE FROM traces WHERE at_ms < ? OR run_id IN (${expiredRuns})`, params: [cutoff, cutoff] },
      { sql: `DELETE FROM cursors WHERE updated_ms < ? OR run_id IN (${expiredRuns})`, params: [cutoff, cutoff] },
      { sql: 'DELETE FROM runs WHERE COALESCE(ended_ms, started_ms) < ?', params: [cutoff] },
      { sql: 'DELETE FROM document_snapshots WHERE at_ms < ?', params: [cutoff] },
    ]);
    return { runs, failures, warnings, traces, snapshots };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.driver.close();
  }

  private async upsert(table: UpsertTable, rows: Array<Record<string, SqlValue>>): Promise<void> {
    await this.driver.upsert([tableWrite(table, rows)]);
  }

  private cursorWrite(method: string, runId: string, task: string, partition: string, cursor: RunCursor): TableWrite {
    const [run, taskName, partitionValue] = this.scope(method, ['runId', runId], task, partition);
    const value = parse(method, runCursorSchema, cursor);
    return tableWrite(CURSORS, [
      {
        run_id: run,
        task: taskName,
        partition_key: partitionValue,
        cursor: orNull(value.cursor),
        page: value.page,
        counters: JSON.stringify(value.counters),
        updated_at: value.updatedAt,
        updated_ms: epochMs(value.updatedAt),
      },
    ]);
  }

  private failureWrite(method: string, runId: string, failures: StoredFailure[]): TableWrite {
    return this.runRowsWrite(method, runId, RUN_FAILURES, storedFailureSchema, failures, failureRow);
  }

  private warningWrite(method: string, runId: string, warnings: StoredWarning[]): TableWrite {
    return this.runRowsWrite(method, runId, RUN_WARNINGS, storedWarningSchema, warnings, warningRow);
  }

  /** Rows of a table keyed by run (failures, warnings), validated and turned into table rows. */
  private runRowsWrite<T>(
    method: string,
    runId: string,
    table: UpsertTable,
    schema: z.ZodType<T>,
    items: T[],
    toRow: (run: string, item: T) => Record<string, SqlValue>,
  ): TableWrite {
    this.assertOpen(method);
    const run = parse(method, identifier('runId'), runId);
    return tableWrite(
      table,
      parse(method, z.array(schema), items).map((item) => toRow(run, item)),
    );
  }

  private traceWrite(method: string, entries: TraceEntry[]): TableWrite {
    this.assertOpen(method);
    return tableWrite(TRACES, parse(method, z.array(traceEntrySchema), entries).map(traceRow));
  }

  /** Checks the store is open and validates the (project or run, task, partition) a call is about. */
  private scope(
    method: string,
    [owner, value]: ['project' | 'runId', string],
    task: string,
    partition: string,
  ): [string, string, string] {
    this.assertOpen(method);
    return [
      parse(method, identifier(owner), value),
      parse(method, identifier('task'), task),
      parse(method, partitionKey, partition),
    ];
  }

  private assertOpen(method: string): void {
    if (this.closed) throw new Error(`${method}: the checkpoint store is closed`);
  }
}
