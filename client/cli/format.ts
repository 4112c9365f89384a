/** Text output of the CLI: tables, CSV, durations and progress lines. Pure functions, unit-tested. */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map((line) =>
      line
        .map((cell, i) => (cell ?? '').padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** RFC 4180: quote a cell when it holds a comma, quote or line break; double the quotes inside. */
export function csv(header: string[], rows: string[][]): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [header, ...rows].map((line) => line.map((value) => cell(value ?? '')).join(',')).join('\n');
}

/** 950 ms → `950ms`, 75 s → `1m15s`, 2 h 3 min → `2h03m`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0
    ? `${hours}h${String(minutes).padStart(2, '0')}m`
    : `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Durations are read where the project file's schedules read them. */
export { parseInterval } from '../../mappings/project-schedules';

/** Rows per second, one decimal below 10/s. */
export function rate(rows: number, elapsedMs: number): string {
  if (elapsedMs <= 0) return '0/s';
  const perSecond = (rows * 1000) / elapsedMs;
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
}

/** Time left at the current rate; empty while nothing is known about the remaining work. */
export function eta(done: number, total: number | undefined, elapsedMs: number): string {
  if (total === undefined || done <= 0 || elapsedMs <= 0) return '';
  if (done >= total) return '0s';
  return duration(((total - done) * elapsedMs) / done);
}

/** `1 history`, `3 histories`: a count with its noun in the number the count takes. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** `a prospectToCash`, `an entitySync`: a name with the indefinite article its first letter calls for. */
export function withArticle(name: string): string {
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** A connection URL fit to print: the password of `scheme://user:password@host` becomes `***`. */
export function withoutPassword(setting: string): string {
  let url: URL | undefined;
  try {
    url = new URL(setting);
  } catch {
    // Not a URL to the parser (an unescaped character in the password, say): mask up to the first `@`.
    return setting.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
  }
  if (!url.password) return setting;
  url.password = '***';
  return url.href;
}
