import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The emulators' table store: rows keyed by primary key, unique indexes for alternate keys, one monotonically
 * increasing version per change (Dataverse `versionnumber`, ETags, change tracking), and undo-log transactions
 * for single writes and `$batch` change sets. Optionally file-backed so a demo restart keeps its data.
 */

export type Row = Record<string, unknown>;

export interface TableSchema {
  name: string;
  primaryKey: string;
  /** Each entry is one unique key (an alternate key); multi-column keys list every column. */
  uniqueKeys?: string[][];
}

export interface StoreOptions {
  tables: TableSchema[];
  /** Compare string key values case-insensitively (Dataverse) or exactly (F&O). */
  caseInsensitiveKeys?: boolean;
  persistFile?: string;
  persistDebounceMs?: number;
}

export interface ChangeEntry {
  key: string;
  version: number;
  deleted: boolean;
}

export class StoreConflictError extends Error {
  constructor(
    readonly table: string,
    readonly columns: string[],
    readonly values: unknown[],
    readonly existingKey: string,
  ) {
    super(
      `${table}: a row with ${columns.map((c, i) => `${c}=${JSON.stringify(values[i])}`).join(', ')} already exists`,
    );
    this.name = 'StoreConflictError';
  }
}

export class StoreNotFoundError extends Error {
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`${table}: no row with key ${key}`);
    this.name = 'StoreNotFoundError';
  }
}

interface UndoEntry {
  table: Table;
  key: string;
  previousRow: Row | undefined;
  previousChange: ChangeEntry | undefined;
}

export interface Transaction {
  /** Runs `fn` so that every store write it makes (also across awaits) is recorded for rollback. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  commit(): void;
  rollback(): void;
}

const DEFAULT_DEBOUNCE_MS = 250;
const PERSIST_FORMAT = 1;

interface PersistedTable {
  rows: Row[];
  changes: Array<[string, number, boolean]>;
}

interface PersistedStore {
  format: number;
  version: number;
  tables: Record<string, PersistedTable>;
}

/**
 * Primary keys of the rows by one column's value, built on first use: string values lower-cased (a superset of
 * both services' equality), any other non-null value in `other`, because OData equality coerces numbers and
 * booleans. Query code still evaluates its filter on what this returns; the index only spares the full scan.
 */
interface ValueIndex {
  byText: Map<string, Set<string>>;
  other: Set<string>;
}

export class Table {
  private readonly rowsByKey = new Map<string, Row>();
  private readonly uniqueIndexes: Array<{ columns: string[]; index: Map<string, string> }>;
  private readonly valueIndexes = new Map<string, ValueIndex>();
  /** Bumped by every change to the table's rows (also rollbacks and loads), so cached query results can expire. */
  private revisionCounter = 0;
  /** Latest change per primary key, kept in version order (a re-touched key moves to the end). */
  private readonly changeLog = new Map<string, ChangeEntry>();

  constructor(
    readonly schema: TableSchema,
    private readonly store: TableStore,
  ) {
    this.uniqueIndexes = (schema.uniqueKeys ?? []).map((columns) => ({ columns, index: new Map() }));
  }

  get name(): string {
    return this.schema.name;
  }

  get size(): number {
    return this.rowsByKey.size;
  }

  get revision(): number {
    return this.revisionCounter;
  }

  normalizeKey(value: unknown): string {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return this.store.caseInsensitiveKeys ? text.toLowerCase() : text;
  }

  private indexKey(columns: string[], row: Row): string | undefined {
    if (columns.length === 1) {
      // One-column keys (the common case) skip the JSON encoding; the prefix keeps types apart.
      const value = row[columns[0]];
      if (value === null || value === undefined || value === '') return undefined;
      return typeof value === 'string' ? `s${this.normalizeKey(value)}` : `v${JSON.stringify(value)}`;
    }
    const parts: string[] = [];
    for (const column of columns) {
      const value = row[column];
      // Rows with an empty key column are not indexed, as SQL unique indexes ignore NULLs.
      if (value === null || value === undefined || value === '') return undefined;
      parts.push(typeof value === 'string' ? this.normalizeKey(value) : JSON.stringify(value));
    }
    return JSON.stringify(parts);
  }

  get(key: unknown): Row | undefined {
    return this.rowsByKey.get(this.normalizeKey(key));
  }

  /** Finds a row by a unique key given as column → value; `columns` must be one of the schema's unique keys. */
  findByUnique(values: Record<string, unknown>): Row | undefined {
    const names = Object.keys(values);
    const unique = this.uniqueIndexes.find(
      (u) => u.columns.length === names.length && u.columns.every((c) => names.includes(c)),
    );
    if (!unique) throw new Error(`${this.name}: (${names.join(', ')}) is not a unique key`);
    const key = this.indexKey(unique.columns, values);
    const primary = key === undefined ? undefined : unique.index.get(key);
    return primary === undefined ? undefined : this.rowsByKey.get(primary);
  }

  hasUniqueKey(columns: string[]): boolean {
    return this.uniqueIndexes.some(
      (u) => u.columns.length === columns.length && u.columns.every((c) => columns.includes(c)),
    );
  }

  rows(): IterableIterator<Row> {
    return this.rowsByKey.values();
  }

  /**
   * Rows whose `column` may equal one of `texts` (strings, compared ignoring case): every row holding one of them
   * plus every row whose value there is not a string. Callers filter the result with their own comparison.
   */
  candidatesByValue(column: string, texts: Iterable<string>): Row[] {
    let index = this.valueIndexes.get(column);
    if (!index) {
      index = { byText: new Map(), other: new Set() };
      this.valueIndexes.set(column, index);
      for (const [key, row] of this.rowsByKey) addToValueIndex(index, row[column], key);
    }
    const keys = new Set<string>(index.other);
    for (const text of texts) for (const key of index.byText.get(text.toLowerCase()) ?? []) keys.add(key);
    const rows: Row[] = [];
    for (const key of keys) rows.push(this.rowsByKey.get(key)!);
    return rows;
  }

  private checkUnique(row: Row, ownKey: string | undefined): void {
    for (const unique of this.uniqueIndexes) {
      const key = this.indexKey(unique.columns, row);
      if (key === undefined) continue;
      const holder = unique.index.get(key);
      if (holder !== undefined && holder !== ownKey) {
        throw new StoreConflictError(
          this.name,
          unique.columns,
          unique.columns.map((c) => row[c]),
          holder,
        );
      }
    }
  }

  private unindex(key: string, row: Row): void {
    this.revisionCounter += 1;
    for (const unique of this.uniqueIndexes) {
      const indexKey = this.indexKey(unique.columns, row);
      if (indexKey !== undefined && unique.index.get(indexKey) === key) unique.index.delete(indexKey);
    }
    for (const [column, index] of this.valueIndexes) removeFromValueIndex(index, row[column], key);
  }

  private index(key: string, row: Row): void {
    this.revisionCounter += 1;
    for (const unique of this.uniqueIndexes) {
      const indexKey = this.indexKey(unique.columns, row);
      if (indexKey !== undefined) unique.index.set(indexKey, key);
    }
    for (const [column, index] of this.valueIndexes) addToValueIndex(index, row[column], key);
  }

  private recordChange(key: string, version: number, deleted: boolean): void {
    this.store.noteUndo(this, key, this.rowsByKey.get(key), this.changeLog.get(key));
    this.changeLog.delete(key);
    this.changeLog.set(key, { key, version, deleted });
  }

  /**
   * Inserts a row; `stamp` receives the new version so the caller can write version columns into the row.
   * Throws StoreConflictError on a duplicate primary or unique key.
   */
  insert(row: Row, stamp?: (row: Row, version: number) => void): Row {
    const key = this.normalizeKey(row[this.schema.primaryKey]);
    if (!key) throw new Error(`${this.name}: primary key ${this.schema.primaryKey} is missing`);
    if (this.rowsByKey.has(key)) {
      throw new StoreConflictError(this.name, [this.schema.primaryKey], [row[this.schema.primaryKey]], key);
    }
    this.checkUnique(row, undefined);
    const version = this.store.nextVersion();
    stamp?.(row, version);
    this.recordChange(key, version, false);
    this.rowsByKey.set(key, row);
    this.index(key, row);
    this.store.changed();
    return row;
  }

  /** Replaces a row with `next` (same primary key). Rows are never mutated in place, so readers keep snapshots. */
  replace(key: unknown, next: Row, stamp?: (row: Row, version: number) => void): Row {
    const normalized = this.normalizeKey(key);
    const current = this.rowsByKey.get(normalized);
    if (!current) throw new StoreNotFoundError(this.name, String(key));
    this.checkUnique(next, normalized);
    const version = this.store.nextVersion();
    stamp?.(next, version);
    this.recordChange(normalized, version, false);
    this.unindex(normalized, current);
    this.rowsByKey.set(normalized, next);
    this.index(normalized, next);
    this.store.changed();
    return next;
  }

  delete(key: unknown): Row | undefined {
    const normalized = this.normalizeKey(key);
    const current = this.rowsByKey.get(normalized);
    if (!current) return undefined;
    this.recordChange(normalized, this.store.nextVersion(), true);
    this.unindex(normalized, current);
    this.rowsByKey.delete(normalized);
    this.store.changed();
    return current;
  }

  /** Latest change per key with version > `sinceVersion`, in version order. */
  changesSince(sinceVersion: number): ChangeEntry[] {
    const out: ChangeEntry[] = [];
    for (const entry of this.changeLog.values()) if (entry.version > sinceVersion) out.push(entry);
    return out.sort((a, b) => a.version - b.version);
  }

  /** Puts a row and its change entry back exactly as they were (transaction rollback). */
  restore(key: string, previousRow: Row | undefined, previousChange: ChangeEntry | undefined): void {
    const current = this.rowsByKey.get(key);
    if (current) this.unindex(key, current);
    if (previousRow) {
      this.rowsByKey.set(key, previousRow);
      this.index(key, previousRow);
    } else {
      this.rowsByKey.delete(key);
    }
    this.changeLog.delete(key);
    if (previousChange) this.changeLog.set(key, previousChange);
  }

  toJSON(): PersistedTable {
    return {
      rows: [...this.rowsByKey.values()],
      changes: [...this.changeLog.values()].map((c) => [c.key, c.version, c.deleted]),
    };
  }

  load(data: PersistedTable): void {
    this.rowsByKey.clear();
    this.changeLog.clear();
    for (const unique of this.uniqueIndexes) unique.index.clear();
    this.valueIndexes.clear();
    this.revisionCounter += 1;
    for (const row of data.rows) {
      const key = this.normalizeKey(row[this.schema.primaryKey]);
      this.rowsByKey.set(key, row);
      this.index(key, row);
    }
    for (const [key, version, deleted] of data.changes) this.changeLog.set(key, { key, version, deleted });
  }
}

function addToValueIndex(index: ValueIndex, value: unknown, key: string): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string') {
    index.other.add(key);
    return;
  }
  const text = value.toLowerCase();
  let keys = index.byText.get(text);
  if (!keys) index.byText.set(text, (keys = new Set()));
  keys.add(key);
}

function removeFromValueIndex(index: ValueIndex, value: unknown, key: string): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string') {
    index.other.delete(key);
    return;
  }
  const text = value.toLowerCase();
  const keys = index.byText.get(text);
  keys?.delete(key);
  if (keys?.size === 0) index.byText.delete(text);
}

export class TableStore {
  readonly caseInsensitiveKeys: boolean;
  private readonly tablesByName = new Map<string, Table>();
  private versionCounter = 0;
  private readonly transactions = new AsyncLocalStorage<UndoEntry[]>();
  private readonly persistFile?: string;
  private readonly debounceMs: number;
  private persistTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;

  constructor(options: StoreOptions) {
    this.caseInsensitiveKeys = options.caseInsensitiveKeys ?? false;
    this.persistFile = options.persistFile;
    this.debounceMs = options.persistDebounceMs ?? DEFAULT_DEBOUNCE_MS;
    for (const schema of options.tables) this.tablesByName.set(schema.name, new Table(schema, this));
    if (this.persistFile && existsSync(this.persistFile)) this.loadFile(this.persistFile);
  }

  /** True when the store was filled from its persist file at start (the caller then skips seeding). */
  get loadedFromFile(): boolean {
    return this.versionCounter > 0 && this.persistFile !== undefined;
  }

  get version(): number {
    return this.versionCounter;
  }

  /** Changes with every change to any table's rows (rollbacks and loads too); for caches spanning tables. */
  get revision(): number {
    let sum = 0;
    for (const table of this.tablesByName.values()) sum += table.revision;
    return sum;
  }

  table(name: string): Table {
    const table = this.tablesByName.get(name);
    if (!table) throw new Error(`unknown table ${name}`);
    return table;
  }

  tables(): Table[] {
    return [...this.tablesByName.values()];
  }

  nextVersion(): number {
    this.versionCounter += 1;
    return this.versionCounter;
  }

  noteUndo(table: Table, key: string, previousRow: Row | undefined, previousChange: ChangeEntry | undefined): void {
    this.transactions.getStore()?.push({ table, key, previousRow, previousChange });
  }

  /**
   * Starts a transaction. Begun while another one runs (a single write inside a `$batch` change set), it is nested:
   * its rollback undoes only its own writes, and its commit hands them to the enclosing transaction.
   */
  begin(): Transaction {
    const undo: UndoEntry[] = [];
    const enclosing = this.transactions.getStore();
    let finished = false;
    return {
      run: (fn) => this.transactions.run(undo, fn),
      commit: () => {
        if (finished) return;
        finished = true;
        if (enclosing) for (const entry of undo) enclosing.push(entry);
      },
      rollback: () => {
        if (finished) return;
        finished = true;
        for (let i = undo.length - 1; i >= 0; i -= 1) {
          const entry = undo[i];
          entry.table.restore(entry.key, entry.previousRow, entry.previousChange);
        }
        if (undo.length) this.changed();
      },
    };
  }

  /** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
  async atomically<T>(fn: () => Promise<T>): Promise<T> {
    const transaction = this.begin();
    try {
      const result = await transaction.run(fn);
      transaction.commit();
      return result;
    } catch (error) {
      transaction.rollback();
      throw error;
    }
  }

  changed(): void {
    if (!this.persistFile || this.closed) return;
    this.dirty = true;
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      void this.flush();
    }, this.debounceMs);
    this.persistTimer.unref();
  }

  private snapshot(): string {
    const data: PersistedStore = { format: PERSIST_FORMAT, version: this.versionCounter, tables: {} };
    for (const table of this.tablesByName.values()) data.tables[table.name] = table.toJSON();
    return JSON.stringify(data);
  }

  /** Writes the store to its file atomically (temp file + rename); writes are serialized. */
  flush(): Promise<void> {
    const file = this.persistFile;
    if (!file || !this.dirty) return this.writing;
    this.dirty = false;
    const text = this.snapshot();
    this.writing = this.writing.then(async () => {
      mkdirSync(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, text);
      await rename(temp, file);
    });
    return this.writing;
  }

  private loadFile(file: string): void {
    let data: PersistedStore;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`store file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (data.format !== PERSIST_FORMAT) throw new Error(`store file ${file} has unknown format ${data.format}`);
    for (const [name, table] of Object.entries(data.tables)) this.tablesByName.get(name)?.load(table);
    this.versionCounter = data.version;
  }

  /** Stops the debounce timer and writes pending changes synchronously so nothing is lost on exit. */
  async close(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    await this.writing;
    if (this.persistFile && this.dirty) {
      this.dirty = false;
      mkdirSync(dirname(this.persistFile), { recursive: true });
      const temp = `${this.persistFile}.${process.pid}.tmp`;
      writeFileSync(temp, this.snapshot());
      renameSync(temp, this.persistFile);
    }
    this.closed = true;
  }
}
