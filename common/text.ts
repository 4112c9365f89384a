/** The first `max` UTF-16 code units, one fewer when the cut would leave half a surrogate pair (an emoji). */
export function truncateText(value: string, max: number): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
