/**
 * Reading a source row's business key, and the display form every report and workflow id uses for it. Kept apart
 * from the mapping engine and free of schemas on purpose: workflows import it, and each workflow run evaluates its
 * imports afresh in the sandbox, so anything heavy here would be paid once per quote.
 */
import type { RowFailure, SourceRow } from '../common/types';
import type { TaskDefinition } from './schema';

/** F&O's "no date" for non-nullable DateTimeOffset columns. */
export const FNO_EMPTY_DATE = '1900-01-01T00:00:00Z';

export type Reader = (row: SourceRow) => unknown;

/**
 * null, undefined, '' or blanks only. Trims only when the first character could be white space (ASCII control
 * or space, or beyond ASCII): most values start with a letter or digit and need no copy.
 */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  if (value.length === 0) return true;
  const first = value.charCodeAt(0);
  return (first <= 32 || first >= 127) && value.trim() === '';
}

/** A reader for a source field, `a.b.c` following expanded navigation; F&O's "no date" reads as empty. */
export function compilePath(path: string, fnoSource: boolean): Reader {
  const [head, ...rest] = path.split('.');
  const normalize = (value: unknown): unknown => (fnoSource && value === FNO_EMPTY_DATE ? null : value);
  if (rest.length === 0) return (row) => normalize(row[head]);
  return (row) => {
    let value: unknown = row[head];
    for (const segment of rest) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
    return normalize(value);
  };
}

function keyText(value: unknown): string {
  if (isEmpty(value)) return '?';
  if (typeof value === 'string' && value.endsWith('T00:00:00Z')) return value.slice(0, 10);
  return String(value);
}

export interface KeyReaders {
  keyReaders: Reader[];
  readId?: Reader;
}

export function sourceKeyFrom(readers: KeyReaders, row: SourceRow): string {
  const parts = readers.keyReaders.map((read) => keyText(read(row)));
  if (readers.readId && parts.every((part) => part === '?')) {
    const id = readers.readId(row);
    if (!isEmpty(id)) return String(id);
  }
  return parts.length === 1 ? parts[0] : parts.join('/');
}

/**
 * Display form of a source row's business key: its key values joined by `/` (`Q-1001/3`); `?` marks a blank.
 * A row whose business key is entirely blank is named by its primary id instead, so it can still be found.
 */
export function sourceKeyOf(task: TaskDefinition, row: SourceRow): string {
  const fno = task.source.system === 'fno';
  return sourceKeyFrom(
    {
      keyReaders: task.source.keyFields.map((path) => compilePath(path, fno)),
      readId: task.source.idField ? compilePath(task.source.idField, fno) : undefined,
    },
    row,
  );
}

/**
 * A key's values in the form the services compare them: Dataverse and F&O both ignore case in key values, so two
 * keys that differ only in case get the same identity.
 */
export function keyIdentity(fields: string[], values: (field: string) => unknown): string {
  return JSON.stringify(fields.map((field) => String(values(field)).toLowerCase()));
}

/** The header rows of a page that become documents, and the failures of those that would overwrite another. */
export interface DistinctDocuments {
  rows: SourceRow[];
  duplicates: RowFailure[];
}

/**
 * One document per business key in a page of header rows. Two records with one document number would be synced
 * over each other, the last one winning (and, running at once, collide on their saga's id): the later record fails
 * instead, naming the earlier. One record read twice (a query paged while it changed) is synced once, from its later
 * copy. Keys are compared ignoring case, as both services do; a row with a blank key part is left to fail on its own.
 */
export function distinctDocuments(task: TaskDefinition, rows: SourceRow[]): DistinctDocuments {
  const fno = task.source.system === 'fno';
  const readers: KeyReaders = {
    keyReaders: task.source.keyFields.map((path) => compilePath(path, fno)),
    readId: task.source.idField ? compilePath(task.source.idField, fno) : undefined,
  };
  const read = (row: SourceRow): SeenRow => {
    const id = readers.readId?.(row);
    return { row, values: readers.keyReaders.map((reader) => reader(row)), id: isEmpty(id) ? undefined : String(id) };
  };
  // A source without primary ids (F&O) keeps business keys unique: the same key exactly is the same record.
  const sameRecord = (a: SeenRow, b: SeenRow): boolean =>
    readers.readId
      ? a.id !== undefined && a.id.toLowerCase() === b.id?.toLowerCase()
      : JSON.stringify(a.values) === JSON.stringify(b.values);

  const firstByKey = new Map<string, SeenRow>();
  const kept = new Set<SeenRow>();
  const duplicates: RowFailure[] = [];
  for (const seen of rows.map(read)) {
    if (seen.values.some(isEmpty)) {
      kept.add(seen);
      continue;
    }
    const identity = keyIdentity(seen.values.map(String), (value) => value);
    const first = firstByKey.get(identity);
    if (first && !sameRecord(first, seen)) {
      duplicates.push(duplicateDocument(task, readers, seen, first));
      continue;
    }
    if (first) kept.delete(first);
    firstByKey.set(identity, seen);
    kept.add(seen);
  }
  return { rows: [...kept].map((seen) => seen.row), duplicates };
}

interface SeenRow {
  row: SourceRow;
  values: unknown[];
  id?: string;
}

function duplicateDocument(task: TaskDefinition, readers: KeyReaders, seen: SeenRow, first: SeenRow): RowFailure {
  const keyFields = task.source.keyFields;
  const field = keyFields[keyFields.length - 1].split('.')[0];
  const label = ({ row, id }: SeenRow): string => {
    const sourceKey = sourceKeyFrom(readers, row);
    return id === undefined || id === sourceKey ? sourceKey : `${sourceKey} (${task.source.idField} ${id})`;
  };
  const keyText = keyFields.map((path, index) => `${path} ${JSON.stringify(seen.values[index])}`).join(', ');
  const sameCase = JSON.stringify(seen.values) === JSON.stringify(first.values);
  const sourceKey = sourceKeyFrom(readers, seen.row);
  return {
    task: task.name,
    sourceKey,
    field,
    code: 'duplicate-business-key',
    message:
      `${task.title} ${sourceKey}, ${field}: duplicate business key: this row, ${label(seen)}, has the same key ` +
      `(${keyText}) as ${label(first)}, read before it${sameCase ? '' : ' (keys are compared ignoring case)'}. ` +
      `Only ${label(first)} is synced; make ${field} unique in ${task.source.system === 'fno' ? 'F&O' : 'Sales'}`,
  };
}
