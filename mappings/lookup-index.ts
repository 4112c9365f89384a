/**
 * Which records exist in the target system, as pre-fetched by the transform activity for one page. The engine
 * asks only through this interface, so it stays pure. Keys compare case-insensitively, as Dataverse alternate
 * keys and F&O string keys do.
 */

export interface LookupRequest {
  entitySet: string;
  /** Column to match; a `nav.column` path means a column of a related row (price list → currency code). */
  keyField: string;
  values: string[];
  /** Also fetch this column; the index then answers `first()` for it. */
  returnField?: string;
  /** Extra OData filter the fetch must apply (e.g. only active price lists). */
  filter?: string;
  /** False for F&O entities shared by all companies (units): do not restrict the fetch to the partition. */
  companySpecific?: boolean;
}

/**
 * Plain-JSON form of fetched lookups, convenient to carry through Temporal: entity set → key field → values
 * that exist. Answers to `returnField` requests go under `relatedLookupKey(keyField, value)` → result values.
 */
export type LookupEntriesRecord = Record<string, Record<string, string[]>>;

/** Slot of a `returnField` answer in LookupEntriesRecord, e.g. `transactioncurrencyid.isocurrencycode=USD`. */
export function relatedLookupKey(keyField: string, value: string): string {
  return `${keyField}=${value.toLowerCase()}`;
}

export interface LookupIndex {
  has(entitySet: string, keyField: string, value: string): boolean;
  /** Alphabetically first `returnField` among the rows whose `keyField` equals `value` (case-insensitive). */
  first(entitySet: string, keyField: string, value: string, returnField: string): string | undefined;
}

export type LookupEntry =
  /** Key values known to exist. */
  | { entitySet: string; keyField: string; values: Iterable<string> }
  /** Whole rows (flat; related columns under their `nav.column` name), for `first()` questions. */
  | { entitySet: string; rows: Array<Record<string, string | number | boolean | null>> };

const norm = (value: string): string => value.toLowerCase();
const slot = (entitySet: string, keyField: string): string => `${entitySet.toLowerCase()}\u0000${keyField}`;

function fromRecord(record: LookupEntriesRecord): { entries: LookupEntry[]; related: Map<string, string[]> } {
  const entries: LookupEntry[] = [];
  const related = new Map<string, string[]>();
  for (const [entitySet, byField] of Object.entries(record)) {
    for (const [keyField, values] of Object.entries(byField)) {
      if (keyField.includes('=')) related.set(`${entitySet.toLowerCase()}\u0000${keyField.toLowerCase()}`, values);
      else entries.push({ entitySet, keyField, values });
    }
  }
  return { entries, related };
}

/** Builds the index from a list of entries or from the plain-JSON record form. */
export function createLookupIndex(input: LookupEntry[] | LookupEntriesRecord): LookupIndex {
  const { entries, related } = Array.isArray(input) ? { entries: input, related: new Map() } : fromRecord(input);
  const keys = new Map<string, Set<string>>();
  const rowsBySet = new Map<string, Array<Record<string, string | number | boolean | null>>>();

  const keySet = (entitySet: string, keyField: string): Set<string> => {
    const id = slot(entitySet, keyField);
    let set = keys.get(id);
    if (!set) {
      set = new Set();
      keys.set(id, set);
    }
    return set;
  };

  for (const entry of entries) {
    if ('values' in entry) {
      const set = keySet(entry.entitySet, entry.keyField);
      for (const value of entry.values) set.add(norm(value));
    } else {
      const list = rowsBySet.get(entry.entitySet.toLowerCase()) ?? [];
      list.push(...entry.rows);
      rowsBySet.set(entry.entitySet.toLowerCase(), list);
      for (const row of entry.rows) {
        for (const [column, value] of Object.entries(row)) {
          if (value !== null) keySet(entry.entitySet, column).add(norm(String(value)));
        }
      }
    }
  }

  return {
    has(entitySet, keyField, value) {
      return keys.get(slot(entitySet, keyField))?.has(norm(value)) ?? false;
    },
    first(entitySet, keyField, value, returnField) {
      const wanted = norm(value);
      const fromRows = (rowsBySet.get(entitySet.toLowerCase()) ?? [])
        .filter(
          (row) => row[keyField] !== null && row[keyField] !== undefined && norm(String(row[keyField])) === wanted,
        )
        .map((row) => row[returnField]);
      const fromRecordForm =
        related.get(`${entitySet.toLowerCase()}\u0000${relatedLookupKey(keyField, value).toLowerCase()}`) ?? [];
      const candidates = [...fromRows, ...fromRecordForm].filter(
        (result): result is string => typeof result === 'string' && result !== '',
      );
      candidates.sort((a, b) => (norm(a) < norm(b) ? -1 : norm(a) > norm(b) ? 1 : a < b ? -1 : a > b ? 1 : 0));
      return candidates[0];
    },
  };
}
