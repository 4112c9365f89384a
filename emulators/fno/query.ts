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
  type ExpandItem,
  type FilterAst,
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

export function matches(engine: FnoEngine, entity: EntityRuntime, row: Row, filter: FilterAst | undefined): boolean {
  return !filter || evaluateFilter(filter, row, evaluateOptions(engine, entity));
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
