import type { BusinessKey, KeyValue } from '../../common/types';

/**
 * OData literals and key segments, shared by both services. String literals are single-quoted with quotes doubled;
 * in a URL path the literal is also percent-encoded so commas, slashes and `#` inside a value survive the trip.
 */

/** Entity-set, property and navigation names: OData simple identifiers. */
export function isPropertyName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function literal(value: KeyValue): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`key value ${value} is not a finite number`);
    return String(value);
  }
  return value ? 'true' : 'false';
}

/** Encodes what a URL path cannot carry, keeping the OData punctuation (`'`, `(`, `)`) readable. */
function encodeLiteral(text: string): string {
  return encodeURIComponent(text);
}

function validatedEntries(key: BusinessKey): Array<[string, KeyValue]> {
  const entries = Object.entries(key);
  if (entries.length === 0) throw new TypeError('key has no fields');
  for (const [field, value] of entries) {
    if (!isPropertyName(field)) throw new TypeError(`key field name '${field}' is not a valid property name`);
    if (value === null || value === undefined || value === '') {
      throw new TypeError(`key field '${field}' is empty`);
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new TypeError(`key field '${field}' has unsupported type ${typeof value}`);
    }
  }
  return entries;
}

/**
 * `accountnumber='ACC-1'` or `dataAreaId='usmf',SalesOrderNumber='SO-1'`; percent-encoded for a URL path unless
 * `encode` is false (an `@odata.bind` value inside a JSON body needs no URL escaping).
 */
export function keySegment(key: BusinessKey, encode = true): string {
  return validatedEntries(key)
    .map(([field, value]) => {
      // A Dataverse key part on a lookup (`_pricelevelid_value`) is an Edm.Guid, written bare like a primary key.
      if (isLookupProperty(field) && typeof value === 'string' && GUID.test(value)) return `${field}=${value}`;
      return `${field}=${encode ? encodeLiteral(literal(value)) : literal(value)}`;
    })
    .join(',');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `_x_value`: how Dataverse names the GUID of lookup `x` when it is read, filtered or used in a key. */
export const lookupProperty = (navigation: string): string => `_${navigation}_value`;
const isLookupProperty = (field: string): boolean => /^_\w+_value$/.test(field);

/** Human form for messages and record keys: `dataAreaId=usmf,CustomerAccount=US-001`. */
export function displayKey(key: BusinessKey): string {
  return Object.entries(key)
    .map(([field, value]) => `${field}=${String(value)}`)
    .join(',');
}

/** `/accounts(accountnumber='ACC-1')`: the value of an `@odata.bind` by alternate key. */
export function bindPath(entitySet: string, key: BusinessKey): string {
  return `/${entitySet}(${keySegment(key, false)})`;
}

export function filterEquals(field: string, values: KeyValue[]): string {
  return values.map((value) => `${field} eq ${literal(value)}`).join(' or ');
}

/**
 * Splits values into `$filter` chunks whose rendered length stays under `maxChars`, so a lookup pre-fetch of a few
 * hundred keys never produces a URL a gateway would refuse.
 */
export function chunkForFilter(field: string, values: KeyValue[], maxChars: number, maxValues: number): KeyValue[][] {
  const chunks: KeyValue[][] = [];
  let current: KeyValue[] = [];
  let length = 0;
  for (const value of values) {
    const cost = encodeURIComponent(`${field} eq ${literal(value)} or `).length;
    if (current.length > 0 && (length + cost > maxChars || current.length >= maxValues)) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(value);
    length += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** `2024-05-01T10:00:00Z`: validated ISO-8601 date-time, returned as a bare OData DateTimeOffset literal. */
export function dateTimeLiteral(value: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new TypeError(`'${value}' is not an ISO-8601 date-time with a time zone (e.g. 2024-05-01T10:00:00Z)`);
  }
  return value;
}
