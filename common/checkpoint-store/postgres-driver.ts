import { setTimeout as delay } from 'node:timers/promises';
import { Pool, type PoolClient } from 'pg';
import type { PostgresConfig } from './config';
import { chunks, type SqlDriver, type SqlValue, type Statement, type TableWrite } from './driver';
import {
  CREATE_MIGRATIONS_TABLE,
  CURRENT_VERSION_SQL,
  MIGRATIONS_TABLE,
  pendingMigrations,
  RECORD_MIGRATION_SQL,
  type Migration,
} from './migrations';
import { columnNames, onConflictUpdate, type UpsertTable } from './tables';

// 40P01 deadlock_detected, 40001 serialization_failure: the transaction was rolled back and may simply be re-run.
const RETRIED_SQLSTATES = new Set(['40P01', '40001']);
const TRANSACTION_ATTEMPTS = 5;
const RETRY_JITTER_MS = 50;

/** `?` placeholders become `$1, $2, …`; the store's SQL has no literal question marks. */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/**
 * Shared by several workers: every write is one statement or one transaction, upserts use ON CONFLICT, and
 * unordered bulk upserts are sorted by key so two workers writing overlapping rows lock them in the same order.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: Pool;
  private readonly schema: string | undefined;

  constructor(config: PostgresConfig) {
    this.schema = config.schema;
    this.pool = new Pool({
      connectionString: config.connectionString,
      max: config.poolSize,
      options: config.schema ? `-c search_path=${config.schema}` : undefined,
    });
    // An idle connection dropped by the server is discarded by the pool; without a listener it would crash the worker.
    this.pool.on('error', () => undefined);
  }

  async query<T>({ sql, params }: Statement): Promise<T[]> {
    const result = await this.pool.query(numbered(sql), params);
    return result.rows as T[];
  }

  async transaction(statements: Statement[]): Promise<number[]> {
    return this.inTransaction(async (client) => {
      const changed: number[] = [];
      for (const { sql, params } of statements) {
        const result = await client.query(numbered(sql), params);
        changed.push(result.rowCount ?? 0);
      }
      return changed;
    });
  }

  async upsert(writes: TableWrite[]): Promise<void> {
    const inserts = writes
      .filter(({ rows }) => rows.length > 0)
      .map(({ table, rows }) => {
        const columns = columnNames(table);
        const casts = columns.map((column, index) => `$${index + 1}::${table.columns[column]}[]`);
        const sql =
          `INSERT INTO ${table.name} (${columns.join(', ')}) SELECT * FROM unnest(${casts.join(', ')}) ` +
          onConflictUpdate(table);
        return { sql, columns, rows: table.keepsInsertionOrder ? rows : [...rows].sort(byKey(table)) };
      });
    if (inserts.length === 0) return;
    await this.inTransaction(async (client) => {
      for (const { sql, columns, rows } of inserts) {
        for (const slice of chunks(rows)) {
          await client.query(
            sql,
            columns.map((column) => slice.map((row) => row[column])),
          );
        }
      }
    });
  }

  inList(column: string): string {
    return `${column} = ANY(?::text[])`;
  }

  listParam(values: string[]): unknown {
    return values;
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    await this.inTransaction(async (client) => {
      // Workers starting together wait here; the first applies the migrations, the others then find nothing to do.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `p2c-checkpoint-migrations:${this.schema ?? ''}`,
      ]);
      if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<{ version: number }>(CURRENT_VERSION_SQL);
      for (const migration of pendingMigrations(rows[0].version, this.dialect, migrations)) {
        for (const statement of migration.statements) await client.query(statement);
        await client.query(numbered(RECORD_MIGRATION_SQL), [
          migration.version,
          migration.name,
          new Date().toISOString(),
        ]);
      }
    });
  }

  async schemaVersion(): Promise<number> {
    const [{ exists }] = await this.query<{ exists: boolean }>({
      sql: 'SELECT to_regclass(?) IS NOT NULL AS exists',
      params: [MIGRATIONS_TABLE],
    });
    if (!exists) return 0;
    const [{ version }] = await this.query<{ version: number }>({ sql: CURRENT_VERSION_SQL, params: [] });
    return version;
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  /**
   * Runs `work` in a transaction, re-running it when PostgreSQL aborts it as a deadlock victim or for a
   * serialization failure: two workers upserting overlapping rows in different orders (failures and traces keep
   * their insertion order, so they cannot be sorted) are resolved by letting the loser try again.
   */
  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(work);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= TRANSACTION_ATTEMPTS || !RETRIED_SQLSTATES.has(String(code))) throw error;
        await delay(Math.random() * RETRY_JITTER_MS * attempt);
      }
    }
  }

  private async transactionOnce<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function byKey(table: UpsertTable) {
  return (a: Record<string, SqlValue>, b: Record<string, SqlValue>): number => {
    for (const column of table.conflictKey) {
      const left = String(a[column]);
      const right = String(b[column]);
      if (left !== right) return left < right ? -1 : 1;
    }
    return 0;
  };
}
