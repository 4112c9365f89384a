/**
 * Target rows whose business key runs through lookups (a price-list item is keyed by price list, product and unit)
 * are addressed in Dataverse by the GUIDs of those rows, as `_pricelevelid_value=<guid>` (wire-protocols.md §1.1). This resolves `nav.column` key parts to `nav` GUIDs by
 * reading each referenced row by its own business key, once per distinct reference.
 */
import type { DataverseClient } from '../connectors';
import { lookupProperty } from '../connectors/odata/keys';
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

  private async idOf(entitySet: string, idColumn: string, key: BusinessKey): Promise<string | null> {
    const cacheKey = `${entitySet}\u0000${JSON.stringify(key)}`;
    if (!this.#ids.has(cacheKey)) {
      const found = await this.dataverse.getByKey(entitySet, key, [idColumn]);
      this.#ids.set(cacheKey, typeof found?.[idColumn] === 'string' ? (found[idColumn] as string) : null);
    }
    return this.#ids.get(cacheKey)!;
  }
}
