/** Percentiles for the benchmark reports. */

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  // The epsilon keeps 99.9% of 1000 at rank 999 (floating point makes it 999.0000000000001).
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length - 1e-9) - 1))]!;
}

/** The median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
