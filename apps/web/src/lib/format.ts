// Display formatting in one place so every screen shows times the same way.

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time as HH:MM:SS (24 h), independent of the browser's locale. */
export function formatClockTime(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** Local date and time, e.g. "2025-11-23 12:04:05". */
export function formatDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${formatClockTime(date)}`;
}

/** A duration in seconds as "3d 4h 5m 6s", leaving out leading zero units. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3_600), 'h'],
    [Math.floor((seconds % 3_600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const firstNonZero = parts.findIndex(([value]) => value > 0);
  if (firstNonZero === -1) return '0s';
  return parts
    .slice(firstNonZero)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}
