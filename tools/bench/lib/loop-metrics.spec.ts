import { addLoopTotals, loopBreakdown, parseLoopTotals } from './loop-metrics';

const exposition = (
  pipeline: string,
  scale: number,
) => `# HELP eos_worker_loop_seconds_total Seconds the tasks spent per step
# TYPE eos_worker_loop_seconds_total counter
eos_worker_loop_seconds_total{pipeline="${pipeline}",step="wait"} ${0.5 * scale}
eos_worker_loop_seconds_total{pipeline="${pipeline}",step="prepare"} ${0.2 * scale}
eos_worker_loop_seconds_total{pipeline="${pipeline}",step="produce"} ${1 * scale}
eos_worker_loop_seconds_total{pipeline="${pipeline}",step="commit"} ${0.1 * scale}
eos_worker_loop_seconds_total{pipeline="other",step="produce"} 99
eos_worker_transactions_total{pipeline="${pipeline}",outcome="committed"} ${10 * scale}
eos_worker_transactions_total{pipeline="${pipeline}",outcome="aborted"} 7
eos_worker_records_committed_total{pipeline="${pipeline}",task="0"} ${1000 * scale}
eos_worker_records_committed_total{pipeline="${pipeline}",task="1"} ${3000 * scale}
eos_worker_tasks 2
`;

describe('loop metrics', () => {
  it("reads one pipeline's step seconds, committed transactions and records, and nothing of other pipelines", () => {
    const t = parseLoopTotals(exposition('p', 1), 'p');
    expect(t).toEqual({
      transactions: 10,
      records: 4000,
      seconds: { wait: 0.5, prepare: 0.2, produce: 1, commit: 0.1 },
    });
    expect(parseLoopTotals(exposition('p', 1), 'q')).toEqual({ transactions: 0, records: 0, seconds: {} });
  });

  it('sums workers and turns a window into ms per committed transaction', () => {
    const before = addLoopTotals([
      parseLoopTotals(exposition('p', 1), 'p'),
      parseLoopTotals(exposition('p', 1), 'p'),
    ]);
    const after = addLoopTotals([
      parseLoopTotals(exposition('p', 3), 'p'),
      parseLoopTotals(exposition('p', 2), 'p'),
    ]);
    // 30 more transactions, 12,000 more records; produce: 3 s more -> 100 ms each
    expect(loopBreakdown(before, after)).toEqual({
      transactions: 30,
      recordsPerTransaction: 400,
      msPerTransaction: { wait: 50, begin: 0, transform: 0, prepare: 20, produce: 100, commit: 10 },
    });
    expect(loopBreakdown(after, after)).toBeUndefined();
  });
});
