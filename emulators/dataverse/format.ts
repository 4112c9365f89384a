import { compareValues, evaluateFilter, type ExpandItem } from '../common/odata';
import type { Row } from '../common/store';
import { badRequest } from './errors';
import { COLLECTIONS_BY_SET, ENTITIES_BY_SET, lookupColumn, type EntityDef } from './metadata';
import { etagOf, navigationMaps, typeName, type DataverseModel } from './records';

/**
 * Stored row → Web API JSON (spec/wire-protocols.md §1.3): `@odata.etag`, selected columns, lookups as
 * `_x_value` with their annotations when `Prefer: odata.include-annotations` asks, and `$expand`ed rows.
 */

export const FORMATTED_VALUE = 'OData.Community.Display.V1.FormattedValue';
export const LOOKUP_LOGICAL_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';
export const ASSOCIATED_NAVIGATION = 'Microsoft.Dynamics.CRM.associatednavigationproperty';

export type AnnotationFilter = (annotation: string) => boolean;

export const NO_ANNOTATIONS: AnnotationFilter = () => false;

/** Builds the filter for `odata.include-annotations="*"` or a comma list (entries may end in `.*`). */
export function annotationFilter(value: string | undefined): AnnotationFilter {
  if (value === undefined) return NO_ANNOTATIONS;
  const patterns = value
    .replace(/^"|"$/g, '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (patterns.length === 0) return NO_ANNOTATIONS;
  return (annotation) =>
    patterns.some((p) => {
      if (p.startsWith('-')) return false;
      if (p === '*') return true;
      if (p.endsWith('.*')) return annotation.startsWith(p.slice(0, -1));
      return p === annotation;
    });
}

export interface FormatOptions {
  select?: string[];
  expand?: ExpandItem[];
  annotations: AnnotationFilter;
  caseInsensitive: boolean;
}

const MONEY_FORMAT = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

function formattedValue(entity: EntityDef, column: string, value: unknown): string | undefined {
  const def = entity.columns[column];
  if (!def || value === null || value === undefined) return undefined;
  if (def.options) {
    const key = typeof value === 'boolean' ? Number(value) : Number(value);
    return def.options[key];
  }
  if (def.type === 'money') return MONEY_FORMAT.format(Number(value));
  if (def.type === 'datetime') return new Date(String(value)).toLocaleString('en-US', { timeZone: 'UTC' });
  return undefined;
}

/** Checks `$select` names against the entity; lookups must be selected as `_x_value`. */
export function checkSelect(entity: EntityDef, select: string[] | undefined): void {
  if (!select) return;
  const { lookupByColumn, single } = navigationMaps(entity);
  for (const name of select) {
    if (name === '*' || entity.columns[name] || lookupByColumn.has(name)) continue;
    const hint = single.has(name) ? ` Select the lookup as '${lookupColumn(single.get(name)!.lookup.attribute)}'.` : '';
    throw badRequest(`Could not find a property named '${name}' on type '${typeName(entity)}'.${hint}`);
  }
}

function selectedColumns(entity: EntityDef, select: string[] | undefined): string[] {
  const all = [...Object.keys(entity.columns), ...entity.lookups.map((l) => lookupColumn(l.attribute))];
  if (!select || select.includes('*')) return all;
  return [entity.primaryId, ...select.filter((s) => s !== entity.primaryId)];
}

export function formatRow(model: DataverseModel, entity: EntityDef, row: Row, options: FormatOptions): Row {
  const out: Row = { '@odata.etag': etagOf(row) };
  const { lookupByColumn } = navigationMaps(entity);
  for (const column of selectedColumns(entity, options.select)) {
    const value = row[column] ?? null;
    const lookup = lookupByColumn.get(column);
    if (lookup && value !== null) {
      const targetSet = model.lookupTarget(row, lookup);
      const target = targetSet ? ENTITIES_BY_SET.get(targetSet) : undefined;
      if (target && options.annotations(FORMATTED_VALUE)) {
        const related = model.store.table(target.entitySet).get(value);
        const name = related?.[target.primaryName];
        if (name !== undefined && name !== null) out[`${column}@${FORMATTED_VALUE}`] = name;
      }
      if (target && options.annotations(ASSOCIATED_NAVIGATION)) {
        const navigation = Object.entries(lookup.navigations).find(([, set]) => set === target.entitySet)?.[0];
        out[`${column}@${ASSOCIATED_NAVIGATION}`] = navigation;
      }
      if (target && options.annotations(LOOKUP_LOGICAL_NAME)) {
        out[`${column}@${LOOKUP_LOGICAL_NAME}`] = target.logicalName;
      }
    } else if (!lookup && options.annotations(FORMATTED_VALUE)) {
      const formatted = formattedValue(entity, column, value);
      if (formatted !== undefined) out[`${column}@${FORMATTED_VALUE}`] = formatted;
    }
    out[column] = value;
  }
  for (const item of options.expand ?? []) out[item.path] = expandOne(model, entity, row, item, options);
  return out;
}

function expandOne(model: DataverseModel, entity: EntityDef, row: Row, item: ExpandItem, options: FormatOptions) {
  const nested: FormatOptions = { ...options, select: item.select, expand: undefined };
  const nav = navigationMaps(entity).single.get(item.path);
  if (nav) {
    const target = ENTITIES_BY_SET.get(nav.targetSet)!;
    const related = model.follow(row, nav);
    return related ? formatRow(model, target, related, nested) : null;
  }
  const collection = COLLECTIONS_BY_SET.get(entity.entitySet)!.get(item.path)!;
  const child = ENTITIES_BY_SET.get(collection.childSet)!;
  let children = [...model.table(child).rows()].filter(model.childOf(collection, row[entity.primaryId]));
  if (item.filter) {
    const filter = item.filter;
    const resolve = model.resolver(child);
    children = children.filter((r) => evaluateFilter(filter, r, { caseInsensitive: options.caseInsensitive, resolve }));
  }
  if (item.orderby) {
    const orderby = item.orderby;
    children.sort((a, b) => {
      for (const o of orderby) {
        const order = compareValues(a[o.path], b[o.path]);
        if (order !== 0) return o.descending ? -order : order;
      }
      return 0;
    });
  }
  if (item.top !== undefined) children = children.slice(0, item.top);
  return children.map((r) => formatRow(model, child, r, nested));
}

/** Validates `$expand`: one level, a single-valued or collection-valued navigation, known nested options. */
export function checkExpand(entity: EntityDef, expand: ExpandItem[] | undefined): void {
  for (const item of expand ?? []) {
    const nav = navigationMaps(entity).single.get(item.path);
    const collection = COLLECTIONS_BY_SET.get(entity.entitySet)?.get(item.path);
    if (!nav && !collection) {
      throw badRequest(`Could not find a navigation property named '${item.path}' on type '${typeName(entity)}'.`);
    }
    if (item.expand) throw badRequest(`$expand(${item.path}): nested $expand is not supported by this emulator.`);
    if (item.other.length) throw badRequest(`$expand(${item.path}): option ${item.other.join(', ')} is not supported.`);
    const target = ENTITIES_BY_SET.get(nav ? nav.targetSet : collection!.childSet)!;
    checkSelect(target, item.select);
    if (nav && (item.filter || item.orderby || item.top !== undefined)) {
      throw badRequest(`$expand(${item.path}): $filter, $orderby and $top apply to collection-valued navigation only.`);
    }
  }
}

/** `@odata.context` fragment such as `accounts(name,accountnumber)`. */
export function contextFragment(entity: EntityDef, select: string[] | undefined, expand?: ExpandItem[]): string {
  const parts = [...(select ?? [])];
  for (const item of expand ?? []) parts.push(`${item.path}(${(item.select ?? []).join(',')})`);
  return parts.length ? `${entity.entitySet}(${parts.join(',')})` : entity.entitySet;
}
