/**
 * Pages of source rows travel through workflow history column-packed: each column name once per page instead of
 * once per row. OData rows of one query share their columns, so a page of 200 accounts takes about 60 % of its
 * row-object size, and a full page stays within the page byte budget. Packing is lossless: a row that lacks a
 * column (rather than holding null) is recorded as such, and unpacking gives back rows equal to the originals.
 *
 * Workflow-safe: no Node built-ins, no I/O.
 */
import type { SourceRow } from './types';

export interface PackedRows {
  columns: string[];
  /** One array per row, aligned with `columns`. */
  values: unknown[][];
  /** Row index → indexes of the columns that row does not have (absent, not null). Omitted when none. */
  absent?: Record<string, number[]>;
}

/** Rows of a page, whichever way the page carries them (histories recorded before packing hold plain rows). */
export interface RowCarrier {
  rows?: SourceRow[];
  packed?: PackedRows;
}

export function packRows(rows: SourceRow[]): PackedRows {
  const index = new Map<string, number>();
  const columns: string[] = [];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (value !== undefined && !index.has(column)) {
        index.set(column, columns.length);
        columns.push(column);
      }
    }
  }
  const absent: Record<string, number[]> = {};
  const values = rows.map((row, r) => {
    const out = new Array<unknown>(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const value = row[columns[c]];
      if (value === undefined) {
        out[c] = null;
        (absent[r] ??= []).push(c);
      } else {
        out[c] = value;
      }
    }
    return out;
  });
  return Object.keys(absent).length > 0 ? { columns, values, absent } : { columns, values };
}

export function unpackRows(packed: PackedRows): SourceRow[] {
  const { columns, values, absent } = packed;
  return values.map((value, r) => {
    const missing = absent?.[r];
    const row: SourceRow = {};
    for (let c = 0; c < columns.length; c++) {
      if (missing && missing.includes(c)) continue;
      row[columns[c]] = value[c];
    }
    return row;
  });
}

export function rowsOf(carrier: RowCarrier): SourceRow[] {
  if (carrier.packed) return unpackRows(carrier.packed);
  return carrier.rows ?? [];
}

export function rowCountOf(carrier: RowCarrier): number {
  return carrier.packed ? carrier.packed.values.length : (carrier.rows?.length ?? 0);
}
