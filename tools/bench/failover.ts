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
import { Kafka, logLevel } from 'kafkajs';
import { TaskState, WorkerState, type GetPipelineStatusResponse, type ListWorkersResponse } from '@eos/proto';
import { startKafka, startRedis } from '@eos/infra';
import { TestStack, uniqueName } from '@eos/testing';

const args = process.argv.slice(2);
const opt = (n: string, d: number) => (args.includes(n) ? Number(args[args.indexOf(n) + 1]) : d);
const RUNS = opt('--runs', 5);
const LEASE = opt('--lease-ms', 3000);

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const k = await startKafka();
  await startRedis();
  const kafka = new Kafka({ clientId: 'bench-failover', brokers: k.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const name = uniqueName('failover');
  await admin.createTopics({
    topics: [{ topic: `${name}.in`, numPartitions: 6, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let producing = true;
  const load = (async () => {
    let i = 0;
    while (producing) {
      await producer.send({
        topic: `${name}.in`,
        messages: Array.from({ length: 60 }, (_, j) => ({ partition: j % 6, value: `v${i++}` })),
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const stack = new TestStack({ leaseMs: LEASE });
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
  const restarts: number[] = [];
  try {
    await stack.startController();
    let n = 0;
    const live = new Map<string, ReturnType<TestStack['startWorker']>>();
    for (let i = 0; i < 3; i++) {
      const id = `w${++n}`;
      live.set(id, stack.startWorker(id));
    }
    await stack.call('createPipeline', {
      spec: {
        name,
        inputTopic: `${name}.in`,
        outputTopic: `${name}.out`,
        tasks: 6,
        transform: { name: 'identity', version: 1, config: {} },
        deadLetterTopic: '',
      },
    });
    for (let r = 0; r < RUNS; r++) {
      const s = await until(allProcessing);
      const counts = new Map<string, number>();
      for (const t of s.tasks) counts.set(t.ownerWorkerId, (counts.get(t.ownerWorkerId) ?? 0) + 1);
      const victim = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
      const moving = s.tasks.filter((t) => t.ownerWorkerId === victim).map((t) => t.taskIndex);
      const killedAt = Date.now();
      live.get(victim)!.kill('SIGKILL');
      live.delete(victim);
      const after = await until(async () => {
        const st = await status();
        const ok = moving.every((i) => {
          const t = st.tasks[i]!;
          return t.ownerWorkerId !== victim && t.ownerWorkerId !== '' && Number(t.lastCommitAtMs) > killedAt;
        });
        return ok ? st : undefined;
      });
      for (const i of moving) failovers.push(Number(after.tasks[i]!.lastCommitAtMs) - killedAt);
      console.log(
        `run ${r + 1}: killed ${victim} (${moving.length} tasks): first commits after ${moving.map((i) => Number(after.tasks[i]!.lastCommitAtMs) - killedAt).join(', ')} ms`,
      );
      const id = `w${++n}`;
      live.set(id, stack.startWorker(id));
    }
    for (let r = 0; r < RUNS; r++) {
      await until(allProcessing);
      stack.controller!.kill('SIGKILL');
      await stack.controller!.exit();
      (stack as unknown as { client?: { close(): void } }).client?.close();
      (stack as unknown as { client?: unknown }).client = undefined;
      const t0 = Date.now();
      await stack.startController();
      await until(allProcessing);
      restarts.push(Date.now() - t0);
      console.log(`controller restart ${r + 1}: steady in ${restarts[restarts.length - 1]} ms`);
    }
  } finally {
    producing = false;
    await load.catch(() => undefined);
    await producer.disconnect();
    await stack.stop();
    await admin.disconnect();
  }
  console.log(
    `\nfailover (SIGKILL -> first commit of a moved task), lease ${LEASE} ms, ${failovers.length} tasks over ${RUNS} runs: median ${pct(failovers, 50)} ms, max ${Math.max(...failovers)} ms`,
  );
  console.log(
    `controller restart (SIGKILL -> restarted, all tasks processing, all workers active), ${RUNS} runs: median ${pct(restarts, 50)} ms, max ${Math.max(...restarts)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
