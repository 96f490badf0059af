/** The chaos run's report: one JSON document and the table printed from it. */
import type { Violations } from './checker';
import type { FaultKind } from './schedule';

export interface FaultRecord {
  n: number;
  kind: FaultKind;
  target: string;
  /** Wall-clock offsets from the start of the run, ms. */
  injectedAtMs: number;
  healedAtMs: number;
  detail: string;
  /** heal -> every input partition with a backlog at the heal has a new commit. */
  firstCommitMs?: number;
  /** heal -> the committed offsets reach the input end offsets taken at the heal. */
  caughtUpMs?: number;
  survived: boolean;
}

export interface ChaosReport {
  seed: number;
  mode: 'quick' | 'full';
  durationMs: number;
  records: {
    acked: number;
    /** Sends whose outcome the producer never learned (each may or may not be in the input). */
    unacknowledged: number;
    in: number;
    out: number;
    uncommittedOut: number;
  };
  violations: Record<keyof Violations, number>;
  examples: Partial<Record<keyof Violations, string[]>>;
  faults: FaultRecord[];
  faultsByKind: Record<string, { injected: number; survived: number }>;
  fencing: { fencedLogLines: number; epochBumps: number };
  transactions: { committed: number; aborted: number };
  throughput: { recordsPerSec: number };
  recovery: { firstCommitMedianMs: number; caughtUpMedianMs: number; caughtUpMaxMs: number };
  passed: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : NaN;
};

export function recoveryFigures(faults: FaultRecord[]): ChaosReport['recovery'] {
  const first = faults.flatMap((f) => (f.firstCommitMs === undefined ? [] : [f.firstCommitMs]));
  const caught = faults.flatMap((f) => (f.caughtUpMs === undefined ? [] : [f.caughtUpMs]));
  return {
    firstCommitMedianMs: median(first),
    caughtUpMedianMs: median(caught),
    caughtUpMaxMs: caught.length ? Math.max(...caught) : NaN,
  };
}

const row = (cells: (string | number)[], widths: number[]) =>
  cells.map((c, i) => String(c).padEnd(widths[i] ?? 10)).join('  ');

/** The report as a plain-text table. */
export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  lines.push(
    `chaos ${r.mode} run, seed ${r.seed}: ${r.passed ? 'PASSED' : 'FAILED'} (${(r.durationMs / 1000).toFixed(0)} s)`,
  );
  lines.push('');
  const w = [34, 12];
  lines.push(row(['records in (input topic)', r.records.in], w));
  lines.push(row(['  acknowledged / unacknowledged', `${r.records.acked} / ${r.records.unacknowledged}`], w));
  lines.push(row(['records out (read_committed)', r.records.out], w));
  lines.push(row(['records out (read_uncommitted)', r.records.uncommittedOut], w));
  lines.push(row(['duplicates', r.violations.duplicates], w));
  lines.push(row(['losses', r.violations.losses], w));
  lines.push(row(['order violations', r.violations.orderViolations], w));
  lines.push(row(['mismatches (output != transform)', r.violations.mismatches], w));
  lines.push(row(['aborted records visible', r.violations.abortedVisible], w));
  lines.push(row(['hanging transactions', r.violations.hangingTransactions], w));
  lines.push(row(['committed offsets != input end', r.violations.offsetMismatches], w));
  lines.push(row(['producer epoch regressions', r.violations.epochRegressions], w));
  lines.push(
    row(['transactions committed / aborted', `${r.transactions.committed} / ${r.transactions.aborted}`], w),
  );
  lines.push(
    row(['fencing (log lines / epoch bumps)', `${r.fencing.fencedLogLines} / ${r.fencing.epochBumps}`], w),
  );
  lines.push(row(['throughput (records/s committed)', r.throughput.recordsPerSec.toFixed(0)], w));
  lines.push(
    row(
      [
        'recovery median: first commit / lag 0',
        `${r.recovery.firstCommitMedianMs} / ${r.recovery.caughtUpMedianMs} ms (max ${r.recovery.caughtUpMaxMs})`,
      ],
      w,
    ),
  );
  lines.push('');
  const fw = [16, 10, 10];
  lines.push(row(['fault', 'injected', 'survived'], fw));
  for (const [kind, c] of Object.entries(r.faultsByKind)) lines.push(row([kind, c.injected, c.survived], fw));
  lines.push('');
  const dw = [4, 16, 20, 9, 13, 11, 8];
  lines.push(row(['#', 'fault', 'target', 'held ms', 'first commit', 'lag 0 ms', 'ok', 'detail'], dw));
  for (const f of r.faults) {
    lines.push(
      row(
        [
          f.n,
          f.kind,
          f.target,
          f.healedAtMs - f.injectedAtMs,
          f.firstCommitMs ?? '-',
          f.caughtUpMs ?? '-',
          f.survived ? 'yes' : 'NO',
          f.detail,
        ],
        dw,
      ),
    );
  }
  for (const [k, xs] of Object.entries(r.examples)) {
    if (xs && xs.length) lines.push(`\n${k} (first ${xs.length}):\n  ${xs.join('\n  ')}`);
  }
  return lines.join('\n');
}
