import type { Dialect, Migration } from './migrations';
import type { UpsertTable } from './tables';

export type SqlValue = string | number | null;

/** Rows for one table, keys already unique within it. */
export interface TableWrite {
  table: UpsertTable;
  rows: Array<Record<string, SqlValue>>;
}

export interface Statement {
  /** SQL with `?` placeholders; the PostgreSQL driver numbers them. */
  sql: string;
  params: unknown[];
}

/** Bulk writes and key look-ups are sent in slices of this many rows to bound statement size and memory. */
export const BULK_CHUNK_SIZE = 20_000;

/**
 * What the checkpoint store needs from a database. The store holds all the logic and SQL; a driver only knows how
 * to run statements, upsert many rows at once, bind a list of keys, and apply migrations safely.
 */
export interface SqlDriver {
  readonly dialect: Dialect;
  query<T>(statement: Statement): Promise<T[]>;
  /** Runs the statements in order in one transaction; resolves to the number of rows each one changed. */
  transaction(statements: Statement[]): Promise<number[]>;
  /** Inserts or updates the rows of every table in one transaction: all of them are written, or none. */
  upsert(writes: TableWrite[]): Promise<void>;
  /** A condition that `column` is one of the strings bound by `listParam` at this placeholder. */
  inList(column: string): string;
  listParam(values: string[]): unknown;
  /** Applies the migrations the database has not seen, holding a lock so concurrent callers apply each once. */
  migrate(migrations: readonly Migration[]): Promise<void>;
  /** The highest applied migration, or 0 when the migrations table does not exist yet. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

export function chunks<T>(items: T[], size: number = BULK_CHUNK_SIZE): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}
