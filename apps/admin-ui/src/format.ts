/** Numbers and times formatted for people: 1.2k rec/s, 3 s ago. */

/** 950, 9.5, 1.2k, 12k, 3.4M, 1.2G. Negative and non-finite numbers read as 0. */
export function formatNumber(n: number | undefined): string {
  const v = n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
  if (v < 10) return trimZero(v.toFixed(v % 1 === 0 ? 0 : 1));
  if (v < 999.5) return String(Math.round(v));
  const units = ['k', 'M', 'G', 'T'];
  let scaled = v;
  let i = -1;
  // Scale while the rounded figure would print as 1000 or more.
  while (scaled >= 999.5 && i < units.length - 1) {
    scaled /= 1000;
    i++;
  }
  const unit = units[i] ?? '';
  return `${trimZero(scaled.toFixed(scaled < 100 ? 1 : 0))}${unit}`;
}

const trimZero = (s: string) => (s.includes('.') ? s.replace(/\.0$/, '') : s);

/** "1.2k rec/s". */
export const formatRate = (n: number | undefined, unit = 'rec/s') => `${formatNumber(n)} ${unit}`;

/** "just now", "3 s ago", "5 min ago", "2 h ago", "3 d ago"; "never" for a missing time. */
export function formatAgo(atMs: number | undefined, nowMs: number): string {
  if (!atMs) return 'never';
  const s = Math.floor((nowMs - atMs) / 1000);
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** "850 ms", "3.2 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${trimZero((v / 1000).toFixed(1))} s`;
  const s = Math.round(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** "in 12 s" / "12 s late" for a deadline. */
export function formatDeadline(atMs: number, nowMs: number): string {
  return atMs >= nowMs ? `in ${formatDuration(atMs - nowMs)}` : `${formatDuration(nowMs - atMs)} late`;
}
