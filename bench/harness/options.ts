/** Command-line values shared by the benchmark scripts. */

/** A `--name` option that must be a positive integer; `fallback` when it was not given. */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: a positive integer, got ${value}`);
  return n;
}
