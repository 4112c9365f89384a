/**
 * Reading a source row's business key, and the display form every report and workflow id uses for it. Kept apart
 * from the mapping engine and free of schemas on purpose: workflows import it, and each workflow run evaluates its
 * imports afresh in the sandbox, so anything heavy here would be paid once per quote.
 */
import type { SourceRow } from '../common/types';
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
