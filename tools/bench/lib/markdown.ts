/** Markdown tables and number formatting for the benchmark reports. */

/** A GitHub-flavoured Markdown table. */
export function mdTable(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Integer with thousands separators; `n/a` for a missing value. */
export const int = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toLocaleString('en-US');

/** A ratio with two decimals; `n/a` when either side is missing or zero. */
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? 'n/a'
    : (a / b).toFixed(2);

/** Fixed decimals; `n/a` for a missing value. */
export const dec = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
