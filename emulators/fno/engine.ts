/**
 * The row engine: creates, updates, deletes and reads rows of any entity in the dictionary, in the order F&O runs
 * its X++ table methods (initValue, set fields, validateField, defaultRow, validateWrite, write). Nothing here
 * knows a particular entity; behaviour comes from entities.ts.
 */
import { addAmounts, divideAmount, multiplyAmounts, roundAmount, subtractAmounts } from '../../mappings/money';
import { StoreConflictError, type Table, type TableStore } from '../common/store';
import { FIELD_TYPES } from './catalog';
import {
  EMPTY_DATETIME,
  ENTITIES,
  ENTITY_NAMESPACE,
  ENUMS,
  MODIFIED_FIELD,
  NUMBER_SEQUENCES,
  TABLES,
} from './entities';
import { FnoError, writeFailure } from './errors';
import type { DefaultSource, EntityDef, FieldType, Relation, Row, TableDef } from './model';

/** Hidden columns of stored rows: the encoded primary key, the row version (ETag) and the change stamp. */
export const PK_COLUMN = '__pk';
const VERSION_COLUMN = '__version';

export interface EntityRuntime {
  def: EntityDef;
  table: TableRuntime;
  /** Entity field → table column. */
  columnOf: Map<string, string>;
  fieldTypes: Map<string, FieldType>;
  /** True when the entity's key is the table's primary key (otherwise one of its unique keys). */
  keyIsPrimary: boolean;
}

export interface TableRuntime {
  def: TableDef;
  columns: string[];
  types: Map<string, FieldType>;
  relations: Map<string, Relation>;
  computed: Set<string>;
  inherited: Set<string>;
  /** Child tables (lines) whose `header` relation points at this table. */
  children: TableRuntime[];
  /** Every column at its empty value (what X++ initValue starts from). */
  emptyRow: Row;
}

export type WriteMode = 'create' | 'patch' | 'put';

export interface RequestContext {
  /** Company of rows created without dataAreaId (the calling user's default company). */
  defaultCompany: string;
  /** Server-side writers (seeding, lifecycle actions) may write read-only tables. */
  internal?: boolean;
}

export function etagOf(row: Row): string {
  return `W/"${Buffer.from(`'1,${String(row[VERSION_COLUMN])}'`).toString('base64')}"`;
}

/** F&O stores date-times to the second, in UTC. */
export function formatDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Amounts of the CDS sales documents carry two decimals (the emulated companies' currencies all do). */
const MONEY_DECIMALS = 2;
/** Places kept for a price divided by a price unit before it is multiplied out (F&O's real has 16 digits). */
const UNIT_PRICE_DECIMALS = 10;
const roundMoney = (value: number): number => roundAmount(value, MONEY_DECIMALS);

function emptyValue(type: FieldType): unknown {
  switch (type.kind) {
    case 'string':
      return '';
    case 'int':
    case 'decimal':
      return 0;
    case 'datetime':
      return EMPTY_DATETIME;
    case 'enum':
      return ENUMS[type.enumType][0];
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function encodeKey(values: unknown[]): string {
  return values.map((v) => String(v)).join('\u0001');
}

const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export class FnoEngine {
  readonly tables = new Map<string, TableRuntime>();
  readonly entities = new Map<string, EntityRuntime>();
  /** Per company and sequence: the last number handed out. */
  private readonly sequenceCounters = new Map<string, number>();
  /** Parent key → primary keys of child rows ever written under it; verified on read (see childrenOf). */
  private readonly childIndex = new Map<string, Set<string>>();
  private lastStamp = { second: -1, text: '' };

  constructor(
    readonly store: TableStore,
    readonly companies: string[],
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const def of TABLES) this.tables.set(def.name, this.buildTable(def));
    for (const table of this.tables.values()) {
      const header = table.relations.get('header');
      if (header && table.def.lineTotals) this.tables.get(header.table)!.children.push(table);
    }
    for (const def of ENTITIES) this.entities.set(def.set, this.buildEntity(def));
    for (const table of this.tables.values()) {
      for (const row of this.table(table).rows()) this.indexChild(table, row);
    }
  }

  /** Store schemas for the dictionary's tables: primary key in a hidden column, unique keys as declared. */
  static storeSchemas() {
    return TABLES.map((def) => ({ name: def.name, primaryKey: PK_COLUMN, uniqueKeys: def.uniqueKeys }));
  }

  private buildTable(def: TableDef): TableRuntime {
    const columns = new Set<string>([...def.primaryKey, ...(def.extraColumns ?? [])]);
    for (const entity of ENTITIES.filter((e) => e.table === def.name)) {
      for (const field of entity.fields) columns.add(entity.aliases?.[field] ?? field);
    }
    const types = new Map<string, FieldType>();
    for (const column of columns) {
      const type = FIELD_TYPES[column];
      if (!type) throw new Error(`table ${def.name}: column ${column} has no type in the field catalogue`);
      types.set(column, type);
    }
    const inherited = new Set<string>();
    for (const inherit of def.inherit ?? []) for (const column of Object.keys(inherit.columns)) inherited.add(column);
    return {
      def,
      columns: [...columns],
      types,
      relations: new Map(Object.entries(def.relations ?? {})),
      computed: new Set([...(def.computed ?? []), ...inherited]),
      inherited,
      children: [],
      emptyRow: Object.fromEntries([...types].map(([column, type]) => [column, emptyValue(type)])),
    };
  }

  private buildEntity(def: EntityDef): EntityRuntime {
    const table = this.tables.get(def.table);
    if (!table) throw new Error(`entity ${def.set}: unknown table ${def.table}`);
    const columnOf = new Map<string, string>();
    const fieldTypes = new Map<string, FieldType>();
    for (const field of [...def.fields, MODIFIED_FIELD]) {
      const column = def.aliases?.[field] ?? field;
      columnOf.set(field, column);
      fieldTypes.set(field, field === MODIFIED_FIELD ? FIELD_TYPES[MODIFIED_FIELD] : table.types.get(column)!);
    }
    const keyColumns = def.key.map((k) => columnOf.get(k)!);
    const keyIsPrimary = sameColumns(keyColumns, table.def.primaryKey);
    if (!keyIsPrimary && !(table.def.uniqueKeys ?? []).some((u) => sameColumns(u, keyColumns))) {
      throw new Error(
        `entity ${def.set}: key (${def.key.join(', ')}) is neither primary nor unique in ${table.def.name}`,
      );
    }
    return { def, table, columnOf, fieldTypes, keyIsPrimary };
  }

  entity(set: string): EntityRuntime {
    const entity = this.entities.get(set);
    if (!entity) throw new FnoError('not-found', `Resource not found for the segment '${set}'.`);
    return entity;
  }

  table(table: TableRuntime): Table {
    return this.store.table(table.def.name);
  }

  typeName(entity: EntityRuntime): string {
    return `${ENTITY_NAMESPACE}.${entity.def.typeName}`;
  }

  // ---- reading -------------------------------------------------------------------------------------------

  /** Finds the stored row an entity key addresses, or undefined. Key values are already typed. */
  findByKey(entity: EntityRuntime, key: Record<string, unknown>): Row | undefined {
    const columns: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(key)) {
      columns[entity.columnOf.get(field)!] = field === 'dataAreaId' ? String(value).toLowerCase() : value;
    }
    const store = this.table(entity.table);
    const row = entity.keyIsPrimary
      ? store.get(encodeKey(entity.table.def.primaryKey.map((c) => columns[c])))
      : store.findByUnique(columns);
    return row && this.visible(entity, row) ? row : undefined;
  }

  private visible(entity: EntityRuntime, row: Row): boolean {
    const where = entity.def.where;
    if (!where) return true;
    const value = entity.table.inherited.has(where.column)
      ? this.inheritedValue(entity.table, row, where.column)
      : row[where.column];
    return value === where.equals;
  }

  /** All stored rows an entity exposes (or those of `rows` it exposes), optionally restricted to some companies. */
  *scan(entity: EntityRuntime, companies?: Set<string>, rows?: Iterable<Row>): Generator<Row> {
    for (const row of rows ?? this.table(entity.table).rows()) {
      if (companies && entity.table.def.companySpecific && !companies.has(row.dataAreaId as string)) continue;
      if (this.visible(entity, row)) yield row;
    }
  }

  /** The entity's view of a stored row: its fields (with inherited values), ETag and change stamp. */
  project(entity: EntityRuntime, row: Row, select?: string[]): Row {
    const out: Row = { '@odata.etag': etagOf(row) };
    for (const field of select ?? entity.columnOf.keys()) out[field] = this.fieldValue(entity, row, field);
    return out;
  }

  /** One field of a stored row as the entity shows it (aliases and inherited columns resolved). */
  fieldValue(entity: EntityRuntime, row: Row, field: string): unknown {
    const column = entity.columnOf.get(field);
    if (column === undefined) return undefined;
    return entity.table.inherited.has(column) ? this.inheritedValue(entity.table, row, column) : row[column];
  }

  /**
   * Revision of every table a query of the entity reads: its own and, through inherited columns, the tables those
   * come from. A cached query result holds while this is unchanged, whatever other tables do.
   */
  queryRevision(entity: EntityRuntime): string {
    const names = new Set<string>();
    const visit = (table: TableRuntime) => {
      if (names.has(table.def.name)) return;
      names.add(table.def.name);
      for (const inherit of table.def.inherit ?? []) {
        visit(this.tables.get(table.relations.get(inherit.relation)!.table)!);
      }
    };
    visit(entity.table);
    return [...names].map((name) => `${name}:${this.store.table(name).revision}`).join(' ');
  }

  private inheritedValue(table: TableRuntime, row: Row, column: string): unknown {
    for (const inherit of table.def.inherit ?? []) {
      const source = inherit.columns[column];
      if (source === undefined) continue;
      const related = this.related(table, inherit.relation, row);
      if (!related) return emptyValue(table.types.get(column)!);
      // The related column may itself be inherited (invoice line → invoice header → customer).
      const target = this.tables.get(table.relations.get(inherit.relation)!.table)!;
      return target.inherited.has(source) ? this.inheritedValue(target, related, source) : related[source];
    }
    return undefined;
  }

  /** The row a relation points at, or undefined when the local columns are empty or nothing matches. */
  related(table: TableRuntime, relationName: string, row: Row): Row | undefined {
    const relation = table.relations.get(relationName);
    if (!relation) throw new Error(`table ${table.def.name} has no relation ${relationName}`);
    const target = this.tables.get(relation.table)!;
    const values: Record<string, unknown> = {};
    for (const [local, remote] of Object.entries(relation.on)) {
      if (isEmpty(row[local])) return undefined;
      values[remote] = row[local];
    }
    if (target.def.companySpecific && !('dataAreaId' in values)) values.dataAreaId = row.dataAreaId;
    const targetColumns = Object.keys(values);
    const store = this.table(target);
    if (sameColumns(targetColumns, target.def.primaryKey)) {
      return store.get(encodeKey(target.def.primaryKey.map((c) => values[c])));
    }
    return store.findByUnique(values);
  }

  /** Current child rows (lines) of a header row. */
  childrenOf(child: TableRuntime, header: Row): Row[] {
    const keys = this.childIndex.get(`${child.def.name}\u0002${String(header[PK_COLUMN])}`);
    if (!keys) return [];
    const store = this.table(child);
    const rows: Row[] = [];
    // The index only grows (so a rolled-back delete needs no repair); membership is re-checked against the row.
    for (const key of keys) {
      const row = store.get(key);
      if (row && this.related(child, 'header', row)?.[PK_COLUMN] === header[PK_COLUMN]) rows.push(row);
    }
    return rows.sort((a, b) => Number(a.LineCreationSequenceNumber) - Number(b.LineCreationSequenceNumber));
  }

  private indexChild(table: TableRuntime, row: Row): void {
    if (!table.def.lineTotals) return;
    const header = this.related(table, 'header', row);
    if (!header) return;
    const indexKey = `${table.def.name}\u0002${String(header[PK_COLUMN])}`;
    let keys = this.childIndex.get(indexKey);
    if (!keys) this.childIndex.set(indexKey, (keys = new Set()));
    keys.add(String(row[PK_COLUMN]));
  }

  // ---- writing -------------------------------------------------------------------------------------------

  /** Turns a JSON request body into typed table columns; unknown fields and bad values are 400s. */
  parseBody(entity: EntityRuntime, body: unknown): Map<string, unknown> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new FnoError('request', `The request body for '${entity.def.set}' must be a JSON object.`);
    }
    const values = new Map<string, unknown>();
    for (const [field, raw] of Object.entries(body as Record<string, unknown>)) {
      if (field.startsWith('@') || field.includes('@odata.')) continue;
      const type = entity.fieldTypes.get(field);
      if (!type || field === MODIFIED_FIELD) {
        if (field === MODIFIED_FIELD) continue;
        throw new FnoError(
          'request',
          `The property '${field}' does not exist on type '${this.typeName(entity)}'. Make sure to only use property names that are defined by the type.`,
          field,
        );
      }
      const column = entity.columnOf.get(field)!;
      if (entity.table.computed.has(column)) continue;
      values.set(column, coerce(entity, field, type, raw));
    }
    return values;
  }

  create(set: string, body: unknown, ctx: RequestContext): Row {
    const entity = this.entity(set);
    this.assertWritable(entity, ctx);
    const supplied = this.parseBody(entity, body);
    const table = entity.table;
    const row: Row = { ...table.emptyRow };
    for (const [column, value] of supplied) row[column] = value;
    if (table.def.companySpecific) {
      row.dataAreaId = isEmpty(row.dataAreaId) ? ctx.defaultCompany : String(row.dataAreaId).toLowerCase();
      this.assertCompany(entity, String(row.dataAreaId));
    }
    this.validateFields(entity, row, supplied.keys());
    this.applyDefaults(entity, row, supplied);
    this.validateWrite(entity, row, new Set(table.columns));
    this.computeLine(table, row);
    row[PK_COLUMN] = encodeKey(table.def.primaryKey.map((c) => row[c]));
    this.stampModified(row);
    try {
      this.table(table).insert(row, stampVersion);
    } catch (error) {
      if (error instanceof StoreConflictError) throw this.duplicate(entity, row, error.columns);
      throw error;
    }
    this.indexChild(table, row);
    this.afterLineWrite(table, row);
    return row;
  }

  update(set: string, key: Record<string, unknown>, body: unknown, mode: 'patch' | 'put', ctx: RequestContext): Row {
    const entity = this.entity(set);
    this.assertWritable(entity, ctx);
    const current = this.findByKey(entity, key);
    if (!current) throw notFound(entity);
    const supplied = this.parseBody(entity, body);
    const table = entity.table;
    const next: Row = { ...current };
    if (mode === 'put') {
      for (const column of entity.columnOf.values()) {
        if (!table.computed.has(column) && column !== MODIFIED_FIELD && !supplied.has(column)) {
          next[column] = emptyValue(table.types.get(column)!);
        }
      }
    }
    const keyColumns = new Set([...table.def.primaryKey, ...entity.def.key.map((k) => entity.columnOf.get(k)!)]);
    for (const [column, value] of supplied) {
      const same =
        column === 'dataAreaId' ? String(value).toLowerCase() === current[column] : value === current[column];
      if (keyColumns.has(column) && !same) {
        throw new FnoError(
          'request',
          `The key field '${column}' of '${entity.def.set}' cannot be changed by an update.`,
          column,
        );
      }
      next[column] = column === 'dataAreaId' ? current[column] : value;
    }
    for (const column of keyColumns) next[column] = current[column];
    this.validateFields(entity, next, supplied.keys());
    const changed = new Set(table.columns.filter((c) => next[c] !== current[c]));
    this.validateWrite(entity, next, changed, true);
    this.computeLine(table, next);
    this.stampModified(next);
    try {
      this.table(table).replace(current[PK_COLUMN], next, stampVersion);
    } catch (error) {
      if (error instanceof StoreConflictError) throw this.duplicate(entity, next, error.columns);
      throw error;
    }
    this.indexChild(table, next);
    this.afterLineWrite(table, next);
    return next;
  }

  delete(set: string, key: Record<string, unknown>, ctx: RequestContext): void {
    const entity = this.entity(set);
    this.assertWritable(entity, ctx);
    const current = this.findByKey(entity, key);
    if (!current) throw notFound(entity);
    // Deleting a sales document header deletes its lines, as SalesTable/SalesQuotationTable cascade to lines.
    for (const child of entity.table.children) {
      for (const line of this.childrenOf(child, current)) this.table(child).delete(line[PK_COLUMN]);
    }
    this.table(entity.table).delete(current[PK_COLUMN]);
    this.afterLineWrite(entity.table, current);
  }

  /** Server-side change of columns of a stored row (lifecycle actions); bypasses request validation. */
  patchInternal(table: TableRuntime, row: Row, changes: Row): Row {
    const next = { ...row, ...changes };
    this.stampModified(next);
    return this.table(table).replace(row[PK_COLUMN], next, stampVersion);
  }

  private assertWritable(entity: EntityRuntime, ctx: RequestContext): void {
    if (entity.table.def.readOnly && !ctx.internal) {
      throw new FnoError(
        'method',
        `The entity set '${entity.def.set}' is read-only: posted documents cannot be written.`,
      );
    }
  }

  private assertCompany(entity: EntityRuntime, company: string): void {
    if (!this.companies.includes(company)) {
      throw writeFailure(entity.def.typeName, `Company '${company}' does not exist.`, 'dataAreaId');
    }
  }

  private validateFields(entity: EntityRuntime, row: Row, columns: Iterable<string>): void {
    const table = entity.table;
    for (const column of columns) {
      const type = table.types.get(column)!;
      const value = row[column];
      if (
        type.kind === 'string' &&
        type.maxLength !== undefined &&
        typeof value === 'string' &&
        value.length > type.maxLength
      ) {
        throw writeFailure(
          entity.def.typeName,
          `The value in field '${column}' is ${value.length} characters long; the field allows at most ${type.maxLength}.`,
          column,
        );
      }
      const allowed = table.def.allowedValues?.[column];
      if (allowed && !isEmpty(value) && !allowed.includes(String(value))) {
        throw writeFailure(
          entity.def.typeName,
          `The value '${String(value)}' is not valid for field '${column}'. Valid values: ${allowed.join(', ')}.`,
          column,
        );
      }
    }
  }

  private applyDefaults(entity: EntityRuntime, row: Row, supplied: Map<string, unknown>): void {
    const table = entity.table;
    for (const [column, sources] of Object.entries(table.def.defaults ?? {})) {
      if (!table.types.has(column)) continue;
      const type = table.types.get(column)!;
      const unset = type.kind === 'string' ? isEmpty(row[column]) : !supplied.has(column);
      if (!unset) continue;
      for (const source of sources) {
        const value = this.defaultFrom(table, row, column, source);
        if (!isEmpty(value)) {
          row[column] = value;
          break;
        }
      }
    }
  }

  private defaultFrom(table: TableRuntime, row: Row, column: string, source: DefaultSource): unknown {
    if ('value' in source) return source.value;
    if ('copy' in source) return row[source.copy];
    if ('relation' in source) return this.related(table, source.relation, row)?.[source.column];
    if ('sequence' in source) return this.nextNumber(table, row, column, source.sequence);
    const group = source.next.map((c) => row[c]);
    if (group.some(isEmpty)) return undefined;
    let max = 0;
    const header = this.related(table, 'header', row);
    if (header) for (const line of this.childrenOf(table, header)) max = Math.max(max, Number(line[column]));
    return max + 1;
  }

  private nextNumber(table: TableRuntime, row: Row, column: string, sequence: string): string {
    const format = NUMBER_SEQUENCES[sequence];
    const scope = table.def.companySpecific ? String(row.dataAreaId) : '';
    const counterKey = `${scope}\u0001${sequence}`;
    const store = this.table(table);
    const keys = [table.def.primaryKey, ...(table.def.uniqueKeys ?? [])].filter((k) => k.includes(column));
    for (;;) {
      const n = (this.sequenceCounters.get(counterKey) ?? 0) + 1;
      this.sequenceCounters.set(counterKey, n);
      const candidate = format.replace(/#+/, (run) => String(n).padStart(run.length, '0'));
      const probe = { ...row, [column]: candidate };
      // Skip numbers already taken by rows that were created with explicit ids (seed data, imports).
      const taken = keys.some((k) =>
        sameColumns(k, table.def.primaryKey)
          ? store.get(encodeKey(k.map((c) => probe[c]))) !== undefined
          : store.findByUnique(Object.fromEntries(k.map((c) => [c, probe[c]]))) !== undefined,
      );
      if (!taken) return candidate;
    }
  }

  private validateWrite(entity: EntityRuntime, row: Row, changed: Set<string>, isUpdate = false): void {
    const table = entity.table;
    const required = [...entity.def.key, ...(entity.def.required ?? [])];
    for (const field of required) {
      const column = entity.columnOf.get(field)!;
      if (isEmpty(row[column])) {
        throw writeFailure(entity.def.typeName, `Field '${field}' must be filled in.`, field);
      }
    }
    for (const [name, relation] of table.relations) {
      if (relation.validate === false) continue;
      const locals = Object.keys(relation.on).filter((c) => c !== 'dataAreaId');
      if (locals.length === 0 || locals.some((c) => isEmpty(row[c]))) continue;
      if (isUpdate && !locals.some((c) => changed.has(c))) continue;
      if (!this.related(table, name, row)) {
        const field = locals[locals.length - 1];
        const target = this.tables.get(relation.table)!;
        throw writeFailure(
          entity.def.typeName,
          `The value '${String(row[field])}' in field '${field}' is not found in the related table '${target.def.label}'.`,
          field,
        );
      }
    }
    for (const rule of table.def.requiredWhen ?? []) {
      if (this.related(table, rule.relation, row)?.[rule.column] !== rule.equals) continue;
      const missing = rule.fields.find((c) => isEmpty(row[c]));
      if (missing) {
        throw writeFailure(
          entity.def.typeName,
          `Field '${missing}' must be filled in: neither the line, the header nor the customer supplies it for a stocked item.`,
          missing,
        );
      }
    }
  }

  private duplicate(entity: EntityRuntime, row: Row, columns: string[]): FnoError {
    const keyColumns = columns.includes(PK_COLUMN) ? entity.table.def.primaryKey : columns;
    const described = keyColumns.map((c) => `${c}: ${String(row[c])}`).join(', ');
    return writeFailure(
      entity.def.typeName,
      `Cannot create a record in ${entity.table.def.label} (${entity.table.def.name}). ${described}.\nThe record already exists.`,
    );
  }

  private stampModified(row: Row): void {
    const now = this.now().getTime();
    // Formatting a date is the costliest step of a bulk load; stamps only change once a second.
    if (Math.floor(now / 1000) !== this.lastStamp.second) {
      this.lastStamp = { second: Math.floor(now / 1000), text: formatDateTime(new Date(now)) };
    }
    row[MODIFIED_FIELD] = this.lastStamp.text;
  }

  /**
   * LineAmount = quantity × price ÷ price unit − quantity × per-unit discount, less the line discount percentage,
   * computed in decimals as F&O does, then rounded once to the currency.
   */
  private computeLine(table: TableRuntime, row: Row): void {
    const totals = table.def.lineTotals;
    if (!totals) return;
    const quantity = amountOf(row, totals.quantity);
    const priceUnit = amountOf(row, 'SalesPriceQuantity') || 1;
    const price = amountOf(row, 'SalesPrice');
    const unitPrice = priceUnit === 1 ? price : divideAmount(price, priceUnit, UNIT_PRICE_DECIMALS);
    const gross = multiplyAmounts(quantity, unitPrice);
    const afterAmountDiscount = subtractAmounts(gross, multiplyAmounts(quantity, amountOf(row, 'LineDiscountAmount')));
    const net = divideAmount(
      multiplyAmounts(afterAmountDiscount, subtractAmounts(100, amountOf(row, 'LineDiscountPercentage'))),
      100,
      UNIT_PRICE_DECIMALS,
    );
    row.LineAmount = roundMoney(net);
    row.TotalDiscountAmount = roundMoney(subtractAmounts(gross, net));
    if ('TotalChargesAmount' in row) row.TotalChargesAmount = amountOf(row, 'FixedPriceCharges');
  }

  /** Keeps the header in step with its lines: quotation totals follow every line write; order totals go stale. */
  private afterLineWrite(table: TableRuntime, line: Row): void {
    const totals = table.def.lineTotals;
    if (!totals) return;
    const headerTable = this.tables.get(table.relations.get(totals.header)!.table)!;
    const header = this.related(table, totals.header, line);
    if (!header) return;
    if (totals.rollUp === 'onLineWrite') this.rollUpTotals(table, headerTable, header);
    else if (header[totals.headerColumns.calculated] === 'Yes') {
      this.patchInternal(headerTable, header, { [totals.headerColumns.calculated]: 'No' });
    }
  }

  /** Sums the lines into the header's total columns, marks the totals calculated and applies `changes`. */
  rollUpTotals(lineTable: TableRuntime, headerTable: TableRuntime, header: Row, changes: Row = {}): Row {
    const columns = lineTable.def.lineTotals!.headerColumns;
    const lines = this.childrenOf(lineTable, header);
    const sum = (column: string) => addAmounts(...lines.map((line) => amountOf(line, column)));
    const amount = sum('LineAmount');
    const charges = sum('FixedPriceCharges');
    const tax = sum('TotalTaxAmount');
    return this.patchInternal(headerTable, header, {
      [columns.amount]: roundMoney(addAmounts(amount, charges, tax)),
      [columns.discount]: roundMoney(sum('TotalDiscountAmount')),
      [columns.charges]: roundMoney(charges),
      [columns.tax]: roundMoney(tax),
      [columns.calculated]: 'Yes',
      ...changes,
    });
  }
}

/** A numeric column of a stored row; a column the table lacks counts as zero. */
function amountOf(row: Row, column: string): number {
  return Number(row[column] ?? 0);
}

function stampVersion(row: Row, version: number): void {
  row[VERSION_COLUMN] = version;
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

export function notFound(entity: EntityRuntime): FnoError {
  return new FnoError('not-found', `Resource not found for the segment '${entity.def.set}'.`);
}

/** Converts one JSON value to the field's type the way the OData deserializer does; refuses what it refuses. */
export function coerce(entity: EntityRuntime, field: string, type: FieldType, raw: unknown): unknown {
  const refuse = (expected: string) =>
    new FnoError(
      'request',
      `Cannot convert the value ${JSON.stringify(raw)} of property '${field}' on '${entity.def.set}' to ${expected}.`,
      field,
    );
  switch (type.kind) {
    case 'string':
      if (raw === null) return '';
      if (typeof raw !== 'string') throw refuse('Edm.String');
      return raw;
    case 'int':
      if (typeof raw !== 'number' || !Number.isInteger(raw) || Math.abs(raw) > 2 ** 31) throw refuse('Edm.Int32');
      return raw;
    case 'decimal': {
      // IEEE754Compatible clients send decimals as strings.
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse('Edm.Decimal');
      return value;
    }
    case 'datetime': {
      if (typeof raw !== 'string' || !DATETIME_PATTERN.test(raw) || Number.isNaN(Date.parse(raw))) {
        throw refuse('Edm.DateTimeOffset (ISO 8601 with a time zone, e.g. 2026-01-31T00:00:00Z)');
      }
      return formatDateTime(new Date(raw));
    }
    case 'enum': {
      const symbols = ENUMS[type.enumType];
      if (typeof raw !== 'string' || !symbols.includes(raw)) {
        throw new FnoError(
          'request',
          `The value ${JSON.stringify(raw)} of property '${field}' is not a member of enum type '${ENTITY_NAMESPACE}.${type.enumType}' (${symbols.join(', ')}).`,
          field,
        );
      }
      return raw;
    }
  }
}
