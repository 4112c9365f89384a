/**
 * The transform engine: applies a task definition to a page of source rows. Pure and deterministic; a row that
 * cannot be mapped becomes a RowFailure naming the record, the field and the reason, and the page goes on.
 */
import type { BusinessKey, LookupRef, RowFailure, SourceRow, TargetRow } from '../common/types';
import { truncateText } from '../common/text';
import { compilePath, isEmpty, keyIdentity, rowLabel, sameRecord, sourceKeyFrom, type Reader } from './source-key';
import { countryByIso2, findCountry, formatCountry, type Country } from './countries';
import { lineDiscountFromPerUnit, maxRoundingCharge, perUnitDiscount, salesLineAmounts } from './discount';
import { roundAmount } from './money';
import { fieldLimit } from './field-limits';
import type { LookupIndex, LookupRequest } from './lookup-index';
import { andFilters, matchesFilter, parseFilter, type FilterExpr } from './odata-filter';
import type { FieldMapEntry, Step, TaskDefinition, ValueMapEntry } from './schema';
import { invertValueMapEntries, mergeValueMapEntries, NAMED_VALUE_MAPS, valueMapKey } from './value-maps';

export interface Partition {
  dataAreaId: string;
  businessUnit: string;
}

/** Named value-map entries that extend or replace the template's (same shape as a project's `valueMaps`). */
export type ValueMapOverrides = Record<string, ValueMapEntry[]>;

export interface TransformContext {
  partition: Partition;
  valueMaps?: ValueMapOverrides;
  lookups: LookupIndex;
}

export interface TransformResult {
  rows: TargetRow[];
  errors: RowFailure[];
  /** Rows dropped by the task filter or partition (not errors: they are not meant for this task). */
  filtered: number;
  /**
   * Notes on rows that mapped anyway: truncated free text (`value-truncated`), a defaulted blank country
   * (`country-defaulted`), an optional lookup left empty.
   */
  warnings: RowFailure[];
}

const PRICE_LIST_ITEMS = 'productpricelevels';
const PRICE_LISTS = 'pricelevels';
const PRICE_LIST_CURRENCY = 'transactioncurrencyid.isocurrencycode';
const ACTIVE_PRICE_LISTS = 'statecode eq 0';
/**
 * Appended to a product's source key for its price-list entry: writers keep one outcome per source key, and
 * the two rows of a product must not share one. `baseSourceKey()` strips it again (e.g. to re-read the source).
 */
export const PRICE_LIST_KEY_SUFFIX = '/price-list';

export function baseSourceKey(sourceKey: string): string {
  return sourceKey.endsWith(PRICE_LIST_KEY_SUFFIX) ? sourceKey.slice(0, -PRICE_LIST_KEY_SUFFIX.length) : sourceKey;
}

class MappingIssue extends Error {
  constructor(
    readonly field: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

interface RowState {
  task: TaskDefinition;
  sourceKey: string;
  partition: Partition;
  lookups: LookupIndex;
  warnings: RowFailure[];
}

type StepFn = (value: unknown, row: SourceRow, state: RowState) => unknown;

interface CompiledEntry {
  entry: FieldMapEntry;
  /** Named in failures: the source column to fix. */
  field: string;
  read: Reader;
  steps: StepFn[];
  limit?: { max: number; overflow: 'reject' | 'truncate' };
  /** Source row → mapped, typed, length-checked value; null when empty. */
  value: (row: SourceRow, state: RowState) => unknown;
  /** What an empty value writes; undefined leaves the column out. */
  emptyValue: '' | null | undefined;
}

interface CompiledTask {
  keyReaders: Reader[];
  readId?: Reader;
  filter?: FilterExpr;
  entries: CompiledEntry[];
  /** The entry writing each target key field, in `target.keyFields` order; none for F&O's dataAreaId. */
  keyEntries: Array<CompiledEntry | undefined>;
  checks: Array<{
    read: Reader;
    path: string;
    equals?: unknown;
    notEmpty?: true;
    code: string;
    message: string;
    field: string;
  }>;
  partitionFilters: Map<string, FilterExpr | undefined>;
}

function compileReader(entry: FieldMapEntry, fnoSource: boolean): Reader {
  if (entry.concat) {
    const readers = entry.concat.sources.map((p) => compilePath(p, fnoSource));
    const separator = entry.concat.separator;
    return (row) => {
      const parts: string[] = [];
      for (const read of readers) {
        const value = read(row);
        if (!isEmpty(value)) parts.push(String(value));
      }
      return parts.length ? parts.join(separator) : null;
    };
  }
  if (entry.source === undefined) return () => undefined;
  const readers = (Array.isArray(entry.source) ? entry.source : [entry.source]).map((p) => compilePath(p, fnoSource));
  if (readers.length === 1) return readers[0];
  return (row) => {
    for (const read of readers) {
      const value = read(row);
      if (!isEmpty(value)) return value;
    }
    return null;
  };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function toNumber(value: unknown, field: string, what: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(number))
    throw new MappingIssue(field, 'invalid-value', `${what} ${describe(value)} is not a number`);
  return number;
}

function valueMapEntries(step: Extract<Step, { type: 'valueMap' }>, overrides?: ValueMapOverrides): ValueMapEntry[] {
  if (!step.map) return step.entries ?? [];
  const named = NAMED_VALUE_MAPS[step.map];
  if (!named && !overrides?.[step.map]) throw new Error(`unknown value map "${step.map}"`);
  const merged = mergeValueMapEntries(named, overrides?.[step.map]);
  // Inline entries of a step win over the named map: they are the task's own exceptions.
  return mergeValueMapEntries(step.inverse ? invertValueMapEntries(merged) : merged, step.entries);
}

/** The source column a failure names: explicit, else the root of the first source path, else the target. */
function failureField(entry: FieldMapEntry): string {
  if (entry.sourceField) return entry.sourceField;
  const first = entry.concat?.sources[0] ?? (Array.isArray(entry.source) ? entry.source[0] : entry.source);
  return first ? first.split('.')[0] : entry.target;
}

const rootOf = (path: string): string => path.split('.')[0];

function compileStep(step: Step, entry: FieldMapEntry, overrides: ValueMapOverrides | undefined, fno: boolean): StepFn {
  const field = failureField(entry);
  switch (step.type) {
    case 'default':
      return (value) => (isEmpty(value) ? step.value : value);
    case 'constant':
      return () => step.value;
    case 'valueMap': {
      const table = new Map<string, unknown>();
      for (const { from, to } of valueMapEntries(step, overrides)) table.set(valueMapKey(from), to);
      const mapName = step.map ? `value map "${step.map}"` : `the value map of ${entry.target}`;
      const fix = step.map
        ? `add an entry to valueMaps.${step.map} in the project file`
        : 'add an entry to its valueMap';
      // A field whose empties are not written keeps the target's value: a blank entry (e.g. '' → Unknown) is
      // what clearing the field writes, not what an empty source means here.
      const omitEmpty = entry.whenEmpty === 'omit';
      return (value) => {
        if (omitEmpty && isEmpty(value)) return value;
        const key = valueMapKey(value);
        if (table.has(key)) return table.get(key);
        if (isEmpty(value)) return value;
        if (step.onMissing === 'keep') return value;
        if (step.onMissing === 'fallback') return step.fallback;
        throw new MappingIssue(field, step.code, `${describe(value)} has no entry in ${mapName}; ${fix}`);
      };
    }
    case 'country': {
      const aliases = new Map<string, Country>();
      for (const { from, to } of mergeValueMapEntries(NAMED_VALUE_MAPS.countries, overrides?.countries, step.aliases)) {
        const country = typeof to === 'string' ? countryByIso2(to) : undefined;
        if (!country) throw new Error(`valueMaps.countries: "${String(to)}" is not a known ISO alpha-2 code`);
        aliases.set(valueMapKey(from), country);
      }
      const blank = step.blank === null ? undefined : countryByIso2(step.blank);
      if (step.blank !== null && !blank) throw new Error(`${field}: blank country "${step.blank}" is not an ISO code`);
      return (value, _row, state) => {
        if (isEmpty(value)) {
          if (!blank) return null;
          state.warnings.push({
            task: state.task.name,
            sourceKey: state.sourceKey,
            field,
            code: 'country-defaulted',
            message: `${state.task.title} ${state.sourceKey}, ${field}: blank country/region, ${entry.target} set to ${blank.iso2}`,
          });
          return formatCountry(blank, step.output);
        }
        const text = String(value);
        const country = aliases.get(valueMapKey(text)) ?? findCountry(text);
        if (!country) {
          throw new MappingIssue(
            field,
            'unmapped-country',
            `country/region ${describe(text)} is not a known country name or ISO code; add it to valueMaps.countries`,
          );
        }
        return formatCountry(country, step.output);
      };
    }
    case 'split':
      return (value) => {
        if (isEmpty(value)) return value;
        const parts = String(value).split(step.separator);
        const picked = step.rest ? parts.slice(step.index).join(step.separator) : parts[step.index];
        return picked === undefined || picked === '' ? null : picked;
      };
    case 'round':
      return (value) => (isEmpty(value) ? value : roundAmount(toNumber(value, field, 'value'), step.decimals));
    case 'company':
      return (_value, _row, state) => state.partition.dataAreaId;
    case 'businessUnit':
      return (_value, _row, state) => state.partition.businessUnit;
    case 'perUnitDiscount': {
      const readQuantity = compilePath(step.quantity, fno);
      const readPrice = step.price ? compilePath(step.price, fno) : undefined;
      return (value, row) => {
        const discount = isEmpty(value) ? 0 : toNumber(value, field, 'line discount');
        const quantity = toNumber(readQuantity(row), rootOf(step.quantity), 'quantity');
        const rawPrice = readPrice?.(row);
        const price = isEmpty(rawPrice) ? undefined : toNumber(rawPrice, rootOf(step.price!), 'unit price');
        try {
          return perUnitDiscount(discount, quantity, step.decimals, price)[step.part];
        } catch (error) {
          throw new MappingIssue(field, 'invalid-value', (error as Error).message);
        }
      };
    }
    case 'lineDiscount': {
      const readQuantity = compilePath(step.quantity, fno);
      const readCharge = compilePath(step.charge, fno);
      const readPrice = step.price ? compilePath(step.price, fno) : undefined;
      return (value, row) => {
        const perUnit = isEmpty(value) ? 0 : toNumber(value, field, 'per-unit discount');
        const quantity = toNumber(readQuantity(row), rootOf(step.quantity), 'quantity');
        const rawCharge = readCharge(row);
        const charge = isEmpty(rawCharge) ? 0 : toNumber(rawCharge, rootOf(step.charge), 'charge');
        const rawPrice = readPrice?.(row);
        const price = isEmpty(rawPrice) ? undefined : toNumber(rawPrice, rootOf(step.price!), 'unit price');
        // Only a charge small enough to come from rounding belongs to the discount; freight and fees do not.
        const maxRounding = maxRoundingCharge(quantity, step.decimals, price !== undefined);
        const rounding = Math.abs(charge) <= maxRounding ? charge : 0;
        return lineDiscountFromPerUnit(perUnit, quantity, rounding, step.decimals, price);
      };
    }
    case 'salesLineAmount': {
      const readQuantity = compilePath(step.quantity, fno);
      const readPrice = compilePath(step.price, fno);
      const readCharge = compilePath(step.charge, fno);
      return (value, row) => {
        const lineAmount = isEmpty(value) ? 0 : toNumber(value, field, 'line amount');
        const quantity = toNumber(readQuantity(row), rootOf(step.quantity), 'quantity');
        const rawPrice = readPrice(row);
        const price = isEmpty(rawPrice) ? 0 : toNumber(rawPrice, rootOf(step.price), 'unit price');
        const rawCharge = readCharge(row);
        const charge = isEmpty(rawCharge) ? 0 : toNumber(rawCharge, rootOf(step.charge), 'charge');
        const rounding = Math.abs(charge) <= maxRoundingCharge(quantity, step.decimals, true) ? charge : 0;
        return salesLineAmounts(lineAmount, quantity, price, rounding, step.decimals)[step.part];
      };
    }
  }
}

const compiledCache = new WeakMap<TaskDefinition, Map<ValueMapOverrides | undefined, CompiledTask>>();

function compile(task: TaskDefinition, overrides: ValueMapOverrides | undefined): CompiledTask {
  let byOverrides = compiledCache.get(task);
  if (!byOverrides) {
    byOverrides = new Map();
    compiledCache.set(task, byOverrides);
  }
  const cached = byOverrides.get(overrides);
  if (cached) return cached;

  const fno = task.source.system === 'fno';
  const compiled: CompiledTask = {
    keyReaders: task.source.keyFields.map((p) => compilePath(p, fno)),
    readId: task.source.idField ? compilePath(task.source.idField, fno) : undefined,
    filter: task.source.filter ? parseFilter(task.source.filter) : undefined,
    entries: task.fieldMap.map((entry) => {
      const limitFromTable = fieldLimit(task.target.entitySet, entry.target);
      const max = entry.maxLength ?? limitFromTable?.max;
      const overflow = entry.overflow ?? limitFromTable?.overflow ?? 'reject';
      const fnoTarget = task.target.system === 'fno';
      const ce: CompiledEntry = {
        entry,
        field: failureField(entry),
        read: compileReader(entry, fno),
        steps: entry.steps.map((step) => compileStep(step, entry, overrides, fno)),
        limit: max === undefined ? undefined : { max, overflow },
        value: () => null,
        emptyValue: emptyValueOf(entry, fnoTarget),
      };
      ce.value = compileValue(ce, fnoTarget);
      return ce;
    }),
    keyEntries: [],
    checks: task.checks.map((check) => ({
      ...check,
      field: check.field ?? rootOf(check.path),
      read: compilePath(check.path, fno),
    })),
    partitionFilters: new Map(),
  };
  compiled.keyEntries = task.target.keyFields.map((field) => compiled.entries.find((ce) => ce.entry.target === field));
  byOverrides.set(overrides, compiled);
  return compiled;
}

const escapeLiteral = (value: string): string => value.replace(/'/g, "''");

/** The task's partition filter with the partition's values filled in (e.g. `dataAreaId eq 'usmf'`). */
export function partitionFilterOf(task: TaskDefinition, partition: Partition): string | undefined {
  return task.source.partitionFilter
    ?.replace(/\{dataAreaId\}/g, escapeLiteral(partition.dataAreaId))
    .replace(/\{businessUnit\}/g, escapeLiteral(partition.businessUnit));
}

function partitionExpr(compiled: CompiledTask, task: TaskDefinition, partition: Partition): FilterExpr | undefined {
  const id = `${partition.dataAreaId}\u0000${partition.businessUnit}`;
  if (!compiled.partitionFilters.has(id)) {
    const text = partitionFilterOf(task, partition);
    compiled.partitionFilters.set(id, text ? parseFilter(text) : undefined);
  }
  return compiled.partitionFilters.get(id);
}

/** Query options a connector sends for this task and partition. */
export function sourceQuery(
  task: TaskDefinition,
  partition: Partition,
): { select?: string; expand?: string; filter?: string; orderBy?: string } {
  return {
    select: task.source.select?.join(','),
    expand: task.source.expand?.map((e) => `${e.navigation}($select=${e.select.join(',')})`).join(','),
    filter: andFilters(task.source.filter, partitionFilterOf(task, partition)),
    orderBy: task.source.orderBy,
  };
}

function coerce(ce: CompiledEntry, value: unknown, fnoTarget: boolean): unknown {
  const { entry, field } = ce;
  switch (entry.type) {
    case 'any':
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new MappingIssue(field, 'invalid-value', `expected text, got ${describe(value)}`);
    case 'number':
      return toNumber(value, field, 'value');
    case 'integer': {
      const number = toNumber(value, field, 'value');
      if (!Number.isInteger(number)) throw new MappingIssue(field, 'invalid-value', `${number} is not a whole number`);
      return number;
    }
    case 'boolean':
    case 'noYes': {
      const text = String(value).toLowerCase();
      const flag = value === true || text === 'yes' || text === 'true' || text === '1';
      if (!flag && value !== false && text !== 'no' && text !== 'false' && text !== '0') {
        throw new MappingIssue(field, 'invalid-value', `expected Yes/No or true/false, got ${describe(value)}`);
      }
      return entry.type === 'noYes' ? (flag ? 'Yes' : 'No') : flag;
    }
    case 'date': {
      const text = typeof value === 'string' ? value : '';
      const day = /^(\d{4}-\d{2}-\d{2})/.exec(text)?.[1];
      if (!day || Number.isNaN(Date.parse(day))) {
        throw new MappingIssue(field, 'invalid-value', `expected an ISO date, got ${describe(value)}`);
      }
      return fnoTarget ? `${day}T00:00:00Z` : day;
    }
  }
}

function checkLength(ce: CompiledEntry, value: string, state: RowState): string {
  const limit = ce.limit;
  if (!limit || value.length <= limit.max) return value;
  const where = `${state.task.target.entitySet}.${ce.entry.target}`;
  if (limit.overflow === 'reject') {
    throw new MappingIssue(
      ce.field,
      'value-too-long',
      `value is ${value.length} characters; ${where} allows ${limit.max}. Shorten it in the source`,
    );
  }
  const cut = truncateText(value, limit.max);
  state.warnings.push({
    task: state.task.name,
    sourceKey: state.sourceKey,
    field: ce.field,
    code: 'value-truncated',
    message: `${state.task.title} ${state.sourceKey}, ${ce.field}: truncated from ${value.length} to ${cut.length} characters (${where} limit)`,
  });
  return cut;
}

/** F&O stores blank text as ''; other blank F&O values are left to the entity's defaults; lookups are omitted. */
function emptyValueOf(entry: FieldMapEntry, fnoTarget: boolean): '' | null | undefined {
  if (entry.lookup || entry.whenEmpty === 'omit') return undefined;
  if (!fnoTarget) return null;
  return entry.type === 'string' ? '' : undefined;
}

/** The value function of an entry; plain text columns (most of any map) get a shorter path. */
function compileValue(ce: CompiledEntry, fnoTarget: boolean): CompiledEntry['value'] {
  const { read, steps } = ce;
  if (steps.length === 0 && ce.entry.type === 'string' && !ce.entry.required) {
    const max = ce.limit?.max ?? Infinity;
    return (row, state) => {
      const value = read(row);
      if (typeof value !== 'string' || isEmpty(value)) return finishValue(ce, value, state, fnoTarget);
      return value.length > max ? checkLength(ce, value, state) : value;
    };
  }
  return (row, state) => {
    let value = read(row);
    for (let i = 0; i < steps.length; i += 1) value = steps[i](value, row, state);
    return finishValue(ce, value, state, fnoTarget);
  };
}

/** Mapped value → typed, length-checked value (before lookup resolution); null = empty. */
function finishValue(ce: CompiledEntry, value: unknown, state: RowState, fnoTarget: boolean): unknown {
  if (isEmpty(value)) {
    if (ce.entry.required) {
      const from = ce.entry.concat?.sources ?? ce.entry.source;
      throw new MappingIssue(
        ce.field,
        ce.entry.code,
        `${ce.entry.target} is required but ${from ? `the source (${[from].flat().join(' / ')}) is` : 'it is'} empty`,
      );
    }
    return null;
  }
  const typed = coerce(ce, value, fnoTarget);
  return typeof typed === 'string' ? checkLength(ce, typed, state) : typed;
}

function resolveLookup(
  ce: CompiledEntry,
  value: string,
  state: RowState,
): { entitySet: string; keyField: string; navigation: string } | undefined {
  const lookup = ce.entry.lookup!;
  for (const candidate of lookup.candidates) {
    if (state.lookups.has(candidate.entitySet, candidate.keyField, value)) {
      return {
        entitySet: candidate.entitySet,
        keyField: candidate.keyField,
        navigation: candidate.navigation ?? ce.entry.target,
      };
    }
  }
  const tried = lookup.candidates.map((c) => `${c.entitySet}(${c.keyField})`).join(' or ');
  const companySpecific = state.task.target.system === 'fno' && lookup.candidates.some((c) => !c.shared);
  const scope = companySpecific ? ` in company ${state.partition.dataAreaId}` : '';
  const reason = `${ce.entry.target}: ${describe(value)} not found in ${tried}${scope}; ${lookup.hint}`;
  if (!lookup.optional) throw new MappingIssue(ce.field, lookup.code, reason);
  state.warnings.push({
    task: state.task.name,
    sourceKey: state.sourceKey,
    field: ce.field,
    code: lookup.code,
    message: `${state.task.title} ${state.sourceKey}, ${ce.field}: left empty, ${reason}`,
  });
  return undefined;
}

/** The failure code of a row whose business key is empty: it cannot be matched in the target, nor read by key. */
export const MISSING_BUSINESS_KEY = 'missing-business-key';

/** Maps one row to its target row (and a product's price-list entry); throws MappingIssue for a bad row. */
function mapRow(
  task: TaskDefinition,
  compiled: CompiledTask,
  row: SourceRow,
  state: RowState,
): { main: TargetRow; priceListRow?: TargetRow } {
  const fnoTarget = task.target.system === 'fno';
  for (let index = 0; index < compiled.keyReaders.length; index += 1) {
    if (isEmpty(compiled.keyReaders[index](row))) {
      const keyField = task.source.keyFields[index];
      throw new MappingIssue(
        rootOf(keyField),
        MISSING_BUSINESS_KEY,
        `business key ${keyField} is empty; the row cannot be matched in the target`,
      );
    }
  }
  for (const check of compiled.checks) {
    const actual = check.read(row);
    const ok = check.notEmpty ? !isEmpty(actual) : valueMapKey(actual) === valueMapKey(check.equals);
    if (!ok) {
      throw new MappingIssue(
        check.field,
        check.code,
        `${check.message} (${check.path} is ${describe(actual ?? null)})`,
      );
    }
  }

  const fields: Record<string, unknown> = fnoTarget ? { dataAreaId: state.partition.dataAreaId } : {};
  let lookups: Record<string, LookupRef> | undefined;
  const entries = compiled.entries;
  for (let i = 0; i < entries.length; i += 1) {
    const ce = entries[i];
    const value = ce.value(row, state);
    if (value === null) {
      if (ce.emptyValue !== undefined) fields[ce.entry.target] = ce.emptyValue;
      continue;
    }
    if (!ce.entry.lookup) {
      fields[ce.entry.target] = value;
      continue;
    }
    const keyValue = value as string | number | boolean;
    const resolved = resolveLookup(ce, String(keyValue), state);
    if (!resolved) continue;
    if (fnoTarget) fields[ce.entry.target] = keyValue;
    else
      (lookups ??= {})[resolved.navigation] = { entitySet: resolved.entitySet, key: { [resolved.keyField]: keyValue } };
  }

  const key: BusinessKey = {};
  for (const keyField of task.target.keyFields) key[keyField] = fields[keyField] as BusinessKey[string];
  const main: TargetRow = { sourceKey: state.sourceKey, entitySet: task.target.entitySet, key, fields };
  if (lookups) main.lookups = lookups;
  // Built before anything is emitted, so a product without a price list yields neither row.
  const priceListRow = task.priceListEntry ? priceListItem(task, compiled, row, main, state) : undefined;
  return { main, priceListRow };
}

/** A row's target key as the target compares it; undefined when a part is empty (such a row fails on its own). */
function targetKeyIdentity(task: TaskDefinition, key: BusinessKey): string | undefined {
  const fields = task.target.keyFields;
  return fields.some((field) => isEmpty(key[field])) ? undefined : keyIdentity(fields, (field) => key[field]);
}

/** The target key of a row that failed to map, from the key entries alone; undefined when they fail too. */
function targetKeyOf(task: TaskDefinition, compiled: CompiledTask, row: SourceRow, state: RowState) {
  const key: BusinessKey = {};
  for (let index = 0; index < task.target.keyFields.length; index += 1) {
    const field = task.target.keyFields[index];
    const ce = compiled.keyEntries[index];
    let value: unknown;
    if (!ce) value = task.target.system === 'fno' && field === 'dataAreaId' ? state.partition.dataAreaId : undefined;
    else {
      try {
        value = ce.value(row, state);
      } catch (error) {
        if (!(error instanceof MappingIssue)) throw error;
        return undefined;
      }
    }
    if (isEmpty(value)) return undefined;
    key[field] = value as BusinessKey[string];
  }
  return key;
}

const DUPLICATE_KEY = 'duplicate-business-key';

/** The first row of a page with a given target key: later rows of other records with that key are duplicates. */
interface KeyHolder {
  row: SourceRow;
  sourceKey: string;
  key: BusinessKey;
  written: boolean;
  /** What the row added to the result: its rows, warnings or failure. */
  outputs: object[];
}

/**
 * Two source records with one target key (spec §6.2, §8: non-unique account numbers are unsupported) would be
 * written over each other, the last one winning. The later row fails instead, naming the earlier one.
 */
function duplicateKey(
  task: TaskDefinition,
  compiled: CompiledTask,
  row: SourceRow,
  state: RowState,
  key: BusinessKey,
  holder: KeyHolder,
): MappingIssue {
  const sourceKeyFields = task.source.keyFields;
  const field = rootOf(sourceKeyFields[sourceKeyFields.length - 1]);
  const keyText = task.target.keyFields
    .filter((name) => !(task.target.system === 'fno' && name === 'dataAreaId'))
    .map((name) => `${name} ${describe(key[name])}`)
    .join(', ');
  const sameCase = canonicalKey(task, key) === canonicalKey(task, holder.key);
  const targetSystem = task.target.system === 'fno' ? 'F&O' : 'Dataverse';
  const sourceSystem = task.source.system === 'fno' ? 'F&O' : 'Sales';
  const thisRow = rowLabel(task, compiled, row, state.sourceKey);
  const first = rowLabel(task, compiled, holder.row, holder.sourceKey);
  return new MappingIssue(
    field,
    DUPLICATE_KEY,
    `duplicate business key: ${thisRow === state.sourceKey ? 'this row' : `this row, ${thisRow},`} has the same ` +
      `${task.target.entitySet} key (${keyText}) as ${first}, read before it` +
      `${sameCase ? '' : ` (${targetSystem} compares keys ignoring case)`}. ` +
      `${holder.written ? `Only ${first} is written` : 'Neither row is written'}; make ${field} unique in ${sourceSystem}`,
  );
}

const canonicalKey = (task: TaskDefinition, key: BusinessKey): string =>
  JSON.stringify(task.target.keyFields.map((field) => key[field]));

/** The products template's price-list entry: the product, at its F&O sales price, in a list of its currency. */
function priceListItem(
  task: TaskDefinition,
  compiled: CompiledTask,
  row: SourceRow,
  product: TargetRow,
  state: RowState,
): TargetRow {
  const config = task.priceListEntry!;
  const currencyField = compiled.entries.find((ce) => ce.entry.target === 'transactioncurrencyid')?.field ?? 'currency';
  const currency = product.lookups?.transactioncurrencyid?.key.isocurrencycode;
  const unit = product.lookups?.defaultuomid;
  if (currency === undefined || !unit) {
    throw new MappingIssue('productpricelevels', 'missing-value', 'a price-list entry needs the currency and the unit');
  }
  let priceList = product.lookups?.pricelevelid?.key.name as string | undefined;
  if (priceList === undefined) {
    priceList = state.lookups.first(PRICE_LISTS, PRICE_LIST_CURRENCY, String(currency), 'name');
    if (priceList === undefined) {
      throw new MappingIssue(
        currencyField,
        'missing-price-list',
        `no active price list in currency ${describe(currency)}; create one in Sales or map pricelevelid in the project`,
      );
    }
  }
  const amount = compilePath(config.amount, true)(row);
  const productKey = product.key;
  const [productField] = Object.keys(productKey);
  return {
    sourceKey: state.sourceKey + PRICE_LIST_KEY_SUFFIX,
    entitySet: PRICE_LIST_ITEMS,
    key: {
      'pricelevelid.name': priceList,
      [`productid.${productField}`]: productKey[productField],
      'uomid.name': unit.key.name,
    },
    fields: {
      amount: isEmpty(amount) ? 0 : toNumber(amount, config.amount, 'price'),
      pricingmethodcode: config.pricingMethodCode,
    },
    lookups: {
      pricelevelid: { entitySet: PRICE_LISTS, key: { name: priceList } },
      productid: { entitySet: task.target.entitySet, key: productKey },
      uomid: unit,
    },
  };
}

function failure(task: TaskDefinition, sourceKey: string, issue: MappingIssue): RowFailure {
  return {
    task: task.name,
    sourceKey,
    field: issue.field,
    code: issue.code,
    message: `${task.title} ${sourceKey}, ${issue.field}: ${issue.reason}`,
  };
}

function accepts(compiled: CompiledTask, partitionExpression: FilterExpr | undefined, row: SourceRow, fno: boolean) {
  if (compiled.filter && !matchesFilter(compiled.filter, row, fno)) return false;
  return !partitionExpression || matchesFilter(partitionExpression, row, fno);
}

/**
 * Why mapping one row fails, as the reason alone (a row failure's message puts the task, row and field before it);
 * undefined when the row maps. The row is mapped whatever the task's filters say.
 */
export function mappingProblem(task: TaskDefinition, row: SourceRow, context: TransformContext): string | undefined {
  const compiled = compile(task, context.valueMaps);
  const state: RowState = {
    task,
    sourceKey: sourceKeyFrom(compiled, row),
    partition: context.partition,
    lookups: context.lookups,
    warnings: [],
  };
  try {
    mapRow(task, compiled, row, state);
    return undefined;
  } catch (error) {
    if (!(error instanceof MappingIssue)) throw error;
    return error.reason;
  }
}

/**
 * Maps a page of source rows. Rows outside the task's filter or partition are counted in `filtered`; rows that
 * cannot be mapped become `errors`; nothing throws for bad data. For the products task each product also yields a
 * `productpricelevels` row; those come after all product rows (write the rows in order).
 */
export function transform(task: TaskDefinition, rows: SourceRow[], context: TransformContext): TransformResult {
  const compiled = compile(task, context.valueMaps);
  const fno = task.source.system === 'fno';
  const partitionExpression = partitionExpr(compiled, task, context.partition);
  const result: TransformResult = { rows: [], errors: [], filtered: 0, warnings: [] };
  // Secondary rows (price-list entries) follow all primary rows, so a writer going in order meets the rows they
  // reference first.
  const secondary: TargetRow[] = [];
  // One state for the page; a row's warnings count only once the row has mapped.
  const state: RowState = { task, sourceKey: '', partition: context.partition, lookups: context.lookups, warnings: [] };
  // Target key → the page's first row with it. A row that failed holds its key too, so that a later row of another
  // record is not written in its place.
  const holders = new Map<string, KeyHolder>();
  for (const row of rows) {
    if (!accepts(compiled, partitionExpression, row, fno)) {
      result.filtered += 1;
      continue;
    }
    state.sourceKey = sourceKeyFrom(compiled, row);
    if (state.warnings.length > 0) state.warnings = [];
    let mapped: ReturnType<typeof mapRow> | undefined;
    let issue: MappingIssue | undefined;
    try {
      mapped = mapRow(task, compiled, row, state);
    } catch (error) {
      if (!(error instanceof MappingIssue)) throw error;
      issue = error;
    }
    const key = mapped ? mapped.main.key : targetKeyOf(task, compiled, row, state);
    const identity = key && targetKeyIdentity(task, key);
    let holder = identity === undefined ? undefined : holders.get(identity);
    if (holder && sameRecord(compiled, holder.row, row)) {
      // One record read twice (a query paged while it changed): the later copy replaces the earlier.
      withdraw(result, secondary, holder);
      holder = undefined;
    }
    if (holder && mapped) issue = duplicateKey(task, compiled, row, state, mapped.main.key, holder);

    const outputs: object[] = [];
    if (issue) {
      const rowFailure = failure(task, state.sourceKey, issue);
      outputs.push(rowFailure);
      result.errors.push(rowFailure);
    } else if (mapped) {
      outputs.push(mapped.main);
      result.rows.push(mapped.main);
      if (mapped.priceListRow) {
        outputs.push(mapped.priceListRow);
        secondary.push(mapped.priceListRow);
      }
      for (const warning of state.warnings) {
        outputs.push(warning);
        result.warnings.push(warning);
      }
    }
    if (!holder && key && identity !== undefined) {
      holders.set(identity, { row, sourceKey: state.sourceKey, key, written: !issue, outputs });
    }
  }
  for (const target of secondary) result.rows.push(target);
  return result;
}

/** Takes back what a row added to the result. Rare (a record read twice), so a scan is fine. */
function withdraw(result: TransformResult, secondary: TargetRow[], holder: KeyHolder): void {
  const outputs = new Set(holder.outputs);
  const keep = <T extends object>(list: T[]): T[] => list.filter((item) => !outputs.has(item));
  result.rows = keep(result.rows);
  result.errors = keep(result.errors);
  result.warnings = keep(result.warnings);
  secondary.splice(0, secondary.length, ...keep(secondary));
}

/**
 * What the activity must fetch from the target system before `transform` can resolve this page's lookups: one
 * request per entity set and key field with the distinct values, sorted. F&O requests are per partition.
 */
export function requiredLookups(
  task: TaskDefinition,
  rows: SourceRow[],
  partition: Partition,
  valueMaps?: ValueMapOverrides,
): LookupRequest[] {
  const compiled = compile(task, valueMaps);
  const fno = task.source.system === 'fno';
  const partitionExpression = partitionExpr(compiled, task, partition);
  const wanted = new Map<string, LookupRequest & { set: Set<string> }>();
  const want = (entitySet: string, keyField: string, value: string, extra?: Partial<LookupRequest>): void => {
    const id = `${entitySet}\u0000${keyField}`;
    let request = wanted.get(id);
    if (!request) {
      request = { entitySet, keyField, values: [], set: new Set(), ...extra };
      wanted.set(id, request);
    }
    request.set.add(value);
  };
  const lookupEntries = compiled.entries.filter((ce) => ce.entry.lookup);
  const currencyEntry = compiled.entries.find((ce) => ce.entry.target === 'transactioncurrencyid');

  for (const row of rows) {
    if (!accepts(compiled, partitionExpression, row, fno)) continue;
    const state: RowState = { task, sourceKey: '', partition, lookups: NO_LOOKUPS, warnings: [] };
    for (const ce of lookupEntries) {
      try {
        const value = ce.value(row, state);
        if (value === null) continue;
        for (const c of ce.entry.lookup!.candidates) {
          want(c.entitySet, c.keyField, String(value), c.shared ? { companySpecific: false } : undefined);
        }
      } catch (error) {
        if (!(error instanceof MappingIssue)) throw error;
      }
    }
    if (task.priceListEntry && currencyEntry) {
      try {
        const currency = currencyEntry.value(row, state);
        if (currency !== null) {
          want(PRICE_LISTS, PRICE_LIST_CURRENCY, String(currency), { returnField: 'name', filter: ACTIVE_PRICE_LISTS });
        }
      } catch (error) {
        if (!(error instanceof MappingIssue)) throw error;
      }
    }
  }
  return [...wanted.values()]
    .map(({ set, ...request }) => ({ ...request, values: [...set].sort() }))
    .sort((a, b) => (a.entitySet + a.keyField < b.entitySet + b.keyField ? -1 : 1));
}

const NO_LOOKUPS: LookupIndex = { has: () => false, first: () => undefined };
