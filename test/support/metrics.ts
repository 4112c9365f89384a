/** Reading a worker's `/metrics` text (Prometheus exposition format). */

/**
 * Prometheus text → a lookup: the sum of the samples of `name` whose labels include `labels` (undefined when none
 * matches, so a missing series fails an equality check instead of reading as 0).
 */
export function parseMetrics(text: string): (name: string, labels?: Record<string, string>) => number | undefined {
  const samples: Array<{ name: string; labels: Map<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v] as const));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return (name, labels = {}) => {
    const matching = samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels.get(k) === v),
    );
    return matching.length ? matching.reduce((sum, s) => sum + s.value, 0) : undefined;
  };
}
