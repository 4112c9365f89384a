export type Dialect = 'sqlite' | 'postgres';

/** The few DDL fragments the two databases spell differently. */
interface DialectDdl {
  /** An auto-numbered primary key; gives failures and traces a stable insertion order. */
  serialId: string;
  /** Table option for tables looked up only by their composite primary key. */
  keyedTable: string;
}

const DDL: Record<Dialect, DialectDdl> = {
  sqlite: { serialId: 'id INTEGER PRIMARY KEY AUTOINCREMENT', keyedTable: ' WITHOUT ROWID' },
  postgres: { serialId: 'id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', keyedTable: '' },
};

export interface Migration {
  version: number;
  name: string;
  statements: (ddl: DialectDdl) => string[];
}

export const MIGRATIONS_TABLE = 'schema_migrations';

export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export const CURRENT_VERSION_SQL = `SELECT COALESCE(MAX(version), 0) AS version FROM ${MIGRATIONS_TABLE}`;
export const RECORD_MIGRATION_SQL = `INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`;

// Timestamps are kept as the caller's ISO text (returned unchanged) plus epoch milliseconds (*_ms) for ordering
// and retention, so both databases sort and purge identically whatever offset the caller used.
// Append new migrations; never edit one that has shipped.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'watermarks, cursors, row hashes, runs and failures',
    statements: ({ serialId, keyedTable }) => [
      `CREATE TABLE watermarks (
        project TEXT NOT NULL,
        task TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT,
        run_id TEXT NOT NULL,
        committed_at TEXT NOT NULL,
        PRIMARY KEY (project, task, partition_key)
      )${keyedTable}`,
      `CREATE TABLE cursors (
        run_id TEXT NOT NULL,
        task TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        cursor TEXT,
        page INTEGER NOT NULL,
        counters TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (run_id, task, partition_key)
      )${keyedTable}`,
      `CREATE TABLE row_hashes (
        project TEXT NOT NULL,
        task TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        source_key TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (project, task, partition_key, source_key)
      )${keyedTable}`,
      `CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        workflow_id TEXT NOT NULL,
        project TEXT NOT NULL,
        task TEXT NOT NULL,
        partition_key TEXT,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_ms BIGINT NOT NULL,
        ended_at TEXT,
        ended_ms BIGINT,
        counters TEXT NOT NULL,
        parent_run_id TEXT
      )`,
      'CREATE INDEX runs_by_project_task ON runs (project, task, started_ms)',
      'CREATE INDEX runs_by_start ON runs (started_ms)',
      `CREATE TABLE run_failures (
        ${serialId},
        run_id TEXT NOT NULL,
        task TEXT NOT NULL,
        source_key TEXT NOT NULL,
        code TEXT NOT NULL,
        field TEXT,
        message TEXT NOT NULL,
        attempt INTEGER,
        retryable INTEGER,
        at TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        UNIQUE (run_id, task, source_key, code)
      )`,
      'CREATE INDEX run_failures_by_at ON run_failures (at_ms)',
    ],
  },
  {
    version: 2,
    name: 'record trace',
    statements: ({ serialId }) => [
      `CREATE TABLE traces (
        ${serialId},
        run_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        task TEXT NOT NULL,
        source_key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        at TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        detail TEXT,
        UNIQUE (run_id, task, source_key, outcome)
      )`,
      'CREATE INDEX traces_by_key ON traces (task, source_key, at_ms)',
      'CREATE INDEX traces_by_at ON traces (at_ms)',
    ],
  },
  {
    version: 3,
    name: 'source ids of rows read from change tracking',
    statements: ({ keyedTable }) => [
      `CREATE TABLE source_ids (
        project TEXT NOT NULL,
        task TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        source_id TEXT NOT NULL,
        source_key TEXT NOT NULL,
        target_key TEXT,
        PRIMARY KEY (project, task, partition_key, source_id)
      )${keyedTable}`,
    ],
  },
  {
    version: 4,
    name: 'which full change-tracking read last saw a source id',
    statements: () => ['ALTER TABLE source_ids ADD COLUMN seen_in TEXT'],
  },
  {
    version: 5,
    name: 'document snapshots journaled before a saga writes',
    statements: ({ keyedTable }) => [
      `CREATE TABLE document_snapshots (
        saga_run_id TEXT NOT NULL PRIMARY KEY,
        snapshot TEXT NOT NULL,
        at TEXT NOT NULL,
        at_ms BIGINT NOT NULL
      )${keyedTable}`,
      'CREATE INDEX document_snapshots_by_at ON document_snapshots (at_ms)',
    ],
  },
  {
    version: 6,
    name: 'why a task run failed or was cancelled',
    statements: () => ['ALTER TABLE runs ADD COLUMN reason TEXT'],
  },
  {
    version: 7,
    name: 'row warnings of rows written anyway',
    // A table of their own: retry-failed re-runs what run_failures lists, and a warned row was written. The field
    // is part of the key ('' when a warning names none), so two truncated columns of one row are two warnings.
    statements: ({ serialId }) => [
      `CREATE TABLE run_warnings (
        ${serialId},
        run_id TEXT NOT NULL,
        task TEXT NOT NULL,
        source_key TEXT NOT NULL,
        code TEXT NOT NULL,
        field TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        UNIQUE (run_id, task, source_key, code, field)
      )`,
      'CREATE INDEX run_warnings_by_at ON run_warnings (at_ms)',
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The migrations a database at `currentVersion` still needs, checked for order and for a too-new database. */
export function pendingMigrations(
  currentVersion: number,
  dialect: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
): Array<{ version: number; name: string; statements: string[] }> {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  if (currentVersion > latest) {
    throw new Error(
      `the checkpoint database is at schema version ${currentVersion}, newer than this program knows (${latest}); ` +
        'upgrade p2c-sync before using this database',
    );
  }
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `checkpoint migrations must be numbered 1, 2, 3…; found version ${migration.version} at ${index}`,
      );
    }
  });
  return migrations
    .filter((migration) => migration.version > currentVersion)
    .map((migration) => ({ ...migration, statements: migration.statements(DDL[dialect]) }));
}
