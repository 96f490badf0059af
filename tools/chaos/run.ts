/**
 * One chaos run: the broker, Redis, proxies, controller and workers up; the pipeline created and
 * the workload running; the planned faults injected one after another, each tracked to its
 * recovery; then the verdict and the report. Everything it started is stopped at the end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import {
  REPO_ROOT,
  kafkaAnswers,
  redisAnswers,
  startKafka,
  startRedis,
  stopKafka,
  stopRedis,
} from '@eos/infra';
import { createTopic } from '@eos/testing';
import { chaosSecurity } from './chaos-security';
import { inject, type FaultContext } from './faults';
import {
  IN,
  LEASE_MS,
  PARTITIONS,
  RECOVERY_TIMEOUT_MS,
  SPEC,
  TX_TIMEOUT_MS,
  type ChaosOptions,
} from './options';
import { Progress } from './progress';
import { formatReport, type FaultRecord } from './report';
import { planFaults } from './schedule';
import { ChaosStack } from './stack';
import { verdict } from './verdict';
import { Workload } from './workload';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the harness; resolves with the exit code (0: every invariant held, every fault survived). */
export async function runChaos(o: ChaosOptions): Promise<number> {
  const t0 = Date.now();
  const since = () => Date.now() - t0;
  const log = (m: string) => console.log(`[chaos +${(since() / 1000).toFixed(1)}s] ${m}`);

  fs.mkdirSync(o.runDir, { recursive: true });
  const security = o.secure
    ? chaosSecurity(
        path.join(o.runDir, 'secure'),
        Array.from({ length: o.workers }, (_, i) => `w${i + 1}`),
      )
    : undefined;
  for (const app of ['controller', 'worker']) {
    if (!fs.existsSync(path.join(REPO_ROOT, `dist/apps/${app}/main.js`)))
      throw new Error(`dist/apps/${app}/main.js is missing: run \`npm run build\` first`);
  }
  // The harness kills and restarts its broker and Redis: never someone else's.
  if (await kafkaAnswers(o.plain, 1_000))
    throw new Error(`something already answers on ${o.plain[0]}; stop it or pass --kafka-port`);
  if (await redisAnswers('127.0.0.1', o.redisPort))
    throw new Error(`something already answers on Redis port ${o.redisPort}; stop it or pass --redis-port`);
  fs.rmSync(o.kafka.dataDir as string, { recursive: true, force: true });

  const plan = planFaults({
    seed: o.seed,
    budgetMs: o.minutes * 60_000,
    gapMs: o.quick ? [5_000, 5_500] : [5_000, 15_000],
    leaseMs: LEASE_MS,
    transactionTimeoutMs: TX_TIMEOUT_MS,
  });
  log(
    `seed ${o.seed}, ${o.quick ? 'quick' : `${o.minutes} min`}${o.secure ? ', TLS and bearer tokens on' : ''}: ${plan.length} faults planned; logs in ${o.runDir}`,
  );

  const stack = new ChaosStack(o, security);
  const kafka = new Kafka({
    clientId: 'chaos',
    brokers: o.plain,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  const progress = new Progress(kafka, since);
  const ctx: FaultContext = { o, stack, zombies: [], since };
  const faults: FaultRecord[] = [];
  const recoveries: Promise<void>[] = [];
  let producer: Producer | undefined;
  let workload: Workload | undefined;
  let exitCode = 1;
  try {
    const k = await startKafka(o.kafka);
    log(
      `Kafka on ${o.plain[0]} (pid ${k.pid}), proxied listeners ${o.kafka.extraListeners?.map((l) => l.port).join(',')}`,
    );
    await startRedis(o.redis);
    await stack.startProxies();
    const setup = kafka.admin();
    await setup.connect();
    await createTopic(setup, IN, PARTITIONS);
    await setup.disconnect();

    await stack.startController();
    for (let i = 1; i <= o.workers; i++) stack.startWorker(i);
    await Promise.all([...stack.workers.values()].map((w) => w.proc.waitFor(/started: controller/)));
    const created = await stack.api('POST', '/api/pipelines', { spec: SPEC });
    if (created.status !== 200)
      throw new Error(`CreatePipeline: ${created.status} ${JSON.stringify(created.json)}`);

    // Not idempotent, no retries: kafkajs's idempotent producer rolls a partition's sequence
    // number back when a produce request fails, though the request may have been written; around a
    // broker SIGKILL it then acknowledged a send that is not in the log (a later batch reused the
    // sequence numbers, and the broker took one for a duplicate of the other): "acknowledged, not in
    // the input topic", 30 records in 1 quick run of about 5. An acknowledgement here is the
    // broker's append of that very request.
    producer = kafka.producer({ idempotent: false, maxInFlightRequests: 1, retry: { retries: 0 } });
    await producer.connect();
    workload = new Workload(producer, o.perSend);
    workload.start();
    // Running: every partition has a first commit.
    const warm = Date.now();
    while (!(await progress.poll()) || !progress.allStarted()) {
      if (Date.now() - warm > 90_000)
        throw new Error('the pipeline made no commit on every partition in 90 s');
      await sleep(250);
    }
    log(`pipeline running (${since()} ms); injecting faults`);

    for (const [i, f] of plan.entries()) {
      await sleep(f.gapMs);
      log(`fault ${i + 1}/${plan.length}: ${f.kind} (hold ${f.holdMs} ms)`);
      const rec = await inject(ctx, f, i + 1);
      log(`  healed: ${rec.target} ${rec.detail}`);
      faults.push(rec);
      recoveries.push(progress.trackRecovery(rec));
    }
    await workload.stop();
    await Promise.all(recoveries);
    log('workload stopped; waiting for the pipeline to reach the input end');
    const end = Date.now();
    while (!((await progress.poll()) && progress.caughtUp())) {
      if (Date.now() - end > RECOVERY_TIMEOUT_MS) {
        log('the pipeline did not reach the input end in time');
        break;
      }
      await sleep(250);
    }
    const durationMs = since();
    log('verifying with kcat and the Kafka tools');
    for (const z of ctx.zombies)
      z.rec.detail += `; tasks fenced after SIGCONT: ${z.proc.fencedLines - z.fencedBefore}`;
    const { report } = await verdict({
      o,
      durationMs,
      faults,
      acked: workload.acked,
      unacknowledged: workload.unacknowledged,
      fencedLines: stack.fencedLines(),
    });
    fs.writeFileSync(path.join(o.runDir, 'report.json'), JSON.stringify(report, null, 2));
    console.log(`\n${formatReport(report)}\n\nreport: ${path.join(o.runDir, 'report.json')}`);
    exitCode = report.passed ? 0 : 1;
  } finally {
    await workload?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await progress.close();
    await stack.stop();
    await stopRedis(o.redis);
    await stopKafka(o.kafka);
    security?.remove();
  }
  return exitCode;
}
