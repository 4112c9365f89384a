/**
 * Sorted results of recent collection queries, so paging through a large result filters and sorts the table once
 * instead of once per page. An entry is used only while the revision it was computed at is current, so any change
 * to the rows it depends on recomputes it: callers see exactly what a fresh scan would return.
 */
const DEFAULT_ENTRIES = 16;

export class QueryCache<T> {
  private readonly entries = new Map<string, { revision: string; value: T }>();

  constructor(private readonly maxEntries = DEFAULT_ENTRIES) {}

  get(key: string, revision: string, compute: () => T): T {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    const value = hit && hit.revision === revision ? hit.value : compute();
    this.entries.set(key, { revision, value });
    // Map order is insertion order: the first entry is the least recently used.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/** Index of the first item of a sorted array that passes `after` (which is false, then true); length if none. */
export function firstAfter<T>(sorted: readonly T[], after: (item: T) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (after(sorted[middle])) high = middle;
    else low = middle + 1;
  }
  return low;
}
