/**
 * Target rows whose business key runs through lookups (a price-list item is keyed by price list, product and unit)
 * are addressed in Dataverse by the GUIDs of those rows, as `_pricelevelid_value=<guid>` (wire-protocols.md §1.1).
 * This resolves `nav.column` key parts to `nav` GUIDs. `prefetch` reads the referenced rows of a whole page with a
 * few filtered queries per referenced table; a reference it could not settle (no row, or several rows for one key)
 * is read by its own business key, once per distinct reference.
 */
import type { DataverseClient } from '../connectors';
import { isPropertyName, literal, lookupProperty } from '../connectors/odata/keys';
import type { BusinessKey, TargetRow } from '../common/types';

export function hasRelatedKey(row: TargetRow): boolean {
  return Object.keys(row.key).some((field) => field.includes('.'));
}

export class RelatedKeyResolver {
  readonly #ids = new Map<string, string | null>();

  constructor(private readonly dataverse: DataverseClient) {}

  /** The row with its key rewritten to GUIDs, or a reason when a referenced row does not exist. */
  async resolve(row: TargetRow): Promise<{ row: TargetRow } | { reason: string; field: string }> {
    const key: BusinessKey = {};
    for (const [field, value] of Object.entries(row.key)) {
      if (!field.includes('.')) {
        key[field] = value;
        continue;
      }
      const navigation = field.split('.')[0];
      const reference = row.lookups?.[navigation];
      if (!reference) return { field, reason: `key part ${field} has no lookup ${navigation} to resolve it by` };
      const id = await this.idOf(reference.entitySet, navigation, reference.key);
      if (!id) return { field, reason: `${reference.entitySet} ${JSON.stringify(reference.key)} does not exist` };
      // Dataverse addresses a key on a lookup by the lookup's value property, never by the navigation name.
      key[lookupProperty(navigation)] = id;
    }
    return { row: { ...row, key } };
  }

  /**
   * Reads the ids of every row the given rows reference: one query per referenced table and up to
   * PREFETCH_CHUNK references, instead of one read per reference.
   */
  async prefetch(rows: TargetRow[]): Promise<void> {
    const groups = new Map<string, { entitySet: string; idColumn: string; fields: string[]; keys: BusinessKey[] }>();
    for (const row of rows) {
      for (const field of Object.keys(row.key)) {
        if (!field.includes('.')) continue;
        const navigation = field.split('.')[0];
        const reference = row.lookups?.[navigation];
        if (!reference || this.#ids.has(cacheKeyOf(reference.entitySet, reference.key))) continue;
        const fields = Object.keys(reference.key).sort();
        // A key through a further lookup cannot be filtered as written; the keyed read handles it.
        if (!fields.every(isPropertyName)) continue;
        const groupKey = `${reference.entitySet}\u0000${navigation}\u0000${fields.join(',')}`;
        let group = groups.get(groupKey);
        if (!group)
          groups.set(groupKey, (group = { entitySet: reference.entitySet, idColumn: navigation, fields, keys: [] }));
        if (!group.keys.some((k) => sameKey(k, reference.key, fields))) group.keys.push(reference.key);
      }
    }
    for (const { entitySet, idColumn, fields, keys } of groups.values()) {
      for (let i = 0; i < keys.length; i += PREFETCH_CHUNK) {
        const chunk = keys.slice(i, i + PREFETCH_CHUNK);
        const filter = chunk
          .map((key) => `(${fields.map((f) => `${f} eq ${literal(key[f])}`).join(' and ')})`)
          .join(' or ');
        const found: Array<Record<string, unknown>> = [];
        let cursor: string | undefined;
        do {
          const page = await this.dataverse.readPage(entitySet, {
            select: [idColumn, ...fields],
            filter: cursor ? undefined : filter,
            pageSize: PREFETCH_CHUNK * 2,
            cursor,
          });
          found.push(...page.rows);
          cursor = page.nextCursor;
        } while (cursor);
        for (const key of chunk) {
          const matches = found.filter((row) => sameKey(row, key, fields));
          // Several rows for one key cannot be told apart here; the keyed read settles it.
          if (matches.length > 1) continue;
          const id = matches[0]?.[idColumn];
          this.#ids.set(cacheKeyOf(entitySet, key), typeof id === 'string' ? id : null);
        }
      }
    }
  }

  private async idOf(entitySet: string, idColumn: string, key: BusinessKey): Promise<string | null> {
    const cacheKey = cacheKeyOf(entitySet, key);
    if (!this.#ids.has(cacheKey)) {
      const found = await this.dataverse.getByKey(entitySet, key, [idColumn]);
      this.#ids.set(cacheKey, typeof found?.[idColumn] === 'string' ? (found[idColumn] as string) : null);
    }
    return this.#ids.get(cacheKey)!;
  }
}

/** References per prefetch query: keeps the filter, and so the URL, well within Dataverse's limits. */
const PREFETCH_CHUNK = 50;

function cacheKeyOf(entitySet: string, key: BusinessKey): string {
  const fields = Object.keys(key).sort();
  return `${entitySet}\u0000${JSON.stringify(fields.map((f) => normalized(key[f])))}`;
}

/** Dataverse compares key strings without regard to case. */
function normalized(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : String(value);
}

function sameKey(row: Record<string, unknown>, key: BusinessKey, fields: string[]): boolean {
  return fields.every((f) => normalized(row[f]) === normalized(key[f]));
}
