/**
 * Deterministic randomness for seed data: mulberry32 streams keyed by (seed, stream name), so the accounts do not
 * change when someone asks for more contacts, and the same options always give byte-identical rows.
 */

// Strings are built from char codes in one step: piecewise concatenation leaves rope strings that cost memory
// and collector time when several hundred thousand rows are kept.
const CHAR_A = 65;
const CHAR_0 = 48;
const CHAR_HASH = 35;
const HEX_CODES = Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));
const CHAR_DASH = 45;

/** FNV-1a over a string, 32 bits; mixes stream names into seeds. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A 32-bit integer finaliser (murmur3 fmix32): spreads consecutive inputs over the whole range. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; `weights[i]` belongs to `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  upperLetters(length: number): string;
  /** Replaces every `#` with a random digit and every `A` with a random capital, e.g. `SW# #AA`. */
  fill(pattern: string): string;
  /** Money-like amount in [min, max] rounded to `decimals`. */
  amount(min: number, max: number, decimals?: number): number;
}

export function createRng(seed: number, stream: string): Rng {
  let state = hashString(stream, mix32(seed) ^ 0x811c9dc5);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (items, weights) => {
      let total = 0;
      for (const weight of weights) total += weight;
      let roll = next() * total;
      for (let i = 0; i < items.length; i++) {
        roll -= weights[i];
        if (roll < 0) return items[i];
      }
      return items[items.length - 1];
    },
    upperLetters: (length) => {
      const codes = new Array<number>(length);
      for (let i = 0; i < length; i++) codes[i] = CHAR_A + Math.floor(next() * 26);
      return String.fromCharCode(...codes);
    },
    fill: (pattern) => {
      const codes = new Array<number>(pattern.length);
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        if (code === CHAR_HASH) codes[i] = CHAR_0 + Math.floor(next() * 10);
        else if (code === CHAR_A) codes[i] = CHAR_A + Math.floor(next() * 26);
        else codes[i] = code;
      }
      return String.fromCharCode(...codes);
    },
    amount: (min, max, decimals = 2) => {
      const scale = 10 ** decimals;
      return Math.round((min + next() * (max - min)) * scale) / scale;
    },
  };
}

function pushHex(codes: number[], value: number, width: number): void {
  for (let shift = (width - 1) * 4; shift >= 0; shift -= 4) codes.push(HEX_CODES[(value >>> shift) & 0xf]);
}

/**
 * A GUID unique by construction: the table tag and the row index are written into it, the rest is hashed so the
 * ids look like the random ones Dataverse hands out. `tag` must be unique per entity set (see ID_TAGS).
 */
export function seededGuid(seed: number, tag: number, index: number): string {
  const scatter = mix32(index ^ mix32(seed + tag));
  const codes: number[] = [];
  pushHex(codes, mix32(seed ^ 0x5eed), 8);
  codes.push(CHAR_DASH);
  pushHex(codes, tag, 4);
  codes.push(CHAR_DASH, HEX_CODES[4]);
  pushHex(codes, scatter >>> 20, 3);
  codes.push(CHAR_DASH, HEX_CODES[0x8 | (scatter & 0x3)]);
  pushHex(codes, scatter >>> 8, 3);
  codes.push(CHAR_DASH);
  pushHex(codes, Math.floor(index / 0x100000000), 4);
  pushHex(codes, index, 8);
  return String.fromCharCode(...codes);
}
