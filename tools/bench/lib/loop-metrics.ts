/**
 * Where our fleet's transactions spend their time, from the workers' Prometheus counters
 * (`eos_worker_loop_seconds_total{pipeline,step}`, `eos_worker_transactions_total`,
 * `eos_worker_records_committed_total`; apps/worker/src/worker-http.ts): scraped before and after
 * a throughput window, the difference divided by the transactions committed in it.
 */
import * as http from 'node:http';

/** The loop's steps, in the order a batch passes them (`TransactionSteps` in eos-core). */
export const LOOP_STEPS = ['wait', 'begin', 'transform', 'prepare', 'produce', 'commit'] as const;
export type LoopStep = (typeof LOOP_STEPS)[number];

/** One pipeline's counters, summed over workers. */
export interface LoopTotals {
  transactions: number;
  records: number;
  /** step -> seconds */
  seconds: Partial<Record<LoopStep, number>>;
}

/** A window's transactions: how many, their mean size, and the mean ms per step. */
export interface LoopBreakdown {
  transactions: number;
  recordsPerTransaction: number;
  msPerTransaction: Record<LoopStep, number>;
}

/** Parses a Prometheus text exposition into one pipeline's loop totals. */
export function parseLoopTotals(text: string, pipeline: string): LoopTotals {
  const out: LoopTotals = { transactions: 0, records: 0, seconds: {} };
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\}\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, name, labelText, valueText] = m;
    const labels = Object.fromEntries(
      [...labelText!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (labels['pipeline'] !== pipeline) continue;
    const value = Number(valueText);
    if (!Number.isFinite(value)) continue;
    if (name === 'eos_worker_loop_seconds_total') {
      const step = labels['step'] as LoopStep;
      if (LOOP_STEPS.includes(step)) out.seconds[step] = (out.seconds[step] ?? 0) + value;
    } else if (name === 'eos_worker_transactions_total' && labels['outcome'] === 'committed') {
      out.transactions += value;
    } else if (name === 'eos_worker_records_committed_total') {
      out.records += value;
    }
  }
  return out;
}

/** Sums the totals of several workers. */
export function addLoopTotals(xs: LoopTotals[]): LoopTotals {
  const out: LoopTotals = { transactions: 0, records: 0, seconds: {} };
  for (const x of xs) {
    out.transactions += x.transactions;
    out.records += x.records;
    for (const s of LOOP_STEPS) {
      const v = x.seconds[s];
      if (v !== undefined) out.seconds[s] = (out.seconds[s] ?? 0) + v;
    }
  }
  return out;
}

/** What happened between two scrapes of the same workers; undefined when nothing committed. */
export function loopBreakdown(before: LoopTotals, after: LoopTotals): LoopBreakdown | undefined {
  const transactions = after.transactions - before.transactions;
  if (transactions <= 0) return undefined;
  const ms = {} as Record<LoopStep, number>;
  for (const s of LOOP_STEPS)
    ms[s] = Number(((((after.seconds[s] ?? 0) - (before.seconds[s] ?? 0)) * 1000) / transactions).toFixed(1));
  return {
    transactions,
    recordsPerTransaction: Math.round((after.records - before.records) / transactions),
    msPerTransaction: ms,
  };
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(body)
          : reject(new Error(`/metrics on :${port}: HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`/metrics on :${port}: timed out`)));
    req.on('error', reject);
  });
}

/** Scrapes the workers' metrics ports and sums one pipeline's loop counters. */
export async function scrapeLoop(ports: number[], pipeline: string): Promise<LoopTotals> {
  return addLoopTotals(await Promise.all(ports.map(async (p) => parseLoopTotals(await get(p), pipeline))));
}

/** One line for the bench's log: `N transactions of R records; ms each: wait W, ..., commit C`. */
export function loopText(b: LoopBreakdown): string {
  const steps = LOOP_STEPS.map((s) => `${s} ${b.msPerTransaction[s]}`).join(', ');
  return `${b.transactions} transactions of ${b.recordsPerTransaction} records; ms each: ${steps}`;
}
