/**
 * Drain of a worker with 4 tasks under continuous load (8-partition identity pipeline on 2
 * workers): per task, revoke -> committed and released (as the worker logs it), the output pause
 * of each moved task (the old owner's last commit -> the new owner's first, `pause.ts`), and the
 * whole drain (DrainWorker -> process exit 0).
 */
import { TaskState, type GetPipelineStatusResponse } from '@eos/proto';
import { until, type TestStack } from '@eos/testing';
import { benchStack, identityPipeline } from './fleet';
import { startBenchLoad } from './load';
import { watchPauses } from './pause';

export interface DrainResult {
  /** Per task: revoke -> committed and released, ms. */
  perTaskMs: number[];
  /** Per run: DrainWorker -> worker exit 0, ms. */
  wholeMs: number[];
  /** Per moved task: the old owner's last commit -> the new owner's first commit, ms. */
  pauseMs?: number[];
  /** The input rate, records/s of 1 KB (undefined: as fast as one producer sends). */
  rate?: number;
}

/** No task moved for this long before a drain: see runDrain. */
const SETTLE_MS = 10_000;

export async function runDrain(o: {
  runs: number;
  log?: (line: string) => void;
  /** Input records per second (1 KB each); without it, as fast as one producer sends 400 every ~10 ms. */
  rate?: number;
}): Promise<DrainResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const bench = await startBenchLoad({
    prefix: 'drain',
    partitions: 8,
    perSend: 400,
    valueBytes: 1024,
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
  });
  const name = bench.name;
  const stack = benchStack(bench.env, { leaseMs: 3000 });
  const perTaskMs: number[] = [];
  const wholeMs: number[] = [];
  const pauseMs: number[] = [];
  try {
    await stack.startController();
    let n = 0;
    const live = new Map<string, ReturnType<TestStack['startWorker']>>();
    for (let i = 0; i < 2; i++) live.set(`w${++n}`, stack.startWorker(`w${n}`));
    await stack.call('createPipeline', identityPipeline(name, 8));
    for (let r = 0; r < o.runs; r++) {
      // Steady first: 4 tasks on each worker, every one committing, and no task moved for
      // SETTLE_MS (the new worker's tasks started, caught up with their backlog, and its process
      // warmed up); a drain right after the rebalance would time a worker still starting 4 tasks,
      // not the handoff.
      let epochs = '';
      let sameSince = Date.now();
      const s = await until('the stack', async () => {
        const st = await stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', {
          name,
        });
        const owners = new Map<string, number>();
        for (const t of st.tasks) owners.set(t.ownerWorkerId, (owners.get(t.ownerWorkerId) ?? 0) + 1);
        const now = Date.now();
        const e = st.tasks.map((t) => `${t.taskIndex}:${t.epoch}`).join(',');
        if (e !== epochs) [epochs, sameSince] = [e, now];
        return st.tasks.every(
          (t) => t.state === TaskState.PROCESSING && now - Number(t.lastCommitAtMs) < 1_000,
        ) &&
          [...owners.values()].every((c) => c === 4) &&
          now - sameSince >= SETTLE_MS
          ? st
          : undefined;
      });
      const victim = s.tasks[0]!.ownerWorkerId;
      const proc = live.get(victim)!;
      const before = proc.output.length;
      const receivers = [...live]
        .filter(([id]) => id !== victim)
        .map(([, p]) => ({ p, at: p.output.length }));
      const status = () =>
        stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
      const pauses = watchPauses(status);
      await pauses.ready;
      const t0 = Date.now();
      await stack.call('drainWorker', { workerId: victim });
      const code = await proc.exit();
      wholeMs.push(Date.now() - t0);
      // Every moved task (4) commits on its new owner; the watch saw its handoff.
      await until("the moved tasks' first commits", async () => pauses.count >= 4 || undefined);
      const runPauses = await pauses.stop();
      pauseMs.push(...runPauses);
      const times = [...proc.output.slice(before).matchAll(/task \S+ released in (\d+) ms/g)].map((m) =>
        Number(m[1]),
      );
      perTaskMs.push(...times);
      // The new owners' own account of each takeover (fence, offsets, fetch start, first transaction).
      for (const { p, at } of receivers)
        for (const m of p.output.slice(at).matchAll(/task \S+ epoch \d+: first commit [^\n]*/g))
          log(`  ${p.name}: ${m[0]}`);
      log(
        `drain run ${r + 1}: drained ${victim} (exit ${code}) in ${wholeMs[wholeMs.length - 1]} ms; per task ${times.join(', ')} ms; output pause per moved task ${runPauses.join(', ')} ms`,
      );
      live.delete(victim);
      live.set(`w${++n}`, stack.startWorker(`w${n}`));
    }
  } finally {
    await stack.stop();
    await bench.stop();
  }
  return { perTaskMs, wholeMs, pauseMs, ...(o.rate !== undefined ? { rate: o.rate } : {}) };
}
