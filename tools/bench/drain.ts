/**
 * Drain timing on the real stack: a worker with 4 tasks under continuous load is drained
 * (DrainWorker); per task, revoke -> committed and released (as the worker logs it), and the
 * whole drain (DrainWorker -> process exit 0). Not a test.
 *
 *   npx tsx tools/bench/drain.ts [--runs 3]
 */
import { TaskState, type GetPipelineStatusResponse } from '@eos/proto';
import { startBenchLoad } from './load';
import { TestStack, percentile, until } from '@eos/testing';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;

async function main(): Promise<void> {
  const bench = await startBenchLoad({ prefix: 'drain', partitions: 8, perSend: 400, valueBytes: 1024 });
  const name = bench.name;
  const stack = new TestStack({ leaseMs: 3000 });
  const perTask: number[] = [];
  const whole: number[] = [];
  try {
    await stack.startController();
    let n = 0;
    const live = new Map<string, ReturnType<TestStack['startWorker']>>();
    for (let i = 0; i < 2; i++) live.set(`w${++n}`, stack.startWorker(`w${n}`));
    await stack.call('createPipeline', {
      spec: {
        name,
        inputTopic: `${name}.in`,
        outputTopic: `${name}.out`,
        tasks: 8,
        transform: { name: 'identity', version: 1, config: {} },
      },
    });
    for (let r = 0; r < RUNS; r++) {
      const s = await until('the stack', async () => {
        const st = await stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', {
          name,
        });
        const owners = new Map<string, number>();
        for (const t of st.tasks) owners.set(t.ownerWorkerId, (owners.get(t.ownerWorkerId) ?? 0) + 1);
        return st.tasks.every((t) => t.state === TaskState.PROCESSING && t.recordsCommitted > 0) &&
          [...owners.values()].every((c) => c === 4)
          ? st
          : undefined;
      });
      const victim = s.tasks[0]!.ownerWorkerId;
      const proc = live.get(victim)!;
      const before = proc.output.length;
      const t0 = Date.now();
      await stack.call('drainWorker', { workerId: victim });
      const code = await proc.exit();
      whole.push(Date.now() - t0);
      const times = [...proc.output.slice(before).matchAll(/task \S+ released in (\d+) ms/g)].map((m) =>
        Number(m[1]),
      );
      perTask.push(...times);
      console.log(
        `run ${r + 1}: drained ${victim} (exit ${code}) in ${whole[whole.length - 1]} ms; per task ${times.join(', ')} ms`,
      );
      live.delete(victim);
      live.set(`w${++n}`, stack.startWorker(`w${n}`));
    }
  } finally {
    await stack.stop();
    await bench.stop();
  }
  console.log(
    `\ndrain of a worker with 4 tasks under load, ${RUNS} runs: per task (revoke -> committed and released) median ${percentile(perTask, 50)} ms, max ${Math.max(...perTask)} ms; whole drain (DrainWorker -> exit 0) median ${percentile(whole, 50)} ms, max ${Math.max(...whole)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
