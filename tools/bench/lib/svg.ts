/** A small SVG line-chart writer for the benchmark plots (no dependencies). */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Dashed line (used for the Kafka Streams peer). @default false */
  dashed?: boolean;
  /** CSS colour. @default one from the palette, by position */
  color?: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Ticks on the x axis: exactly these values (e.g. worker counts). @default 5 even ticks */
  xTicks?: number[];
  /** Logarithmic y axis (latency). @default false */
  logY?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" step (1, 2 or 5 times a power of ten) for about `n` ticks over `span`. */
export function niceStep(span: number, n = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1e6
    ? `${+(v / 1e6).toFixed(1)}M`
    : Math.abs(v) >= 1e3
      ? `${+(v / 1e3).toFixed(1)}k`
      : `${+v.toFixed(2)}`;

/** Renders the series as an SVG document (axes, ticks, grid, legend, one polyline and markers per series). */
export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { left: 70, right: 190, top: 40, bottom: 55 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const pts = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map((p) => p[0]).concat(o.xTicks ?? []);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (!Number.isFinite(xMin) || xMin === xMax) {
    xMin = (Number.isFinite(xMin) ? xMin : 0) - 1;
    xMax = xMin + 2;
  }
  const ys = pts.map((p) => p[1]).filter((y) => !o.logY || y > 0);
  let yTicks: number[];
  let yOf: (y: number) => number;
  if (o.logY) {
    const lo = Math.floor(Math.log10(ys.length ? Math.min(...ys) : 1));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...ys, 10))));
    yTicks = [];
    for (let e = lo; e <= hi; e++) yTicks.push(10 ** e);
    yOf = (y) => m.top + ph - ((Math.log10(Math.max(y, 10 ** lo)) - lo) / (hi - lo)) * ph;
  } else {
    const yMax0 = Math.max(...ys, 0);
    const step = niceStep(yMax0 || 1);
    const yMax = Math.ceil((yMax0 || 1) / step) * step;
    yTicks = [];
    for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push(v);
    yOf = (y) => m.top + ph - (y / yMax) * ph;
  }
  const xOf = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const xTicks =
    o.xTicks ??
    (() => {
      const step = niceStep(xMax - xMin);
      const out: number[] = [];
      for (let v = Math.ceil(xMin / step) * step; v <= xMax + step / 2; v += step) out.push(v);
      return out;
    })();
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  );
  for (const t of yTicks) {
    const y = yOf(t).toFixed(1);
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = xOf(t).toFixed(1);
    out.push(
      `<line x1="${x}" x2="${x}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`,
      `<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0));
    const d = ok.map(([x, y]) => `${xOf(x).toFixed(1)},${yOf(y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (ok.length > 1)
      out.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const [x, y] of ok)
      out.push(`<circle cx="${xOf(x).toFixed(1)}" cy="${yOf(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    const ly = m.top + 10 + i * 20;
    const lx = m.left + pw + 15;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
