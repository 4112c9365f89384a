import type { KeyValue, SourceRow, TargetRow, WriteOutcome } from '../../common/types';
import { ConnectorError } from '../errors';
import { bindPath, chunkForFilter, displayKey, filterEquals, isPropertyName, keySegment } from './keys';

export { isPropertyName };

/** Pieces both connectors use to turn TargetRows into request bodies and failures into WriteOutcomes. */

export interface Page {
  rows: SourceRow[];
  nextCursor?: string;
}

/** Body columns: the row's fields minus its key columns (the key travels in the URL). */
export function fieldsWithoutKey(row: TargetRow): Record<string, unknown> {
  const keyFields = new Set(Object.keys(row.key).map((k) => k.toLowerCase()));
  return Object.fromEntries(Object.entries(row.fields).filter(([name]) => !keyFields.has(name.toLowerCase())));
}

/** Names the row's column or navigation property that the service message talks about, when one is named. */
export function fieldNamedIn(message: string, row: TargetRow): string | undefined {
  const candidates = [...Object.keys(row.lookups ?? {}), ...Object.keys(row.fields)].sort(
    (a, b) => b.length - a.length,
  );
  const lower = message.toLowerCase();
  return candidates.find((name) => new RegExp(`(^|[^a-z0-9_])${name.toLowerCase()}([^a-z0-9_]|$)`).test(lower));
}

export function failedOutcome(row: TargetRow, err: ConnectorError): WriteOutcome {
  const outcome: WriteOutcome = {
    sourceKey: row?.sourceKey ?? '(missing row)',
    status: 'failed',
    code: err.serviceCode ?? (err.status !== undefined ? `HTTP ${err.status}` : err.kind),
    message: err.message,
    retryable: err.retryable,
  };
  // Kept so the retry that follows (Temporal's, when the wait is longer than a call waits inline) honours it.
  if (err.retryable && err.retryAfterMs !== undefined) outcome.retryAfterMs = err.retryAfterMs;
  const field = fieldNamedIn(err.serviceMessage, row);
  if (field) outcome.field = field;
  return outcome;
}

export function recordKeyOf(row: TargetRow): string {
  if (!row?.key || typeof row.key !== 'object') return String(row?.sourceKey);
  return `${row.sourceKey} → ${row.entitySet}(${displayKey(row.key)})`;
}

/** Checks the parts of a TargetRow a request depends on, so a bad row fails alone with a clear reason. */
export function rowProblem(row: TargetRow): string | undefined {
  if (!row || typeof row !== 'object') return 'row is not an object';
  if (!row.entitySet || !isPropertyName(row.entitySet)) return `entitySet '${row.entitySet}' is not valid`;
  if (!row.key || Object.keys(row.key).length === 0) return 'row has no key';
  for (const [field, value] of Object.entries(row.key) as Array<[string, KeyValue]>) {
    if (value === null || value === undefined || value === '') return `key field '${field}' is empty`;
  }
  if (!row.fields || typeof row.fields !== 'object') return 'row has no fields object';
  try {
    keySegment(row.key);
    for (const [navigation, ref] of Object.entries(row.lookups ?? {})) {
      try {
        bindPath(ref.entitySet, ref.key);
      } catch (err) {
        return `lookup ${navigation}: ${(err as Error).message}`;
      }
    }
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** `$select`, `$filter`, `$orderby` and `$expand` as URL query parts, values encoded; absent options are left out. */
export function queryOptions(query: {
  select?: string[];
  filter?: string;
  orderBy?: string[];
  expand?: string[];
}): string[] {
  const options: string[] = [];
  if (query.select?.length) options.push(`$select=${encodeURIComponent(query.select.join(','))}`);
  if (query.filter) options.push(`$filter=${encodeURIComponent(query.filter)}`);
  if (query.orderBy?.length) options.push(`$orderby=${encodeURIComponent(query.orderBy.join(','))}`);
  if (query.expand?.length) options.push(`$expand=${encodeURIComponent(query.expand.join(','))}`);
  return options;
}

export function pageSizeProblem(pageSize: number, max: number): string | undefined {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > max) {
    return `pageSize must be an integer from 1 to ${max} (got ${pageSize})`;
  }
  return undefined;
}

/** Case-insensitive membership, as both services compare string keys. */
export function presentValues(requested: string[], found: Iterable<unknown>): Set<string> {
  const seen = new Set<string>();
  for (const value of found) if (value !== null && value !== undefined) seen.add(String(value).toLowerCase());
  return new Set(requested.filter((value) => seen.has(value.toLowerCase())));
}

export function uniqueIgnoringCase(values: string[]): string[] {
  const seen = new Map<string, string>();
  for (const value of values) if (!seen.has(value.toLowerCase())) seen.set(value.toLowerCase(), value);
  return [...seen.values()];
}

/** A nextLink or deltaLink must point at the same service, or the bearer token would go elsewhere. */
export function sameServiceLink(link: string, serviceRoot: string): boolean {
  try {
    const url = new URL(link);
    const root = new URL(serviceRoot);
    return url.origin === root.origin && url.pathname.toLowerCase().startsWith(root.pathname.toLowerCase());
  } catch {
    return false;
  }
}

/** Walks pages from `cursor` (or the start) until a page has no next cursor. */
export async function* followPages<O extends { cursor?: string }>(
  readPage: (options: O) => Promise<Page>,
  options: O,
): AsyncIterable<Page> {
  let cursor = options.cursor;
  do {
    const page = await readPage({ ...options, cursor });
    yield page;
    cursor = page.nextCursor;
  } while (cursor);
}

const FIND_KEYS_FILTER_CHARS = 1500;
const FIND_KEYS_VALUES_PER_QUERY = 100;

/**
 * The rows whose `keyField` is one of `values`: one `eq … or …` query per chunk (chunks run concurrently under the
 * target's limiter, each short enough for any gateway's URL limit), every page read.
 */
export async function readRowsByKeys(
  keyField: string,
  values: string[],
  readPages: (filter: string) => AsyncIterable<Page>,
): Promise<SourceRow[]> {
  const unique = uniqueIgnoringCase(values.filter((v) => typeof v === 'string' && v !== ''));
  const chunks = chunkForFilter(keyField, unique, FIND_KEYS_FILTER_CHARS, FIND_KEYS_VALUES_PER_QUERY);
  const found = await Promise.all(
    chunks.map(async (chunk) => {
      const rows: SourceRow[] = [];
      for await (const page of readPages(filterEquals(keyField, chunk))) rows.push(...page.rows);
      return rows;
    }),
  );
  return found.flat();
}

/**
 * Which `values` exist as `keyField`, compared exactly and case-insensitively — both services compare strings that
 * way, and it also drops F&O wildcard matches (`*` inside `eq`).
 */
export async function findExistingKeys(
  keyField: string,
  values: string[],
  readPages: (filter: string) => AsyncIterable<Page>,
): Promise<Set<string>> {
  const unique = uniqueIgnoringCase(values.filter((v) => typeof v === 'string' && v !== ''));
  const rows = await readRowsByKeys(keyField, unique, readPages);
  return presentValues(
    unique,
    rows.map((row) => row[keyField]),
  );
}
