/**
 * Target rows whose business key runs through lookups (a price-list item is keyed by price list, product and unit)
 * are addressed in Dataverse by the GUIDs of those rows, as `_pricelevelid_value=<guid>` (wire-protocols.md §1.1).
 * This resolves `nav.column` key parts to `nav` GUIDs. `prefetch` reads the referenced rows of a whole page with a
 * few filtered queries per referenced table (the connector's keyed read); a reference it could not settle is read
 * by its own business key, once per distinct reference.
 */
import type { DataverseClient } from '../connectors';
import { isPropertyName, lookupProperty } from '../connectors/odata/keys';
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
   * Reads the ids of every row the given rows reference, a few queries per referenced table instead of one read
   * per reference. References by one text column are read this way; any other is left to the keyed read.
   */
  async prefetch(rows: TargetRow[]): Promise<void> {
    const groups = new Map<string, { entitySet: string; idColumn: string; keyField: string; values: string[] }>();
    for (const row of rows) {
      for (const field of Object.keys(row.key)) {
        if (!field.includes('.')) continue;
        const navigation = field.split('.')[0];
        const reference = row.lookups?.[navigation];
        const entries = reference ? Object.entries(reference.key) : [];
        if (!reference || entries.length !== 1) continue;
        const [[keyField, value]] = entries;
        if (typeof value !== 'string' || !isPropertyName(keyField)) continue;
        if (this.#ids.has(cacheKeyOf(reference.entitySet, reference.key))) continue;
        const groupKey = `${reference.entitySet}\u0000${navigation}\u0000${keyField}`;
        let group = groups.get(groupKey);
        if (!group) {
          group = { entitySet: reference.entitySet, idColumn: navigation, keyField, values: [] };
          groups.set(groupKey, group);
        }
        group.values.push(value);
      }
    }
    for (const { entitySet, idColumn, keyField, values } of groups.values()) {
      const idsByValue = new Map<string, unknown[]>();
      for (const found of await this.dataverse.readByKeys(entitySet, keyField, values, [idColumn])) {
        const value = normalized(found[keyField]);
        idsByValue.set(value, [...(idsByValue.get(value) ?? []), found[idColumn]]);
      }
      for (const value of values) {
        const ids = idsByValue.get(normalized(value)) ?? [];
        // Several rows for one value cannot be told apart here; the keyed read settles it.
        if (ids.length > 1) continue;
        this.#ids.set(cacheKeyOf(entitySet, { [keyField]: value }), typeof ids[0] === 'string' ? ids[0] : null);
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

function cacheKeyOf(entitySet: string, key: BusinessKey): string {
  const fields = Object.keys(key).sort();
  return `${entitySet}\u0000${JSON.stringify(fields.map((f) => normalized(key[f])))}`;
}

/** Dataverse compares key strings without regard to case. */
function normalized(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : String(value);
}
