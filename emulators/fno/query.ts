/**
 * F&O flavour of OData queries on top of the shared parser: which filter features F&O refuses (`in`, `has`,
 * string functions, navigation paths), enum literals (`Microsoft.Dynamics.DataEntities.NoYes'Yes'`, eq/ne only),
 * `*` wildcards inside `eq` strings, one-level `$expand`, and key predicates that must name every key field.
 */
import {
  evaluateFilter,
  filterFeatures,
  parseKeySegment,
  type EvaluateOptions,
  type ComparisonOperator,
  type ExpandItem,
  type FilterAst,
  type OrderByItem,
  type QueryOptions,
  type ValueNode,
} from '../common/odata';
import { ENTITY_NAMESPACE, ENUMS } from './entities';
import { formatDateTime, type EntityRuntime, type FnoEngine } from './engine';
import { FnoError } from './errors';
import type { FieldType, Row } from './model';

const REFUSED_FEATURES: Record<string, string> = {
  in: "The 'in' operator is not supported; combine 'eq' comparisons with 'or'.",
  has: "The 'has' operator is not supported.",
  navigation: 'Filtering on navigation properties is not supported.',
};
const SUPPORTED_OPTIONS_IN_EXPAND = new Set(['$select', '$filter', '$orderby', '$top']);

const typeLabel = (type: FieldType): string =>
  type.kind === 'enum'
    ? `${ENTITY_NAMESPACE}.${type.enumType}`
    : { string: 'Edm.String', int: 'Edm.Int32', decimal: 'Edm.Decimal', datetime: 'Edm.DateTimeOffset' }[type.kind];

/** Checks a parsed `$filter` against the entity: known fields, F&O-supported features, enum and type rules. */
export function validateFilter(entity: EntityRuntime, ast: FilterAst): void {
  for (const feature of filterFeatures(ast)) {
    if (REFUSED_FEATURES[feature]) throw new FnoError('request', REFUSED_FEATURES[feature]);
    if (feature.startsWith('function:')) {
      throw new FnoError(
        'request',
        `The function '${feature.slice('function:'.length)}' is not supported; use a wildcard inside eq, e.g. Name eq '*text*'.`,
      );
    }
  }
  const typeOf = (node: ValueNode): FieldType | undefined => {
    if (node.kind !== 'property') return undefined;
    const type = entity.fieldTypes.get(node.path);
    if (!type) {
      throw new FnoError(
        'request',
        `Could not find a property named '${node.path}' on type '${entity.def.typeName}'.`,
        node.path,
      );
    }
    return type;
  };
  const walkValue = (node: ValueNode) => {
    if (node.kind === 'property') typeOf(node);
    if (node.kind === 'arithmetic') {
      walkValue(node.left);
      walkValue(node.right);
    }
  };
  const walk = (node: FilterAst): void => {
    switch (node.kind) {
      case 'logical':
        walk(node.left);
        walk(node.right);
        return;
      case 'not':
        walk(node.operand);
        return;
      case 'truthy':
        walkValue(node.value);
        return;
      case 'compare': {
        walkValue(node.left);
        walkValue(node.right);
        checkComparison(node.op, typeOf(node.left), node.right, typeOf(node.right), node.left);
        return;
      }
      default:
        return;
    }
  };
  walk(ast);
}

function checkComparison(
  op: string,
  leftType: FieldType | undefined,
  right: ValueNode,
  rightType: FieldType | undefined,
  left: ValueNode,
): void {
  // Normalise to "field op literal" where possible.
  const [fieldType, other] = leftType ? [leftType, right] : rightType ? [rightType, left] : [undefined, undefined];
  if (!fieldType || !other || other.kind !== 'literal') return;
  const isEnumLiteral = other.type === 'enum';
  if (fieldType.kind === 'enum') {
    if (other.type === 'null') return;
    if (!isEnumLiteral) {
      throw new FnoError(
        'request',
        `A binary operator with incompatible types was detected. Found operand types '${typeLabel(fieldType)}' and '${literalTypeLabel(other.type)}' for operator kind '${op}'. Write enum values as ${ENTITY_NAMESPACE}.${fieldType.enumType}'<Symbol>'.`,
      );
    }
    if (op !== 'eq' && op !== 'ne') {
      throw new FnoError('request', `Enum values can only be compared with eq or ne, not '${op}'.`);
    }
    const expected = `${ENTITY_NAMESPACE}.${fieldType.enumType}`;
    if (other.enumType !== expected) {
      throw new FnoError(
        'request',
        `The enum literal type '${other.enumType}' does not match the property type '${expected}'.`,
      );
    }
    if (!ENUMS[fieldType.enumType].includes(String(other.value))) {
      throw new FnoError(
        'request',
        `'${String(other.value)}' is not a member of ${expected} (${ENUMS[fieldType.enumType].join(', ')}).`,
      );
    }
    return;
  }
  if (isEnumLiteral) {
    throw new FnoError(
      'request',
      `An enum literal cannot be compared with a property of type '${typeLabel(fieldType)}'.`,
    );
  }
  if (other.type === 'null') return;
  const compatible =
    fieldType.kind === 'string'
      ? other.type === 'string'
      : fieldType.kind === 'datetime'
        ? other.type === 'datetime' || other.type === 'date'
        : other.type === 'number';
  if (!compatible) {
    throw new FnoError(
      'request',
      `A binary operator with incompatible types was detected. Found operand types '${typeLabel(fieldType)}' and '${literalTypeLabel(other.type)}' for operator kind '${op}'.`,
    );
  }
}

function literalTypeLabel(type: string): string {
  return (
    {
      string: 'Edm.String',
      number: 'Edm.Decimal',
      boolean: 'Edm.Boolean',
      datetime: 'Edm.DateTimeOffset',
      date: 'Edm.Date',
    }[type] ?? type
  );
}

/** Evaluation options: SQL-collation string comparison (case-insensitive) and F&O wildcards. */
export function evaluateOptions(engine: FnoEngine, entity: EntityRuntime): EvaluateOptions {
  return { caseInsensitive: true, wildcardEquals: true, resolve: (row, path) => engine.fieldValue(entity, row, path) };
}

export type RowPredicate = (row: Row) => boolean;
type Getter = (row: Row) => unknown;

const FLIPPED: Record<string, ComparisonOperator> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

/** Reads one entity field from a stored row, without a per-row lookup of how the field is stored. */
export function fieldGetter(engine: FnoEngine, entity: EntityRuntime, field: string): Getter {
  const column = entity.columnOf.get(field)!;
  return entity.table.inherited.has(column) ? (row) => engine.fieldValue(entity, row, field) : (row) => row[column];
}

/** Typed comparison key of a value: lower-cased text (SQL collation), numbers, or normalised date-times. */
function sortKey(type: FieldType, value: unknown): string | number {
  if (type.kind === 'int' || type.kind === 'decimal') return Number(value);
  if (type.kind === 'datetime') return typeof value === 'string' && value ? formatDateTime(new Date(value)) : '';
  return value === null || value === undefined ? '' : String(value).toLowerCase();
}

function wildcardPattern(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * Compiles a validated `$filter` into a row predicate with typed comparisons; `or` chains of equalities on one
 * field (the way clients look rows up by key) become a set look-up. Shapes it does not handle (arithmetic,
 * comparisons between two fields, null) are left to the shared evaluator.
 */
export function compileFilter(engine: FnoEngine, entity: EntityRuntime, ast: FilterAst | undefined): RowPredicate {
  if (!ast) return () => true;
  const options = evaluateOptions(engine, entity);
  const fallback =
    (node: FilterAst): RowPredicate =>
    (row) =>
      evaluateFilter(node, row, options);

  const fieldAndLiteral = (node: Extract<FilterAst, { kind: 'compare' }>) => {
    const [property, literal, op] =
      node.left.kind === 'property' && node.right.kind === 'literal'
        ? [node.left, node.right, node.op]
        : node.right.kind === 'property' && node.left.kind === 'literal'
          ? [node.right, node.left, FLIPPED[node.op]]
          : [undefined, undefined, node.op];
    if (!property || !literal || literal.type === 'null') return undefined;
    return {
      field: property.path,
      type: entity.fieldTypes.get(property.path)!,
      value: literal.value,
      literalType: literal.type,
      op,
    };
  };

  const equalityLeaves = (node: FilterAst, leaves: Array<{ field: string; key: string | number }>): boolean => {
    if (node.kind === 'logical' && node.op === 'or')
      return equalityLeaves(node.left, leaves) && equalityLeaves(node.right, leaves);
    if (node.kind !== 'compare') return false;
    const parts = fieldAndLiteral(node);
    if (!parts || parts.op !== 'eq' || (typeof parts.value === 'string' && parts.value.includes('*'))) return false;
    leaves.push({ field: parts.field, key: sortKey(parts.type, parts.value) });
    return true;
  };

  const compileCompare = (node: Extract<FilterAst, { kind: 'compare' }>): RowPredicate => {
    const parts = fieldAndLiteral(node);
    if (!parts) return fallback(node);
    const get = fieldGetter(engine, entity, parts.field);
    if (typeof parts.value === 'string' && parts.value.includes('*') && (parts.op === 'eq' || parts.op === 'ne')) {
      const pattern = wildcardPattern(parts.value);
      return parts.op === 'eq'
        ? (row) => pattern.test(String(get(row) ?? ''))
        : (row) => !pattern.test(String(get(row) ?? ''));
    }
    const type = parts.type;
    const literal = sortKey(type, parts.literalType === 'date' ? `${String(parts.value)}T00:00:00Z` : parts.value);
    const key = (row: Row) => sortKey(type, get(row));
    switch (parts.op) {
      case 'eq':
        return (row) => key(row) === literal;
      case 'ne':
        return (row) => key(row) !== literal;
      case 'gt':
        return (row) => key(row) > literal;
      case 'ge':
        return (row) => key(row) >= literal;
      case 'lt':
        return (row) => key(row) < literal;
      case 'le':
        return (row) => key(row) <= literal;
    }
  };

  const compile = (node: FilterAst): RowPredicate => {
    switch (node.kind) {
      case 'logical': {
        const leaves: Array<{ field: string; key: string | number }> = [];
        if (
          node.op === 'or' &&
          equalityLeaves(node, leaves) &&
          leaves.every((leaf) => leaf.field === leaves[0].field)
        ) {
          const wanted = new Set(leaves.map((leaf) => leaf.key));
          const type = entity.fieldTypes.get(leaves[0].field)!;
          const get = fieldGetter(engine, entity, leaves[0].field);
          return (row) => wanted.has(sortKey(type, get(row)));
        }
        const left = compile(node.left);
        const right = compile(node.right);
        return node.op === 'and' ? (row) => left(row) && right(row) : (row) => left(row) || right(row);
      }
      case 'not': {
        const operand = compile(node.operand);
        return (row) => !operand(row);
      }
      case 'compare':
        return compileCompare(node);
      default:
        return fallback(node);
    }
  };
  return compile(ast);
}

/** Sorts rows by `$orderby` then by the entity key (so paging is deterministic), comparing typed keys. */
export function sortRows(
  engine: FnoEngine,
  entity: EntityRuntime,
  rows: Row[],
  orderby: OrderByItem[] | undefined,
): Row[] {
  const items = [...(orderby ?? []), ...entity.def.key.map((path) => ({ path, descending: false }))];
  const getters = items.map((item) => fieldGetter(engine, entity, item.path));
  const types = items.map((item) => entity.fieldTypes.get(item.path)!);
  const keyed = rows.map((row) => ({ row, keys: getters.map((get, i) => sortKey(types[i], get(row))) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < items.length; i += 1) {
      const x = a.keys[i];
      const y = b.keys[i];
      if (x === y) continue;
      const order = x < y ? -1 : 1;
      return items[i].descending ? -order : order;
    }
    return 0;
  });
  return keyed.map((entry) => entry.row);
}

/** Refuses query options F&O does not know and checks $select/$orderby/$expand names. */
export function validateQueryOptions(engine: FnoEngine, entity: EntityRuntime, options: QueryOptions): void {
  if (options.unknown.length) {
    throw new FnoError('request', `The query option(s) ${options.unknown.join(', ')} are not supported.`);
  }
  if (options.filter) validateFilter(entity, options.filter);
  for (const field of options.select ?? []) {
    if (field !== '*' && !entity.fieldTypes.has(field)) {
      throw new FnoError(
        'request',
        `Could not find a property named '${field}' on type '${entity.def.typeName}'.`,
        field,
      );
    }
  }
  for (const item of options.orderby ?? []) {
    if (!entity.fieldTypes.has(item.path)) {
      throw new FnoError(
        'request',
        `Could not find a property named '${item.path}' on type '${entity.def.typeName}'.`,
        item.path,
      );
    }
  }
  for (const expand of options.expand ?? []) validateExpand(engine, entity, expand);
}

function validateExpand(engine: FnoEngine, entity: EntityRuntime, expand: ExpandItem): void {
  const navigation = entity.def.navigation?.[expand.path];
  if (!navigation) {
    throw new FnoError(
      'request',
      `Could not find a navigation property named '${expand.path}' on type '${entity.def.typeName}'.`,
      expand.path,
    );
  }
  if (expand.expand?.length) {
    throw new FnoError('request', `Nested $expand is not supported: '${expand.path}' can only be expanded one level.`);
  }
  const refused = expand.other.filter((name) => !SUPPORTED_OPTIONS_IN_EXPAND.has(name));
  if (refused.length) throw new FnoError('request', `$expand(${expand.path}) does not support ${refused.join(', ')}.`);
  validateQueryOptions(engine, engine.entity(navigation.target), {
    filter: expand.filter,
    select: expand.select,
    orderby: expand.orderby,
    unknown: [],
    custom: {},
  });
}

/** Key predicate of a URL segment → typed key values; every key field must be present, and nothing else. */
export function parseEntityKey(entity: EntityRuntime, segment: string): Record<string, unknown> {
  const parsed = parseKeySegment(segment);
  const keyFields = entity.def.key;
  const given: Record<string, unknown> = {};
  if (parsed.key?.kind === 'single') {
    if (keyFields.length !== 1) {
      throw new FnoError(
        'request',
        `The key of '${entity.def.set}' has ${keyFields.length} parts (${keyFields.join(', ')}); name each of them.`,
      );
    }
    given[keyFields[0]] = parsed.key.value;
  } else if (parsed.key?.kind === 'compound') {
    Object.assign(given, parsed.key.values);
  }
  const unknown = Object.keys(given).filter((name) => !keyFields.includes(name));
  if (unknown.length) {
    throw new FnoError(
      'request',
      `'${unknown.join(', ')}' is not part of the key of '${entity.def.set}' (${keyFields.join(', ')}).`,
    );
  }
  const missing = keyFields.filter((name) => !(name in given));
  if (missing.length) {
    throw new FnoError(
      'request',
      `The key of '${entity.def.set}' must name every key field (${keyFields.join(', ')}); missing: ${missing.join(', ')}.`,
      missing[0],
    );
  }
  const typed: Record<string, unknown> = {};
  for (const field of keyFields) {
    const type = entity.fieldTypes.get(field)!;
    const value = given[field];
    const wrong = () =>
      new FnoError(
        'request',
        `The key value ${JSON.stringify(value)} of '${field}' is not of type ${typeLabel(type)}.`,
        field,
      );
    if (type.kind === 'string') {
      if (typeof value !== 'string') throw wrong();
      typed[field] = value;
    } else if (type.kind === 'int' || type.kind === 'decimal') {
      if (typeof value !== 'number') throw wrong();
      typed[field] = value;
    } else if (type.kind === 'datetime') {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrong();
      typed[field] = formatDateTime(new Date(value));
    } else {
      typed[field] = value;
    }
  }
  return typed;
}
