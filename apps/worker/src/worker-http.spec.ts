import { WorkerMetrics } from './worker-http';

describe('WorkerMetrics', () => {
  it("adds each committed transaction's step times to eos_worker_loop_seconds_total by pipeline and step", async () => {
    const m = new WorkerMetrics();
    const port = m.tasksPort();
    const steps = { waitMs: 100, beginMs: 0, transformMs: 3, prepareMs: 40, produceMs: 210, commitMs: 20 };
    port.committed({ pipeline: 'p1', task: '0' }, { records: 4096, deadLettered: 0, durationMs: 273, steps });
    port.committed({ pipeline: 'p1', task: '1' }, { records: 10, deadLettered: 0, durationMs: 273, steps });
    port.committed(
      { pipeline: 'p2', task: '0' },
      { records: 1, deadLettered: 0, durationMs: 1, steps: { ...steps, prepareMs: 5 } },
    );
    const text = await m.registry.metrics();
    const value = (pipeline: string, step: string) =>
      Number(
        new RegExp(
          `^eos_worker_loop_seconds_total\\{pipeline="${pipeline}",step="${step}"\\} (\\S+)$`,
          'm',
        ).exec(text)?.[1],
      );
    expect(value('p1', 'prepare')).toBeCloseTo(0.08, 6);
    expect(value('p1', 'produce')).toBeCloseTo(0.42, 6);
    expect(value('p1', 'wait')).toBeCloseTo(0.2, 6);
    expect(value('p1', 'begin')).toBe(0);
    expect(value('p2', 'prepare')).toBeCloseTo(0.005, 6);
    expect(text).toMatch(/^eos_worker_transactions_total\{pipeline="p1",outcome="committed"\} 2$/m);
  });
});
