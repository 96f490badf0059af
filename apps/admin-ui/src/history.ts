/**
 * Throughput and lag history behind the pipeline page's chart: one sample per refresh, kept for
 * a window, drawn as SVG paths. Free of the DOM so unit tests cover it.
 */
import type { PipelineStatus } from './model';
import { pipelineRow } from './state';

export interface Sample {
  at: number;
  recordsPerSecond: number;
  lag: number;
}

/** Per pipeline, the samples of the last `windowMs`, oldest first. */
export type History = Record<string, Sample[]>;

export const HISTORY_WINDOW_MS = 5 * 60_000;

/** Adds one sample per pipeline at `at`; drops samples older than the window and gone pipelines. */
export function recordSamples(
  history: History,
  statuses: PipelineStatus[],
  at: number,
  windowMs = HISTORY_WINDOW_MS,
): History {
  const next: History = {};
  for (const s of statuses) {
    const row = pipelineRow(s);
    const kept = (history[row.name] ?? []).filter((x) => x.at > at - windowMs && x.at < at);
    kept.push({ at, recordsPerSecond: row.recordsPerSecond, lag: row.lag });
    next[row.name] = kept;
  }
  return next;
}

export interface ChartSeries {
  /** SVG path data in a `width` x `height` box (y grows downwards). */
  path: string;
  max: number;
  last: number;
  /** The time the x axis spans: the window, or less while the history is shorter. */
  spanMs: number;
}

/**
 * A polyline of `key` over the samples of the window, x from the first kept sample to the last
 * (so a young history fills the chart), y scaled to the series' max (at least 1, so a flat zero
 * line sits on the bottom edge).
 */
export function chartSeries(
  samples: Sample[],
  key: 'recordsPerSecond' | 'lag',
  width: number,
  height: number,
  windowMs = HISTORY_WINDOW_MS,
): ChartSeries {
  if (samples.length === 0) return { path: '', max: 0, last: 0, spanMs: 0 };
  const end = samples[samples.length - 1]!.at;
  const start = Math.max(end - windowMs, samples[0]!.at);
  const spanMs = end - start;
  const max = Math.max(1, ...samples.map((s) => s[key]));
  const pt = (s: Sample) => {
    const x = spanMs === 0 ? width : ((s.at - start) / spanMs) * width;
    const y = height - (s[key] / max) * height;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  };
  const path = samples
    .filter((s) => s.at >= start)
    .map((s, i) => `${i === 0 ? 'M' : 'L'}${pt(s)}`)
    .join(' ');
  return { path, max, last: samples[samples.length - 1]![key], spanMs };
}
