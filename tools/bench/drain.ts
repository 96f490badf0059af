/**
 * Drain timing on the real stack: a worker with 4 tasks under continuous load is drained
 * (DrainWorker); per task, revoke -> committed and released (as the worker logs it), and the
 * whole drain (DrainWorker -> process exit 0). Not a test.
 *
 *   npx tsx tools/bench/drain.ts [--runs 3]
 */
import { Kafka, logLevel } from 'kafkajs';
import { TaskState, type GetPipelineStatusResponse } from '@eos/proto';
import { startKafka, startRedis } from '@eos/infra';
import { TestStack, uniqueName } from '@eos/testing';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
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
  const kafka = new Kafka({ clientId: 'bench-drain', brokers: k.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const name = uniqueName('drain');
  await admin.createTopics({
    topics: [{ topic: `${name}.in`, numPartitions: 8, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let producing = true;
  const value = Buffer.alloc(1024, 'x');
  const load = (async () => {
    while (producing) {
      await producer.send({
        topic: `${name}.in`,
        messages: Array.from({ length: 400 }, (_, j) => ({ partition: j % 8, value })),
      });
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
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
      const s = await until(async () => {
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
      const times = [...proc.output.slice(before).matchAll(/task \S+ released in (\d+) ms/g)].map((m) => Number(m[1]));
      perTask.push(...times);
      console.log(
        `run ${r + 1}: drained ${victim} (exit ${code}) in ${whole[whole.length - 1]} ms; per task ${times.join(', ')} ms`,
      );
      live.delete(victim);
      live.set(`w${++n}`, stack.startWorker(`w${n}`));
    }
  } finally {
    producing = false;
    await load.catch(() => undefined);
    await producer.disconnect();
    await stack.stop();
    await admin.disconnect();
  }
  console.log(
    `\ndrain of a worker with 4 tasks under load, ${RUNS} runs: per task (revoke -> committed and released) median ${pct(perTask, 50)} ms, max ${Math.max(...perTask)} ms; whole drain (DrainWorker -> exit 0) median ${pct(whole, 50)} ms, max ${Math.max(...whole)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
