/** Column types as PostgreSQL names them for unnest() casts; SQLite stores the same values by affinity. */
export type ColumnType = 'text' | 'integer' | 'bigint';

/** A table written only by upserts: the column list and the key whose conflict turns an insert into an update. */
export interface UpsertTable<Column extends string = string> {
  name: string;
  columns: Readonly<Record<Column, ColumnType>>;
  conflictKey: readonly Column[];
  /** Rows get an auto-numbered id whose order callers rely on, so the write order must be kept. */
  keepsInsertionOrder: boolean;
}

export type Row<Table extends UpsertTable> = Record<keyof Table['columns'] & string, string | number | null>;

// NoInfer: the column names come from `columns`, and the conflict key is checked against them.
function table<Column extends string>(
  spec: Omit<UpsertTable<Column>, 'conflictKey'> & { conflictKey: readonly NoInfer<Column>[] },
): UpsertTable<Column> {
  return spec;
}

export const WATERMARKS = table({
  name: 'watermarks',
  columns: {
    project: 'text',
    task: 'text',
    partition_key: 'text',
    kind: 'text',
    value: 'text',
    run_id: 'text',
    committed_at: 'text',
  },
  conflictKey: ['project', 'task', 'partition_key'],
  keepsInsertionOrder: false,
});

export const CURSORS = table({
  name: 'cursors',
  columns: {
    run_id: 'text',
    task: 'text',
    partition_key: 'text',
    cursor: 'text',
    page: 'integer',
    counters: 'text',
    updated_at: 'text',
    updated_ms: 'bigint',
  },
  conflictKey: ['run_id', 'task', 'partition_key'],
  keepsInsertionOrder: false,
});

export const ROW_HASHES = table({
  name: 'row_hashes',
  columns: { project: 'text', task: 'text', partition_key: 'text', source_key: 'text', hash: 'text' },
  conflictKey: ['project', 'task', 'partition_key', 'source_key'],
  keepsInsertionOrder: false,
});

export const SOURCE_IDS = table({
  name: 'source_ids',
  columns: {
    project: 'text',
    task: 'text',
    partition_key: 'text',
    source_id: 'text',
    source_key: 'text',
    target_key: 'text',
    seen_in: 'text',
  },
  conflictKey: ['project', 'task', 'partition_key', 'source_id'],
  keepsInsertionOrder: false,
});

export const RUNS = table({
  name: 'runs',
  columns: {
    run_id: 'text',
    workflow_id: 'text',
    project: 'text',
    task: 'text',
    partition_key: 'text',
    status: 'text',
    started_at: 'text',
    started_ms: 'bigint',
    ended_at: 'text',
    ended_ms: 'bigint',
    counters: 'text',
    parent_run_id: 'text',
    reason: 'text',
  },
  conflictKey: ['run_id'],
  keepsInsertionOrder: false,
});

export const RUN_FAILURES = table({
  name: 'run_failures',
  columns: {
    run_id: 'text',
    task: 'text',
    source_key: 'text',
    code: 'text',
    field: 'text',
    message: 'text',
    attempt: 'integer',
    retryable: 'integer',
    at: 'text',
    at_ms: 'bigint',
  },
  conflictKey: ['run_id', 'task', 'source_key', 'code'],
  keepsInsertionOrder: true,
});

export const RUN_WARNINGS = table({
  name: 'run_warnings',
  columns: {
    run_id: 'text',
    task: 'text',
    source_key: 'text',
    code: 'text',
    field: 'text',
    message: 'text',
    at: 'text',
    at_ms: 'bigint',
  },
  conflictKey: ['run_id', 'task', 'source_key', 'code', 'field'],
  keepsInsertionOrder: true,
});

export const TRACES = table({
  name: 'traces',
  columns: {
    run_id: 'text',
    workflow_id: 'text',
    task: 'text',
    source_key: 'text',
    outcome: 'text',
    at: 'text',
    at_ms: 'bigint',
    detail: 'text',
  },
  conflictKey: ['run_id', 'task', 'source_key', 'outcome'],
  keepsInsertionOrder: true,
});

export function columnNames(spec: UpsertTable): string[] {
  return Object.keys(spec.columns);
}

/** `ON CONFLICT … DO UPDATE` clause; both SQLite (≥ 3.24) and PostgreSQL accept the same text. */
export function onConflictUpdate(spec: UpsertTable): string {
  const key = new Set<string>(spec.conflictKey);
  const assignments = columnNames(spec)
    .filter((column) => !key.has(column))
    .map((column) => `${column} = excluded.${column}`);
  return `ON CONFLICT (${spec.conflictKey.join(', ')}) DO UPDATE SET ${assignments.join(', ')}`;
}

/** A single-row upsert with `?` placeholders, for use inside a driver transaction. */
export function upsertStatement(spec: UpsertTable, row: Record<string, string | number | null>) {
  const columns = columnNames(spec);
  return {
    sql: `INSERT INTO ${spec.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${onConflictUpdate(spec)}`,
    params: columns.map((column) => row[column]),
  };
}

/**
 * Collapses rows with the same conflict key to one: the first one's position, the last one's values. PostgreSQL
 * rejects a statement that updates the same row twice, and SQLite would apply both; this makes them agree.
 */
export function lastWinsByKey<T extends Record<string, unknown>>(spec: UpsertTable, rows: T[]): T[] {
  if (rows.length < 2) return rows;
  // Callers usually fix most key columns for a whole batch (project, task, partition); only the others tell rows apart.
  const varying = spec.conflictKey.filter((column) => rows.some((row) => row[column] !== rows[0][column]));
  // Length-prefixed parts keep a composite key unambiguous whatever characters the values contain.
  const keyOf =
    varying.length === 1
      ? (row: T) => String(row[varying[0]])
      : (row: T) => varying.map((column) => `${String(row[column]).length}:${String(row[column])}`).join('|');
  const positions = new Map<string, number>();
  const unique: T[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    const position = positions.get(key);
    if (position === undefined) {
      positions.set(key, unique.length);
      unique.push(row);
    } else {
      unique[position] = row;
    }
  }
  return unique;
}
