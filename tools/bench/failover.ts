/**
 * Failover and controller-restart timings on the real stack (controller + 3 workers as processes,
 * 6 tasks, continuous input). Not a test: prints medians and maxima.
 *
 *   npx tsx tools/bench/failover.ts [--runs 5] [--lease-ms 3000]
 *
 * Failover: SIGKILL of the worker owning the most tasks -> first commit of each of its tasks on
 * a survivor (commit times as the controller records them). Controller restart: SIGKILL ->
 * restarted process -> every task PROCESSING and every worker ACTIVE again.
 */
import { TaskState, WorkerState, type GetPipelineStatusResponse, type ListWorkersResponse } from '@eos/proto';
import { benchStack, identityPipeline } from './lib/fleet';
import { startBenchLoad } from './lib/load';
import { timeControllerRestarts } from './lib/restart';
import { TestStack, percentile, until } from '@eos/testing';
import { cliArgs } from '../lib/args';

const args = cliArgs('npx tsx tools/bench/failover.ts [--runs N] [--lease-ms MS]   (defaults 5, 3000)', {
  runs: { type: 'string' },
  'lease-ms': { type: 'string' },
});
const RUNS = args.number('runs', 5, { min: 1 });
const LEASE = args.number('lease-ms', 3000, { min: 1 });

async function main(): Promise<void> {
  const bench = await startBenchLoad({ prefix: 'failover', partitions: 6, perSend: 60, valueBytes: 100 });
  const name = bench.name;

  const stack = benchStack(bench.env, { leaseMs: LEASE });
  const status = () => stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
  const allProcessing = async () => {
    const s = await status();
    const w = await stack.call<object, ListWorkersResponse>('listWorkers', {});
    return s.tasks.every((t) => t.state === TaskState.PROCESSING && t.ownerWorkerId) &&
      w.workers.filter((x) => x.state === WorkerState.ACTIVE).length === 3
      ? s
      : undefined;
  };
  const failovers: number[] = [];
  let restarts: number[] = [];
  /** Controller restart: spawn -> its gRPC port bound (state loaded). */
  let serving: number[] = [];
  try {
    await stack.startController();
    let n = 0;
    const live = new Map<string, ReturnType<TestStack['startWorker']>>();
    for (let i = 0; i < 3; i++) {
      const id = `w${++n}`;
      live.set(id, stack.startWorker(id));
    }
    await stack.call('createPipeline', identityPipeline(name, 6));
    let progressFrom: Map<number, number> | undefined;
    for (let r = 0; r < RUNS; r++) {
      // Independent crashes: the controller treats a task whose owner dies twice within
      // CONTROLLER_CAREFUL_RECORDS (5,000) committed records as suspect and runs it in careful
      // mode (docs/architecture.md, "Poison records"); so every task makes that much progress
      // between two kills, or the figure would time careful mode, not a failover.
      const s = await until(
        'the stack, and 5,000 records of progress per task since the last kill',
        async () => {
          const st = await allProcessing();
          return st &&
            st.tasks.every(
              (t) => Number(t.recordsCommitted) - (progressFrom?.get(t.taskIndex) ?? -Infinity) >= 5000,
            )
            ? st
            : undefined;
        },
        120_000,
      );
      const counts = new Map<string, number>();
      for (const t of s.tasks) counts.set(t.ownerWorkerId, (counts.get(t.ownerWorkerId) ?? 0) + 1);
      const victim = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
      const moving = s.tasks.filter((t) => t.ownerWorkerId === victim).map((t) => t.taskIndex);
      const killedAt = Date.now();
      live.get(victim)!.kill('SIGKILL');
      live.delete(victim);
      const after = await until('the stack', async () => {
        const st = await status();
        const ok = moving.every((i) => {
          const t = st.tasks[i]!;
          return t.ownerWorkerId !== victim && t.ownerWorkerId !== '' && Number(t.lastCommitAtMs) > killedAt;
        });
        return ok ? st : undefined;
      });
      for (const i of moving) failovers.push(Number(after.tasks[i]!.lastCommitAtMs) - killedAt);
      progressFrom = new Map(after.tasks.map((t) => [t.taskIndex, Number(t.recordsCommitted)]));
      console.log(
        `run ${r + 1}: killed ${victim} (${moving.length} tasks): first commits after ${moving.map((i) => Number(after.tasks[i]!.lastCommitAtMs) - killedAt).join(', ')} ms`,
      );
      const id = `w${++n}`;
      live.set(id, stack.startWorker(id));
    }
    const r = await timeControllerRestarts(
      stack,
      async () => (await allProcessing()) !== undefined,
      RUNS,
      (l) => console.log(l),
    );
    [restarts, serving] = [r.steadyMs, r.servingMs];
  } finally {
    await stack.stop();
    await bench.stop();
  }
  console.log(
    `\nfailover (SIGKILL -> first commit of a moved task), lease ${LEASE} ms, ${failovers.length} tasks over ${RUNS} runs: median ${percentile(failovers, 50)} ms, max ${Math.max(...failovers)} ms`,
  );
  console.log(
    `controller restart (SIGKILL -> restarted, all tasks processing, all workers active), ${RUNS} runs: median ${percentile(restarts, 50)} ms, max ${Math.max(...restarts)} ms; of which until the restarted process served gRPC: median ${percentile(serving, 50)} ms, max ${Math.max(...serving)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
