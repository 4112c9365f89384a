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

/**
 * FNV-1a fed piece by piece: hashing pieces in order gives the value of hashing their concatenation, so a row is
 * hashed without building its canonical text.
 */
class Fnv1a64 {
  private a = OFFSET_A;
  private b = OFFSET_B;

  text(piece: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < piece.length; i += 1) {
      const code = piece.charCodeAt(i);
      a = Math.imul(a ^ code, FNV_PRIME);
      b = Math.imul(b ^ code, FNV_PRIME);
      b = Math.imul(b ^ (code >>> 4), FNV_PRIME);
    }
    this.a = a;
    this.b = b;
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

/** Characters JSON.stringify writes escaped (quote, backslash, controls) or may (surrogates, when unpaired). */
function plainJsonString(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

function writeString(text: string, sink: Fnv1a64): void {
  if (plainJsonString(text)) {
    sink.text('"');
    sink.text(text);
    sink.text('"');
  } else {
    sink.text(JSON.stringify(text));
  }
}

/** Feeds the hash canonicalJson(value), piece by piece, without building the text. */
function writeCanonical(value: unknown, sink: Fnv1a64): void {
  if (typeof value === 'string') return writeString(value, sink);
  if (value === null || typeof value !== 'object') return sink.text(JSON.stringify(value) ?? 'null');
  if (Array.isArray(value)) {
    sink.text('[');
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) sink.text(',');
      // A hole is written as nothing, as Array.prototype.join writes it.
      if (i in value) writeCanonical(value[i] ?? null, sink);
    }
    return sink.text(']');
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  sink.text('{');
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) sink.text(',');
    first = false;
    writeString(key, sink);
    sink.text(':');
    writeCanonical(member, sink);
  }
  sink.text('}');
}

export function fnv1a64Hex(text: string): string {
  const hash = new Fnv1a64();
  hash.text(text);
  return hash.hex();
}

/** Stable hash of what would be written: entity set, key, fields and lookups (not the source key). */
export function rowHash(row: TargetRow): string {
  const hash = new Fnv1a64();
  writeCanonical({ entitySet: row.entitySet, key: row.key, fields: row.fields, lookups: row.lookups }, hash);
  return hash.hex();
}
