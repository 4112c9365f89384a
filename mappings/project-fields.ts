/**
 * Checks the columns a project names against the entities' metadata (mappings/entity-fields.ts), as Data
 * Integrator validates a project before it runs (DIPV1021/1024 missing source/destination field, 1030 type
 * mismatch): a misspelt source column, a target the entity does not have, a lookup into an unknown entity, a
 * value an F&O enum or a Dataverse choice does not know, and a value map that leaves an option unmapped are
 * reported with the column and why, instead of failing every row of a run (or, for an F&O source column that is
 * simply absent from the rows, silently writing blanks).
 */
import { FNO_ENTITY_FIELDS, FNO_ENUMS, SALES_ENTITY_FIELDS, type EntityFields } from './entity-fields';
import type { FieldMapEntryInput, Step, ValueMapEntry } from './schema';
import { invertValueMapEntries, mergeValueMapEntries, NAMED_VALUE_MAPS, valueMapKey } from './value-maps';

export type System = 'sales' | 'fno';

/** Columns a project declares on top of the metadata: custom Dataverse columns, F&O extension fields. */
export type CustomFields = Partial<Record<System, Record<string, string[]>>>;

const SYSTEM_NAME: Record<System, string> = { sales: 'Dataverse', fno: 'F&O' };
const CUSTOM = 'custom';

export class EntityCatalog {
  private readonly entities: Record<System, Record<string, EntityFields>>;

  constructor(custom: CustomFields = {}) {
    this.entities = { sales: { ...SALES_ENTITY_FIELDS }, fno: { ...FNO_ENTITY_FIELDS } };
    for (const system of ['sales', 'fno'] as const) {
      for (const [entitySet, columns] of Object.entries(custom[system] ?? {})) {
        const known = this.entities[system][entitySet] ?? { columns: {} };
        const added = Object.fromEntries(columns.map((column) => [column, CUSTOM]));
        this.entities[system][entitySet] = { ...known, columns: { ...known.columns, ...added } };
      }
    }
  }

  entity(system: System, entitySet: string): EntityFields | undefined {
    return this.entities[system][entitySet];
  }

  /** Why `entitySet` is not an entity of `system`, if it is not. */
  entityProblem(system: System, entitySet: string): string | undefined {
    if (this.entities[system][entitySet]) return undefined;
    const hint = closest(entitySet, Object.keys(this.entities[system]));
    // The catalog holds the entities of prospect to cash, not every entity an environment has.
    return (
      `"${entitySet}" is not among the ${SYSTEM_NAME[system]} entity sets p2c knows${hint}; an entity set of your ` +
      `environment is declared with its columns under customFields.${system}`
    );
  }

  /** Why `column` is not a column of the entity, if it is not. */
  columnProblem(system: System, entitySet: string, column: string): string | undefined {
    const entity = this.entities[system][entitySet];
    if (!entity || column in entity.columns) return undefined;
    if (entity.navigations && column in entity.navigations) {
      return `"${column}" is a lookup of ${entitySet}: read a column through it (${column}.<column>)`;
    }
    const hint = closest(column, Object.keys(entity.columns));
    // F&O entities are listed whole (spec/fno-fields); Dataverse tables only with the columns prospect to cash uses.
    const verdict =
      system === 'fno'
        ? `is not a column of F&O ${entitySet}`
        : `is not among the columns p2c knows of Dataverse ${entitySet}`;
    return `"${column}" ${verdict}${hint}${customHint(system, entitySet)}`;
  }

  /**
   * Why a source path (`column`, or on Dataverse `navigation.column` / `navigation/column`) cannot be read from
   * the entity, if it cannot.
   */
  sourcePathProblem(system: System, entitySet: string, path: string): string | undefined {
    const parts = path.split(/[./]/);
    if (parts.length === 1) return this.columnProblem(system, entitySet, path);
    if (system === 'fno') {
      return `"${path}": F&O rows have no lookups to read through; name a field of ${entitySet}`;
    }
    if (parts.length > 2) return `"${path}": only one lookup can be read through (navigation.column)`;
    const [navigation, column] = parts;
    const entity = this.entities.sales[entitySet];
    if (!entity) return undefined;
    if (entity.columns[navigation] === CUSTOM) return undefined;
    const target = entity.navigations?.[navigation];
    if (!target) {
      const hint = closest(navigation, Object.keys(entity.navigations ?? {}));
      return `"${navigation}" is not a lookup (navigation property) of Dataverse ${entitySet}${hint}`;
    }
    return this.columnProblem('sales', target, column);
  }

  /** The type of a column (`string`, `enum:NoYes`, `choice:1,2`, …), when the metadata knows it. */
  columnType(system: System, entitySet: string, column: string): string | undefined {
    const type = this.entities[system][entitySet]?.columns[column];
    return type === CUSTOM ? undefined : type;
  }

  /** The type of the column a source path reads, through its lookup when it has one. */
  sourcePathType(system: System, entitySet: string, path: string): string | undefined {
    const [head, tail] = path.split(/[./]/);
    if (tail === undefined) return this.columnType(system, entitySet, head);
    const target = this.entities[system][entitySet]?.navigations?.[head];
    return target ? this.columnType(system, target, tail) : undefined;
  }

  /** Why a field map entry cannot be written to the target, if it cannot. */
  targetProblem(system: System, entitySet: string, entry: FieldMapEntryInput): string | undefined {
    const entity = this.entities[system][entitySet];
    if (!entity) return undefined;
    if (system === 'sales' && entry.lookup) {
      for (const candidate of entry.lookup.candidates) {
        const navigation = candidate.navigation ?? entry.target;
        if (entity.columns[navigation] === CUSTOM) continue;
        const target = entity.navigations?.[navigation];
        if (!target) {
          const hint = closest(navigation, Object.keys(entity.navigations ?? {}));
          return `"${navigation}" is not a lookup (navigation property) of Dataverse ${entitySet}${hint}`;
        }
        if (target !== candidate.entitySet && this.entities.sales[target]) {
          return `lookup "${navigation}" of ${entitySet} points to ${target}, not ${candidate.entitySet}`;
        }
      }
      return undefined;
    }
    if (system === 'sales' && entity.navigations?.[entry.target]) {
      const target = entity.navigations[entry.target];
      return `"${entry.target}" is a lookup of ${entitySet}: give lookup with candidates [{ entitySet: ${target}, keyField: … }]`;
    }
    return this.columnProblem(system, entitySet, entry.target);
  }

  /** Why a lookup candidate names an entity or key field the target system does not have, if it does. */
  lookupProblem(system: System, candidate: { entitySet: string; keyField: string }): string | undefined {
    return (
      this.entityProblem(system, candidate.entitySet) ??
      this.columnProblem(system, candidate.entitySet, candidate.keyField)
    );
  }

  /** Why `value` cannot be written to a column of enum or choice type, if it cannot. */
  valueProblem(system: System, entitySet: string, column: string, value: unknown): string | undefined {
    const type = this.columnType(system, entitySet, column);
    if (value === null || value === undefined || value === '' || !type) return undefined;
    if (type.startsWith('enum:')) {
      if (typeof value === 'boolean') return undefined;
      const enumName = type.slice('enum:'.length);
      const symbols = FNO_ENUMS[enumName] ?? [];
      if (symbols.includes(String(value))) return undefined;
      return `"${String(value)}" is not a value of F&O enum ${enumName} (${symbols.join(', ')}) of ${column}`;
    }
    if (type.startsWith('choice:')) {
      const options = type.slice('choice:'.length).split(',');
      if (options.includes(String(value))) return undefined;
      return `${JSON.stringify(value)} is not an option value of Dataverse ${entitySet}.${column} (${options.join(', ')})`;
    }
    return undefined;
  }

  /** The values a source column can hold when it is an enum or a choice (F&O symbols, Dataverse option values). */
  sourceValues(system: System, entitySet: string, path: string): string[] | undefined {
    if (path.includes('.') || path.includes('/')) return undefined;
    const type = this.columnType(system, entitySet, path);
    if (type?.startsWith('enum:')) return FNO_ENUMS[type.slice('enum:'.length)];
    if (type?.startsWith('choice:')) return type.slice('choice:'.length).split(',');
    return undefined;
  }
}

function customHint(system: System, entitySet: string): string {
  const what = system === 'fno' ? 'an extension field' : 'a column of your environment (custom or standard)';
  return `; ${what} goes under customFields.${system}.${entitySet}`;
}

/** `; did you mean "X"?` for the candidate nearest to `name` (case-insensitive, at most a third of it edited). */
function closest(name: string, candidates: string[]): string {
  const best = nearest(name, candidates);
  return best ? `; did you mean "${best}"?` : '';
}

/** The candidate nearest to `name`, case-insensitive, with at most a third of it edited; undefined when none is. */
export function nearest(name: string, candidates: string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * `unknown field "evry" (did you mean "every"?), "owner"; <known>`: the unknown keys of an object, each with the
 * known field nearest to it; `known` is said after them (the fields that object takes).
 */
export function unknownFieldsMessage(keys: string[], fields: string[], known: string): string {
  const unknown = keys.map((key) => {
    const meant = nearest(key, fields);
    return meant ? `"${key}" (did you mean "${meant}"?)` : `"${key}"`;
  });
  return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; ${known}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Option values or enum symbols of the source column that a field's error-on-missing value map has no entry for:
 * every row holding one would fail. Empty when the map covers them all or the column is not an enum or choice.
 */
export function unmappedSourceValues(
  sourceValues: string[],
  step: Extract<Step, { type: 'valueMap' }>,
  projectEntries?: ValueMapEntry[],
): string[] {
  if (step.onMissing !== 'error') return [];
  const named = step.map ? mergeValueMapEntries(NAMED_VALUE_MAPS[step.map], projectEntries) : [];
  const entries = mergeValueMapEntries(step.inverse ? invertValueMapEntries(named) : named, step.entries);
  const mapped = new Set(entries.map((entry) => valueMapKey(entry.from)));
  return sourceValues.filter((value) => !mapped.has(valueMapKey(value)));
}
