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

/**
 * Whether two rows are copies of one source record: the same primary id, or, on a source without one (F&O), the
 * same business key exactly, which F&O keeps unique. Rows whose identity is unknown are not.
 */
export function sameRecord(readers: KeyReaders, a: SourceRow, b: SourceRow): boolean {
  const identity = (row: SourceRow): string | undefined => {
    if (readers.readId) {
      const id = readers.readId(row);
      return isEmpty(id) ? undefined : String(id).toLowerCase();
    }
    const values = readers.keyReaders.map((read) => read(row));
    return values.some(isEmpty) ? undefined : JSON.stringify(values);
  };
  const first = identity(a);
  return first !== undefined && first === identity(b);
}

/** A row as a failure names it: its source key, and its primary id when the task has one. */
export function rowLabel(task: TaskDefinition, readers: KeyReaders, row: SourceRow, sourceKey: string): string {
  const id = readers.readId?.(row);
  return isEmpty(id) || String(id) === sourceKey ? sourceKey : `${sourceKey} (${task.source.idField} ${String(id)})`;
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
  const firstByKey = new Map<string, SourceRow>();
  const kept = new Set<SourceRow>();
  const duplicates: RowFailure[] = [];
  for (const row of rows) {
    const values = readers.keyReaders.map((read) => read(row));
    if (values.some(isEmpty)) {
      kept.add(row);
      continue;
    }
    const identity = keyIdentity(values.map(String), (value) => value);
    const first = firstByKey.get(identity);
    if (first && !sameRecord(readers, first, row)) {
      duplicates.push(duplicateDocument(task, readers, row, first));
      continue;
    }
    if (first) kept.delete(first);
    firstByKey.set(identity, row);
    kept.add(row);
  }
  return { rows: [...kept], duplicates };
}

function duplicateDocument(task: TaskDefinition, readers: KeyReaders, row: SourceRow, first: SourceRow): RowFailure {
  const keyFields = task.source.keyFields;
  const field = keyFields[keyFields.length - 1].split('.')[0];
  const values = (of: SourceRow) => readers.keyReaders.map((read) => read(of));
  const keyText = keyFields.map((path, index) => `${path} ${JSON.stringify(values(row)[index])}`).join(', ');
  const sameCase = JSON.stringify(values(row)) === JSON.stringify(values(first));
  const sourceKey = sourceKeyFrom(readers, row);
  const label = (of: SourceRow) => rowLabel(task, readers, of, sourceKeyFrom(readers, of));
  return {
    task: task.name,
    sourceKey,
    field,
    code: 'duplicate-business-key',
    message:
      `${task.title} ${sourceKey}, ${field}: duplicate business key: this row, ${label(row)}, has the same key ` +
      `(${keyText}) as ${label(first)}, read before it${sameCase ? '' : ' (keys are compared ignoring case)'}. ` +
      `Only ${label(first)} is synced; make ${field} unique in ${task.source.system === 'fno' ? 'F&O' : 'Sales'}`,
  };
}
