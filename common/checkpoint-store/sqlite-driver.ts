import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_BUSY_TIMEOUT_MS } from './config';
import type { SqlDriver, Statement, TableWrite } from './driver';
import {
  CREATE_MIGRATIONS_TABLE,
  CURRENT_VERSION_SQL,
  MIGRATIONS_TABLE,
  pendingMigrations,
  RECORD_MIGRATION_SQL,
  type Migration,
} from './migrations';
import { columnNames, onConflictUpdate } from './tables';

/**
 * better-sqlite3 is synchronous, so calls from concurrent activities in one worker run one after the other; WAL
 * and a busy timeout let other processes read while one writes and wait for each other's write locks.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    // FULL: run history and failures must survive a power loss, not only a process crash. Bulk writes are one
    // transaction each, so the extra fsync is paid per call, not per row.
    this.db.pragma('synchronous = FULL');
  }

  async query<T>({ sql, params }: Statement): Promise<T[]> {
    return this.prepare(sql).all(...params) as T[];
  }

  async transaction(statements: Statement[]): Promise<number[]> {
    const runAll = this.db.transaction(() =>
      statements.map(({ sql, params }) => this.prepare(sql).run(...params).changes),
    );
    return runAll.immediate();
  }

  async upsert(writes: TableWrite[]): Promise<void> {
    const inserts = writes
      .filter(({ rows }) => rows.length > 0)
      .map(({ table, rows }) => {
        const columns = columnNames(table);
        const insert = this.prepare(
          `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) ` +
            onConflictUpdate(table),
        );
        return { insert, rows };
      });
    if (inserts.length === 0) return;
    const insertAll = this.db.transaction(() => {
      for (const { insert, rows } of inserts) for (const row of rows) insert.run(row);
    });
    insertAll.immediate();
  }

  inList(column: string): string {
    return `${column} IN (SELECT value FROM json_each(?))`;
  }

  listParam(values: string[]): unknown {
    return JSON.stringify(values);
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const apply = this.db.transaction(() => {
      this.db.exec(CREATE_MIGRATIONS_TABLE);
      const { version } = this.db.prepare(CURRENT_VERSION_SQL).get() as { version: number };
      const record = this.db.prepare(RECORD_MIGRATION_SQL);
      for (const migration of pendingMigrations(version, this.dialect, migrations)) {
        for (const statement of migration.statements) this.db.exec(statement);
        record.run(migration.version, migration.name, new Date().toISOString());
      }
    });
    // IMMEDIATE takes the write lock before reading the version, so two processes cannot both apply a migration.
    apply.immediate();
    this.statements.clear();
  }

  async schemaVersion(): Promise<number> {
    const table = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(MIGRATIONS_TABLE);
    if (!table) return 0;
    return (this.db.prepare(CURRENT_VERSION_SQL).get() as { version: number }).version;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
