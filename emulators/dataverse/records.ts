import { randomUUID } from 'node:crypto';
import { ODataSyntaxError, parseKeySegment, splitPath, type KeyPredicate } from '../common/odata';
import { StoreConflictError, type Row, type Table, type TableStore } from '../common/store';
import { createRng } from '../seed/prng';
import { DataverseError, DV_ERROR, MATCHING_KEY_EXISTS_MESSAGE, badRequest, notFound, notFoundByKey } from './errors';
import {
  AUTO_NUMBER_SEQUENCE_DIGITS,
  AUTO_NUMBER_START,
  AUTO_NUMBER_SUFFIX_LENGTH,
  COLLECTIONS_BY_SET,
  ENTITIES,
  ENTITIES_BY_SET,
  formatAutoNumber,
  lookupColumn,
  navigationsOf,
  type CollectionInfo,
  type ColumnDef,
  type EntityDef,
  type NavigationInfo,
} from './metadata';

/** The lookup that places a user-owned row in a business unit. */
const OWNING_BUSINESS_UNIT = 'owningbusinessunit';

/**
 * Row rules of the Dataverse emulator, independent of HTTP: turning Web API bodies into stored rows (types,
 * lengths, choices, `@odata.bind` lookups by GUID or alternate key, deep insert), key resolution, the quote
 * state rules, delete cascades and turning stored rows back into Web API JSON.
 */

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;
const BIND_SUFFIX = '@odata.bind';
const SIMPLE_REFERENCE_RE =
  /^\/?([a-z]+)\((?:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|([a-z_]\w*)='([^'%]*)')\)$/i;
const STATE_COLUMNS = new Set(['statecode', 'statuscode']);
/** Stored next to a polymorphic lookup: which entity set the GUID points into. */
const targetColumn = (attribute: string) => `$${attribute}`;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_RE.test(value);
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function etagOf(row: Row): string {
  return `W/"${String(row.versionnumber)}"`;
}

export function typeName(entity: EntityDef): string {
  return `Microsoft.Dynamics.CRM.${entity.logicalName}`;
}

export interface WriteContext {
  /** Seed loading: skips state rules so seeds can hold active quotes and closed orders. */
  seeding?: boolean;
  /** Timestamp for createdon/modifiedon; one value for a whole seed load. */
  now?: string;
}

export interface NavigationMaps {
  single: Map<string, NavigationInfo>;
  lookupByColumn: Map<string, NavigationInfo['lookup']>;
}

const NAVIGATION_CACHE = new Map<string, NavigationMaps>();

export function navigationMaps(entity: EntityDef): NavigationMaps {
  let maps = NAVIGATION_CACHE.get(entity.entitySet);
  if (!maps) {
    maps = {
      single: navigationsOf(entity),
      lookupByColumn: new Map(entity.lookups.map((l) => [lookupColumn(l.attribute), l])),
    };
    NAVIGATION_CACHE.set(entity.entitySet, maps);
  }
  return maps;
}

function unknownProperty(entity: EntityDef, name: string): DataverseError {
  return badRequest(
    `The property '${name}' does not exist on type '${typeName(entity)}'. Make sure to only use property names that are defined by the type.`,
  );
}

function validationError(entity: EntityDef, column: string, message: string): DataverseError {
  return new DataverseError(
    400,
    DV_ERROR.validation,
    `A validation error occurred. ${message} (column '${column}' of entity '${entity.logicalName}')`,
  );
}

/** Checks and normalizes one column value from a request body. */
export function coerceColumn(entity: EntityDef, column: string, def: ColumnDef, value: unknown): unknown {
  if (value === null) {
    if (column === entity.primaryId) throw validationError(entity, column, 'The primary key cannot be null.');
    return null;
  }
  const wrongType = (expected: string) =>
    validationError(entity, column, `Expected ${expected} but got ${JSON.stringify(value)}.`);
  switch (def.type) {
    case 'uniqueidentifier':
      if (!isGuid(value)) throw wrongType('a GUID');
      return value.toLowerCase();
    case 'string':
    case 'memo':
      if (typeof value !== 'string') throw wrongType('a string');
      if (def.maxLength !== undefined && value.length > def.maxLength) {
        throw validationError(
          entity,
          column,
          `The length of the '${column}' attribute of the '${entity.logicalName}' entity exceeded the maximum allowed length of '${def.maxLength}'.`,
        );
      }
      return value;
    case 'integer':
    case 'bigint':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType('a whole number');
      return value;
    case 'decimal':
    case 'money':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType('a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType('true or false');
      return value;
    case 'datetime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrongType('an ISO 8601 date-time');
      return new Date(value).toISOString().replace(/\.000Z$/, 'Z');
    }
    case 'dateonly': {
      if (typeof value !== 'string') throw wrongType('a date (YYYY-MM-DD)');
      const date = value.slice(0, 10);
      if (!DATE_ONLY_RE.test(date) || Number.isNaN(Date.parse(date))) throw wrongType('a date (YYYY-MM-DD)');
      return date;
    }
    case 'picklist':
    case 'state':
    case 'status':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType('a choice value (integer)');
      if (def.options && !(value in def.options)) {
        throw validationError(
          entity,
          column,
          `The value ${value} of '${column}' on record of type '${entity.logicalName}' is outside the valid range (${Object.keys(def.options).join(', ')}).`,
        );
      }
      return value;
  }
}

export type Located = { entity: EntityDef; row: Row | undefined; keyText: string; keyValues: Row };

export class DataverseModel {
  /** Per entity set: the last auto-number sequence handed out. */
  private readonly autoNumberSequences = new Map<string, number>();

  constructor(
    readonly store: TableStore,
    /** Path prefix of the service root, e.g. `/api/data/v9.2/`. */
    private readonly servicePath = '/api/data/v9.2/',
  ) {}

  table(entity: EntityDef): Table {
    return this.store.table(entity.entitySet);
  }

  entity(set: string): EntityDef {
    const entity = ENTITIES_BY_SET.get(set);
    if (!entity) throw new DataverseError(404, DV_ERROR.odataRequest, `Resource not found for the segment '${set}'.`);
    return entity;
  }

  /**
   * Finds the row a key predicate addresses. Key values are returned as stored columns so an upsert can copy
   * them into a new row.
   */
  locate(entity: EntityDef, key: KeyPredicate): Located {
    const table = this.table(entity);
    if (key.kind === 'single') {
      if (!isGuid(key.value)) {
        throw badRequest(
          `The key in the request URI is not valid for resource '${typeName(entity)}': '${String(key.value)}' is not a GUID.`,
          DV_ERROR.entityKeyNotDefined,
        );
      }
      const id = key.value.toLowerCase();
      return { entity, row: table.get(id), keyText: id, keyValues: { [entity.primaryId]: id } };
    }
    const names = Object.keys(key.values);
    if (names.length === 1 && names[0] === entity.primaryId) {
      return this.locate(entity, { kind: 'single', value: key.values[names[0]], type: 'guid' });
    }
    const { lookupByColumn } = navigationMaps(entity);
    const keyValues: Row = {};
    for (const name of names) {
      // A key part on a lookup is named by its value property (`_x_value=<guid>`); the navigation name `x` is not
      // a structural property and is refused like any column outside the key (wire-protocols.md §1.1).
      const value = key.values[name];
      keyValues[name] = typeof value === 'string' && lookupByColumn.has(name) ? value.toLowerCase() : value;
    }
    if (!table.hasUniqueKey(Object.keys(keyValues))) {
      const navigations = names.filter((n) => lookupByColumn.has(lookupColumn(n)));
      const hint = navigations.length
        ? ` A lookup in a key is named by its value property: ${navigations.map((n) => `${lookupColumn(n)}=<guid>, not ${n}`).join('; ')}.`
        : '';
      throw badRequest(
        `The key in the request URI is not valid for resource '${typeName(entity)}'. Make sure that key name and key value are valid. (${names.join(', ')} is not a defined key; keys: ${entity.alternateKeys.map((k) => k.columns.join('+')).join('; ') || 'none'})${hint}`,
        DV_ERROR.entityKeyNotDefined,
      );
    }
    const row = table.findByUnique(keyValues);
    // The key text only feeds error messages; skip building it for the (hot) found case.
    const keyText = row ? '' : names.map((n) => `${n}=${JSON.stringify(key.values[n])}`).join(',');
    return { entity, row, keyText, keyValues };
  }

  /** Parses `/accounts(<id>)`, `accounts(accountnumber='A')` or an absolute URL to a bound row. */
  resolveReference(uri: string, where: string): { entity: EntityDef; row: Row } {
    const simple = SIMPLE_REFERENCE_RE.exec(uri);
    if (simple) {
      // Fast path for the common `/set(<guid>)` and `/set(key='value')` shapes (seed loading binds thousands).
      const entity = this.entity(simple[1]);
      const key: KeyPredicate = simple[2]
        ? { kind: 'single', value: simple[2].toLowerCase(), type: 'guid' }
        : { kind: 'compound', values: { [simple[3]]: simple[4] } };
      const located = this.locate(entity, key);
      if (!located.row) {
        throw simple[2]
          ? notFound(entity.logicalName, located.keyText)
          : notFoundByKey(entity.logicalName, located.keyText);
      }
      return { entity, row: located.row };
    }
    let path = uri.trim();
    if (/^https?:\/\//i.test(path)) path = new URL(path).pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      throw badRequest(`${where}: '${uri}' is not a valid URI.`);
    }
    const versionPrefix = /^\/?api\/data\/v\d+(\.\d+)?\//i.exec(path);
    if (versionPrefix) path = path.slice(versionPrefix[0].length);
    path = path.replace(/^\//, '');
    let segments: string[];
    let segment;
    try {
      segments = splitPath(path);
      segment = parseKeySegment(segments[0] ?? '');
    } catch (error) {
      if (error instanceof ODataSyntaxError) throw badRequest(`${where}: '${uri}' is not an entity reference.`);
      throw error;
    }
    if (segments.length !== 1 || !segment.key) {
      throw badRequest(
        `${where}: '${uri}' must address one row, e.g. /accounts(<id>) or /accounts(accountnumber='A-1').`,
      );
    }
    const entity = this.entity(segment.name);
    const located = this.locate(entity, segment.key);
    if (!located.row) {
      throw segment.key.kind === 'single'
        ? notFound(entity.logicalName, located.keyText)
        : notFoundByKey(entity.logicalName, located.keyText);
    }
    return { entity, row: located.row };
  }

  /**
   * Applies a Web API body to `base` (an existing row for updates, `{}` for creates) and returns the new row.
   * `deferred` collects deep-insert children that must be created after the parent.
   */
  applyBody(
    entity: EntityDef,
    base: Row,
    body: Record<string, unknown>,
    deferred: Array<() => void>,
    context: WriteContext,
  ): Row {
    const row: Row = { ...base };
    const { single } = navigationMaps(entity);
    const collections = COLLECTIONS_BY_SET.get(entity.entitySet);
    for (const [name, value] of Object.entries(body)) {
      if (name.endsWith(BIND_SUFFIX)) {
        const navigation = name.slice(0, -BIND_SUFFIX.length);
        const nav = single.get(navigation);
        if (!nav) {
          throw badRequest(
            `An undeclared property '${navigation}' which only has property annotations in the payload but no property value was found in the payload. '${navigation}' is not a single-valued navigation property of '${typeName(entity)}'.`,
          );
        }
        this.setLookup(entity, row, nav, value, name);
        continue;
      }
      if (name.startsWith('@') || name.includes('@')) continue;
      const def = entity.columns[name];
      if (def) {
        if (def.readOnly) continue;
        if (name === entity.primaryId && base[entity.primaryId] !== undefined) continue;
        row[name] = coerceColumn(entity, name, def, value);
        continue;
      }
      if (navigationMaps(entity).lookupByColumn.has(name)) {
        throw badRequest(
          `CRM do not support direct update of Entity Reference properties, Use Navigation properties instead. ('${name}' of '${entity.logicalName}'; write '${name.slice(1, -'_value'.length)}@odata.bind')`,
        );
      }
      const nav = single.get(name);
      if (nav && value && typeof value === 'object' && !Array.isArray(value)) {
        // Deep insert of a single related row: create it first, then bind it.
        const target = this.entity(nav.targetSet);
        const created = this.createRow(target, value as Record<string, unknown>, context);
        this.setLookup(entity, row, nav, `/${target.entitySet}(${String(created[target.primaryId])})`, name);
        continue;
      }
      const collection = collections?.get(name);
      if (collection && Array.isArray(value)) {
        const child = this.entity(collection.childSet);
        const navigation = collection.navigation;
        for (const [index, item] of value.entries()) {
          if (!item || typeof item !== 'object') throw badRequest(`${name}[${index}] must be an object.`);
          deferred.push(() =>
            this.createRow(
              child,
              {
                ...(item as Record<string, unknown>),
                [`${navigation}${BIND_SUFFIX}`]: `/${entity.entitySet}(${String(row[entity.primaryId])})`,
              },
              context,
            ),
          );
        }
        continue;
      }
      throw unknownProperty(entity, name);
    }
    return row;
  }

  setLookup(entity: EntityDef, row: Row, nav: NavigationInfo, value: unknown, property: string): void {
    const column = lookupColumn(nav.lookup.attribute);
    const polymorphic = Object.keys(nav.lookup.navigations).length > 1;
    if (value === null) {
      row[column] = null;
      if (polymorphic) delete row[targetColumn(nav.lookup.attribute)];
      return;
    }
    if (typeof value !== 'string') {
      throw badRequest(`${entity.logicalName}.${property} must be a URI string such as "/${nav.targetSet}(<id>)".`);
    }
    const target = this.resolveReference(value, `${entity.logicalName}.${property}`);
    if (target.entity.entitySet !== nav.targetSet) {
      throw badRequest(
        `${entity.logicalName}.${property} binds to '${target.entity.entitySet}', but navigation property '${nav.navigation}' expects a row of '${nav.targetSet}'.`,
      );
    }
    row[column] = target.row[target.entity.primaryId];
    if (polymorphic) row[targetColumn(nav.lookup.attribute)] = nav.targetSet;
  }

  /** Validates statecode/statuscode on a new or changed row and fills the default status of a state. */
  private applyState(entity: EntityDef, row: Row, body: Record<string, unknown>, previous: Row | undefined): void {
    if (!entity.states) return;
    const stateGiven = 'statecode' in body;
    const statusGiven = 'statuscode' in body;
    let state = row.statecode as number | undefined | null;
    if (state === undefined || state === null) state = 0;
    if (!stateGiven && statusGiven && previous === undefined) {
      const owner = Object.entries(entity.states).find(([, s]) => Number(row.statuscode) in s.statuses);
      if (owner) state = Number(owner[0]);
    }
    const definition = entity.states[state];
    row.statecode = state;
    if (!statusGiven && (stateGiven || row.statuscode === undefined || row.statuscode === null)) {
      row.statuscode = definition.defaultStatus;
    }
    if (!(Number(row.statuscode) in definition.statuses)) {
      throw validationError(
        entity,
        'statuscode',
        `${String(row.statuscode)} is not a valid status code for state code ${entity.logicalName}State.${definition.label} (valid: ${Object.keys(definition.statuses).join(', ')}).`,
      );
    }
  }

  /** A quote that is not Draft accepts only state changes; its lines accept nothing. */
  private checkQuoteRules(entity: EntityDef, previous: Row | undefined, next: Row | undefined, body: Row): void {
    if (entity.entitySet === 'quotes') {
      if (!previous) {
        if (next && next.statecode !== 0) {
          throw new DataverseError(
            400,
            DV_ERROR.invalidArgument,
            `A quote is created in the Draft state (statecode 0); activate quote '${String(next.quotenumber ?? next.quoteid)}' with a later update of statecode.`,
          );
        }
        return;
      }
      if (previous.statecode === 0) return;
      const changed = Object.keys(body).filter((name) => {
        return !STATE_COLUMNS.has(name) && !(entity.columns[name]?.readOnly ?? false) && !name.startsWith('@');
      });
      if (!next || changed.length > 0) {
        const label = entity.states?.[Number(previous.statecode)]?.label ?? String(previous.statecode);
        throw new DataverseError(
          400,
          DV_ERROR.invalidArgument,
          `Quote '${String(previous.quotenumber ?? previous.quoteid)}' is ${label} (statecode ${String(previous.statecode)}) and read-only: ${next ? `only statecode and statuscode can change, not ${changed.join(', ')}` : 'it cannot be deleted'}. Revise the quote to edit it.`,
        );
      }
      return;
    }
    if (entity.entitySet === 'quotedetails') {
      const quoteIds = new Set([previous?._quoteid_value, next?._quoteid_value].filter(Boolean) as string[]);
      for (const quoteId of quoteIds) {
        const quote = this.store.table('quotes').get(quoteId);
        if (quote && quote.statecode !== 0) {
          throw new DataverseError(
            400,
            DV_ERROR.invalidArgument,
            `Quote '${String(quote.quotenumber ?? quoteId)}' is not a draft (statecode ${String(quote.statecode)}); its quote products cannot be created, changed or deleted.`,
          );
        }
      }
    }
  }

  private stamp(entity: EntityDef, now: string) {
    return (row: Row, version: number) => {
      row.versionnumber = version;
      row.modifiedon = now;
      if (row.createdon === undefined) row.createdon = now;
      entity.derive?.(row);
    };
  }

  private conflict(entity: EntityDef, error: StoreConflictError): DataverseError {
    if (error.columns.length === 1 && error.columns[0] === entity.primaryId) {
      return new DataverseError(
        412,
        DV_ERROR.duplicateRecord,
        `${MATCHING_KEY_EXISTS_MESSAGE} (Cannot insert duplicate key: ${entity.logicalName} ${String(error.values[0])})`,
      );
    }
    const key = entity.alternateKeys.find((k) => k.columns.join() === error.columns.join());
    const values = error.columns.map((c, i) => `${c}:${String(error.values[i])}`).join(', ');
    return new DataverseError(
      412,
      DV_ERROR.duplicateRecordEntityKey,
      `A record that has the attribute values ${values} already exists. The entity key ${key?.name ?? error.columns.join('+')} requires that this set of attributes contains unique values.`,
    );
  }

  /** Creates a row from a Web API body; deep-insert children are created after it. */
  createRow(entity: EntityDef, body: Record<string, unknown>, context: WriteContext = {}, keyValues: Row = {}): Row {
    const deferred: Array<() => void> = [];
    const base: Row = {};
    // URL key values fill the row when the body lacks them (upsert-create).
    for (const [column, value] of Object.entries(keyValues)) base[column] = value;
    const row = this.applyBody(entity, base, body, deferred, context);
    if (!row[entity.primaryId]) row[entity.primaryId] = randomUUID();
    this.applyState(entity, row, body, undefined);
    if (!context.seeding) {
      this.checkQuoteRules(entity, undefined, row, body);
      this.defaultOwningBusinessUnit(entity, row);
      this.fillAutoNumber(entity, row);
    }
    try {
      this.table(entity).insert(row, this.stamp(entity, context.now ?? nowIso()));
    } catch (error) {
      if (error instanceof StoreConflictError) throw this.conflict(entity, error);
      throw error;
    }
    for (const create of deferred) create();
    return row;
  }

  /**
   * Dataverse gives a user-owned row created without an owner the calling user's business unit. The emulator's
   * application user sits in its first business unit (**inferred**; seed rows name their unit explicitly).
   */
  private defaultOwningBusinessUnit(entity: EntityDef, row: Row): void {
    const column = lookupColumn(OWNING_BUSINESS_UNIT);
    if (!entity.lookups.some((l) => l.attribute === OWNING_BUSINESS_UNIT) || row[column]) return;
    const [first] = this.table(ENTITIES_BY_SET.get('businessunits')!).rows();
    if (first) row[column] = first.businessunitid;
  }

  /**
   * The P2C solution numbers accounts and contacts created without a number (`ACC-01000-BVRCPS`). Seeded rows are
   * left as they are, so seeds can hold rows without one. The sequence continues after the highest number of that
   * format in the table, and the suffix is derived from the sequence so a rerun hands out the same numbers.
   */
  private fillAutoNumber(entity: EntityDef, row: Row): void {
    const auto = entity.autoNumber;
    const current = auto && row[auto.column];
    if (!auto || (current !== undefined && current !== null && current !== '')) return;
    const table = this.table(entity);
    let sequence = this.autoNumberSequences.get(entity.entitySet) ?? this.highestAutoNumber(entity);
    for (;;) {
      sequence += 1;
      const suffix = createRng(sequence, `${entity.entitySet}:${auto.prefix}`).upperLetters(AUTO_NUMBER_SUFFIX_LENGTH);
      const candidate = formatAutoNumber(auto.prefix, sequence, suffix);
      // Skip a number a row was given explicitly (seed data, imports).
      if (!table.findByUnique({ [auto.column]: candidate })) {
        this.autoNumberSequences.set(entity.entitySet, sequence);
        row[auto.column] = candidate;
        return;
      }
    }
  }

  /** Highest sequence among the table's numbers of the auto-number format, or the one before the first. */
  private highestAutoNumber(entity: EntityDef): number {
    const auto = entity.autoNumber!;
    const format = new RegExp(
      `^${auto.prefix}-(\\d{${AUTO_NUMBER_SEQUENCE_DIGITS},})-[A-Z]{${AUTO_NUMBER_SUFFIX_LENGTH}}$`,
    );
    let highest = AUTO_NUMBER_START - 1;
    for (const row of this.table(entity).rows()) {
      const match = format.exec(String(row[auto.column] ?? ''));
      if (match) highest = Math.max(highest, Number(match[1]));
    }
    return highest;
  }

  /** Updates a row with a Web API body; key columns named in `keyValues` are left unchanged. */
  updateRow(entity: EntityDef, current: Row, body: Record<string, unknown>, keyValues: Row = {}): Row {
    const filtered: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(body)) {
      if (name in keyValues || name === entity.primaryId) continue;
      filtered[name] = value;
    }
    const deferred: Array<() => void> = [];
    const next = this.applyBody(entity, current, filtered, deferred, {});
    this.applyState(entity, next, filtered, current);
    this.checkQuoteRules(entity, current, next, filtered);
    try {
      this.table(entity).replace(current[entity.primaryId], next, this.stamp(entity, nowIso()));
    } catch (error) {
      if (error instanceof StoreConflictError) throw this.conflict(entity, error);
      throw error;
    }
    for (const create of deferred) create();
    return next;
  }

  /** Deletes a row: parental children go with it, other lookups pointing at it are cleared. */
  deleteRow(entity: EntityDef, row: Row): void {
    this.checkQuoteRules(entity, row, undefined, {});
    const id = String(row[entity.primaryId]);
    for (const collection of COLLECTIONS_BY_SET.get(entity.entitySet)?.values() ?? []) {
      if (!collection.parental) continue;
      const child = this.entity(collection.childSet);
      const children = [...this.table(child).rows()].filter(this.childOf(collection, id));
      for (const childRow of children) this.table(child).delete(childRow[child.primaryId]);
    }
    this.table(entity).delete(id);
    const now = nowIso();
    for (const other of ENTITIES) {
      for (const lookup of other.lookups) {
        if (!Object.values(lookup.navigations).includes(entity.entitySet)) continue;
        const column = lookupColumn(lookup.attribute);
        const table = this.table(other);
        const pointing = [...table.rows()].filter((r) => r[column] === id);
        for (const ref of pointing) {
          const next = { ...ref, [column]: null };
          delete next[targetColumn(lookup.attribute)];
          table.replace(ref[other.primaryId], next, this.stamp(other, now));
        }
      }
    }
  }

  /** Whether a row of the collection's child set belongs to the parent row with primary key `parentId`. */
  childOf(collection: CollectionInfo, parentId: unknown): (row: Row) => boolean {
    const column = lookupColumn(collection.lookup.attribute);
    return (row) => row[column] === parentId && this.lookupTarget(row, collection.lookup) === collection.parentSet;
  }

  /** The entity set a polymorphic (or plain) lookup value of a row points into. */
  lookupTarget(row: Row, lookup: NavigationInfo['lookup']): string | undefined {
    const sets = Object.values(lookup.navigations);
    if (sets.length === 1) return sets[0];
    return row[targetColumn(lookup.attribute)] as string | undefined;
  }

  /**
   * Revision of every table a query over `entity` reads through these `$filter` and `$orderby` paths: its own table
   * and the target of each navigation a path follows. A cached result stays valid while this is unchanged, whatever
   * happens to other tables (a sync writing products does not make an account read re-sort every page).
   */
  revisionFor(entity: EntityDef, paths: string[]): string {
    const { single } = navigationMaps(entity);
    const sets = new Set([entity.entitySet]);
    for (const path of paths) {
      const slash = path.indexOf('/');
      const nav = slash < 0 ? undefined : single.get(path.slice(0, slash));
      if (nav) sets.add(nav.targetSet);
    }
    return [...sets].map((set) => `${set}:${this.store.table(set).revision}`).join(' ');
  }

  /** Follows a single-valued navigation property of a row. */
  follow(row: Row, nav: NavigationInfo): Row | undefined {
    const id = row[lookupColumn(nav.lookup.attribute)];
    if (!id || this.lookupTarget(row, nav.lookup) !== nav.targetSet) return undefined;
    return this.store.table(nav.targetSet).get(id);
  }

  /** Resolves a `$filter` property path (columns, `_x_value`, or `navigation/column`). */
  resolver(entity: EntityDef): (row: Row, path: string) => unknown {
    const { single } = navigationMaps(entity);
    return (row, path) => {
      const slash = path.indexOf('/');
      if (slash < 0) return row[path];
      const nav = single.get(path.slice(0, slash));
      const related = nav ? this.follow(row, nav) : undefined;
      return related?.[path.slice(slash + 1)];
    };
  }

  /** Rejects filter paths that name no column of the entity (or of a navigation target). */
  checkFilterPaths(entity: EntityDef, paths: string[]): void {
    const { single, lookupByColumn } = navigationMaps(entity);
    for (const path of paths) {
      const [head, tail, extra] = path.split('/');
      if (tail === undefined) {
        if (entity.columns[head] || lookupByColumn.has(head)) continue;
        throw badRequest(`Could not find a property named '${head}' on type '${typeName(entity)}'.`);
      }
      const nav = single.get(head);
      const target = nav && ENTITIES_BY_SET.get(nav.targetSet);
      if (!target || extra !== undefined) {
        throw badRequest(`'${path}' is not a navigation path of '${typeName(entity)}' (one level only).`);
      }
      if (!target.columns[tail] && !navigationMaps(target).lookupByColumn.has(tail)) {
        throw badRequest(`Could not find a property named '${tail}' on type '${typeName(target)}'.`);
      }
    }
  }

  servicePathFor(entity: EntityDef, row: Row): string {
    return `${this.servicePath}${entity.entitySet}(${String(row[entity.primaryId])})`;
  }
}
