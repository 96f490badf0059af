/**
 * Rollouts on the real stack (controller + 3 workers, 6 tasks, continuous input, a `suffix`
 * pipeline whose config changes every rollout).
 * - Handoff: rollouts with one task per step and a one-commit gate, so each step is one task's
 *   revoke -> commit and release -> start on the new spec -> first commit (gate to gate).
 * - Output pause per task: the old spec's last commit -> the new spec's first commit of the same
 *   task (`pause.ts`), over the same one-task-per-step rollouts.
 * - Full rollout: the default strategy (canary 1, steps of 2, 3 commits per gate),
 *   UpdatePipeline -> SUCCEEDED.
 */
import { Rollout_State, TaskState, type GetPipelineStatusResponse, type Rollout } from '@eos/proto';
import { until } from '@eos/testing';
import { benchStack } from './fleet';
import { startBenchLoad } from './load';
import { watchPauses } from './pause';

export interface RolloutResult {
  /** Per step after the canary (one task each): gate -> next gate, ms. */
  handoffMs: number[];
  /** Per task: its last commit on the old spec -> its first on the new one, ms. */
  pauseMs: number[];
  /** Per run: UpdatePipeline -> SUCCEEDED with the default strategy, ms. */
  fullMs: number[];
}

export async function runRollout(o: { runs: number; log?: (line: string) => void }): Promise<RolloutResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const bench = await startBenchLoad({ prefix: 'rollout', partitions: 6, perSend: 300, valueBytes: 1024 });
  const name = bench.name;
  const stack = benchStack(bench.env, { leaseMs: 3000 });
  const result: RolloutResult = { handoffMs: [], pauseMs: [], fullMs: [] };
  let n = 0;
  const spec = () => ({
    name,
    inputTopic: `${name}.in`,
    outputTopic: `${name}.out`,
    tasks: 6,
    transform: { name: 'suffix', version: 1, config: { suffix: `|${++n}` } },
  });
  const status = () => stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
  const run = async (strategy: object) => {
    await until('the stack', async () =>
      (await status()).tasks.every((t) => t.state === TaskState.PROCESSING),
    );
    const t0 = Date.now();
    const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
      spec: spec(),
      strategy,
    });
    const r = await until(
      'the rollout',
      async () => {
        const x = await stack.call<{ rolloutId: string }, Rollout>('getRollout', { rolloutId });
        return x.state === Rollout_State.SUCCEEDED
          ? x
          : x.state === Rollout_State.FAILED
            ? Promise.reject(new Error(x.reason))
            : undefined;
      },
      180_000,
    );
    return { r, ms: Date.now() - t0 };
  };
  try {
    await stack.startController();
    for (let i = 1; i <= 3; i++) stack.startWorker(`w${i}`);
    await stack.call('createPipeline', { spec: spec() });
    for (let i = 0; i < o.runs; i++) {
      await until('the stack', async () =>
        (await status()).tasks.every((t) => t.state === TaskState.PROCESSING && Number(t.lastCommitAtMs) > 0),
      );
      const pauses = watchPauses(status);
      await pauses.ready;
      const { r } = await run({ canaryTasks: 1, stepTasks: 1, gateCommits: 1 });
      // The last step's task may not have committed on the new spec when the gate passed.
      await until("every task's first commit on the new spec", async () => pauses.count >= 6 || undefined);
      const runPauses = await pauses.stop();
      result.pauseMs.push(...runPauses);
      const steps = r.gates.map(
        (g, j) => Number(g.atMs) - (j === 0 ? Number(r.createdAtMs) : Number(r.gates[j - 1]!.atMs)),
      );
      result.handoffMs.push(...steps.slice(1)); // the canary step also includes picking up the job
      log(
        `rollout run ${i + 1}: steps ${steps.join(', ')} ms; output pause per task ${runPauses.join(', ')} ms`,
      );
      const full = await run({});
      result.fullMs.push(full.ms);
      log(`full rollout run ${i + 1} (canary 1, steps of 2, 3 commits per gate): ${full.ms} ms`);
    }
  } finally {
    await stack.stop();
    await bench.stop();
  }
  return result;
}
