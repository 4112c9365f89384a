/**
 * Content hash of a target row, for change detection where the source has no watermark: a row whose hash equals
 * the last written one needs no write. Pure JS (FNV-1a, two 32-bit lanes with different offsets) over canonical
 * JSON, so it runs in the workflow sandbox and gives the same value on every machine.
 */
import type { TargetRow } from '../common/types';

/** JSON with object keys sorted at every level; undefined members are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

const FNV_PRIME = 0x01000193;
const OFFSET_A = 0x811c9dc5;
const OFFSET_B = 0x050c5d1f;

export function fnv1a64Hex(text: string): string {
  let a = OFFSET_A;
  let b = OFFSET_B;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, FNV_PRIME);
    b = Math.imul(b ^ code, FNV_PRIME);
    b = Math.imul(b ^ (code >>> 4), FNV_PRIME);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Stable hash of what would be written: entity set, key, fields and lookups (not the source key). */
export function rowHash(row: TargetRow): string {
  return fnv1a64Hex(
    canonicalJson({ entitySet: row.entitySet, key: row.key, fields: row.fields, lookups: row.lookups }),
  );
}
