/**
 * Rollout timing on the real stack (controller + 3 workers, 6 tasks, continuous input).
 * Handoff: rollouts with one task per step and a one-commit gate, so each step is one task's
 * revoke -> commit and release -> start on the new spec -> first commit. Full rollout: the default
 * strategy (canary 1, steps of 2, 3 commits per gate), UpdatePipeline -> SUCCEEDED. Not a test.
 *
 *   npx tsx tools/bench/rollout.ts [--runs 3]
 */
import { Rollout_State, TaskState, type GetPipelineStatusResponse, type Rollout } from '@eos/proto';
import { benchStack } from './lib/fleet';
import { startBenchLoad } from './lib/load';
import { percentile, until } from '@eos/testing';
import { cliArgs } from '../lib/args';

const RUNS = cliArgs('npx tsx tools/bench/rollout.ts [--runs N]   (default 3)', {
  runs: { type: 'string' },
}).number('runs', 3, { min: 1 });

async function main(): Promise<void> {
  const bench = await startBenchLoad({ prefix: 'rollout', partitions: 6, perSend: 300, valueBytes: 1024 });
  const name = bench.name;
  const stack = benchStack(bench.env, { leaseMs: 3000 });
  const handoffs: number[] = [];
  const fulls: number[] = [];
  let n = 0;
  const spec = () => ({
    name,
    inputTopic: `${name}.in`,
    outputTopic: `${name}.out`,
    tasks: 6,
    transform: { name: 'suffix', version: 1, config: { suffix: `|${++n}` } },
  });
  const run = async (strategy: object) => {
    await until('the stack', async () =>
      (
        await stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name })
      ).tasks.every((t) => t.state === TaskState.PROCESSING),
    );
    const t0 = Date.now();
    const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
      spec: spec(),
      strategy,
    });
    const r = await until('the stack', async () => {
      const x = await stack.call<{ rolloutId: string }, Rollout>('getRollout', { rolloutId });
      return x.state === Rollout_State.SUCCEEDED
        ? x
        : x.state === Rollout_State.FAILED
          ? Promise.reject(new Error(x.reason))
          : undefined;
    });
    return { r, ms: Date.now() - t0, t0 };
  };
  try {
    await stack.startController();
    for (let i = 1; i <= 3; i++) stack.startWorker(`w${i}`);
    await stack.call('createPipeline', { spec: spec() });
    for (let i = 0; i < RUNS; i++) {
      const { r } = await run({ canaryTasks: 1, stepTasks: 1, gateCommits: 1 });
      const steps = r.gates.map(
        (g, j) => Number(g.atMs) - (j === 0 ? Number(r.createdAtMs) : Number(r.gates[j - 1]!.atMs)),
      );
      handoffs.push(...steps.slice(1)); // the canary step also includes picking up the job
      console.log(`handoff run ${i + 1}: steps ${steps.join(', ')} ms`);
      const full = await run({});
      fulls.push(full.ms);
      console.log(`full rollout run ${i + 1} (canary 1, steps of 2, 3 commits per gate): ${full.ms} ms`);
    }
  } finally {
    await stack.stop();
    await bench.stop();
  }
  console.log(
    `\nper-task handoff under load (revoke -> committed, released -> first commit on the new spec), ${handoffs.length} handoffs: median ${percentile(handoffs, 50)} ms, max ${Math.max(...handoffs)} ms`,
  );
  console.log(
    `full rollout of 6 tasks, default strategy, ${RUNS} runs: median ${percentile(fulls, 50)} ms, max ${Math.max(...fulls)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
