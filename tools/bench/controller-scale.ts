/**
 * Benchmark (not a test): the controller at fleet scale. A real controller process
 * (dist/apps/controller/main.js, so its CPU and RSS are read from /proc/<pid>) and, in this
 * process, simulated workers holding real WorkerService sessions through the worker's own
 * `SessionClient` (@eos/worker-runtime): Hello, heartbeats at the controller's interval, `started`
 * for every assign, batched commit reports, `released` for every revoke. They run no Kafka loop.
 *
 * Phases: connect the workers -> create the pipelines and wait until every task is assigned,
 * started and PROCESSING in the controller's view -> steady state (heartbeats and commit reports)
 * -> 10% of the workers vanish at once (session ended, no release) -> every orphaned task runs on
 * a survivor -> controller restart (every Hello reconciled) -> heartbeat storm (the workers
 * heartbeat as fast as they can send).
 *
 *   npm run build && npx tsx tools/bench/controller-scale.ts [--quick] [--workers N] [--tasks N]
 *     [--pipelines N] [--capacity N] [--steady-ms N] [--commit-every-ms N] [--storm-ms N]
 *     [--restart-timeout-ms N] [--cpu-prof] [--controller FILE]
 *
 * Kafka and Redis: KAFKA_BROKERS and REDIS_URL (loopback ones are started when nothing answers and
 * stopped afterwards); CONTROLLER_GRPC_PORT / CONTROLLER_HTTP_PORT pick the controller's ports
 * (free ports otherwise). Writes tools/bench/results/controller-scale.json.
 *
 * Its parts (tools/bench/controller-scale/): options.ts (the command line), sim-fleet.ts (the
 * simulated workers), measure.ts (the controller's CPU, memory and metrics around a phase),
 * phases.ts (what each phase does and measures), report.ts (table, summary, JSON).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startKafka, startRedis, stopKafka, stopRedis } from '@eos/infra';
import { TestStack, createTopic, testBrokers, testRedisUrl, uniqueName } from '@eos/testing';
import type { PhaseResult } from './controller-scale/measure';
import { parseScaleOptions } from './controller-scale/options';
import { connect, heartbeatStorm, place, reassign, restart, steady } from './controller-scale/phases';
import { phaseTable, summarize, writeResults } from './controller-scale/report';
import { SimFleet } from './controller-scale/sim-fleet';

const RESULTS = path.join(__dirname, 'results');

async function main(): Promise<void> {
  const o = parseScaleOptions(process.argv.slice(2));
  const dist = path.resolve(__dirname, '../../dist/apps/controller/main.js');
  if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first`);
  const brokers = testBrokers();
  const loop = brokers.length === 1 ? /^(127\.0\.0\.1|localhost):(\d+)$/.exec(brokers[0] as string) : null;
  const k = loop ? await startKafka({ port: Number(loop[2]) }) : undefined;
  const r = await startRedis({ url: testRedisUrl() });
  const kafka = new Kafka({ clientId: 'bench-scale', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = uniqueName('scale');
  const perPipeline = Math.ceil(o.tasks / o.pipelines);
  // Every pipeline reads the same input topic (its own offsets group) and writes the same output
  // topic: 10,000 tasks need 10,000 task-partition pairs, not 20,000 partitions on one broker.
  const input = `${run}.in`;
  const output = `${run}.out`;
  const profDir = path.join(RESULTS, 'profiles');
  if (o.cpuProf) fs.mkdirSync(profDir, { recursive: true });
  const stack = new TestStack({
    leaseMs: o.leaseMs,
    env: {
      KAFKA_BROKERS: brokers.join(','),
      REDIS_URL: r.url,
    },
    controllerNodeArgs: o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    controllerScript: o.controllerScript,
  });
  if (process.env['CONTROLLER_GRPC_PORT']) stack.grpcPort = Number(process.env['CONTROLLER_GRPC_PORT']);
  if (process.env['CONTROLLER_HTTP_PORT']) stack.httpPort = Number(process.env['CONTROLLER_HTTP_PORT']);
  const fleet = new SimFleet({ capacity: o.capacity, commitEveryMs: o.commitEveryMs });
  const totalTasks = perPipeline * o.pipelines;
  const s = { o, stack, fleet, run, input, output, perPipeline, totalTasks };
  const results: PhaseResult[] = [];
  console.log(
    `controller scale: ${o.workers} workers (capacity ${o.capacity}), ${o.pipelines} pipelines x ${perPipeline} tasks = ${totalTasks} tasks, lease ${o.leaseMs} ms`,
  );
  try {
    const t0 = Date.now();
    // Both topics up front: creating partitions is the broker's work, not the controller's (the
    // controller's ensureTopic then finds the output topic).
    await createTopic(admin, input, perPipeline);
    await createTopic(admin, output, perPipeline);
    await createTopic(admin, `${run}.dlq`, 1);
    console.log(`topics ${input}, ${output}: ${perPipeline} partitions each in ${Date.now() - t0} ms`);
    const t1 = Date.now();
    const { pid } = await stack.startController();
    console.log(`controller pid ${pid} ready in ${Date.now() - t1} ms`);

    results.push(await connect(s, pid));
    results.push(await place(s, pid));
    results.push(await steady(s, pid));
    results.push(await reassign(s, pid));
    const restarted = await restart(s);
    results.push(restarted.result);
    results.push(await heartbeatStorm(s, restarted.pid));

    const summary = summarize(o, totalTasks, results);
    console.log(`\n${phaseTable(results)}`);
    console.log(`\n${JSON.stringify(summary)}`);
    writeResults(RESULTS, o, perPipeline, totalTasks, summary, results);
  } finally {
    fleet.killAll();
    // SIGTERM first so a --cpu-prof profile is written; TestStack.stop then makes sure it is gone.
    const c = stack.controller;
    if (c?.running) {
      c.kill('SIGTERM');
      await Promise.race([c.exit(), new Promise((res) => setTimeout(res, 10_000))]);
    }
    await stack.stop();
    await admin
      .deleteTopics({ topics: [input, output, `${run}.dlq`, stack.stateTopic] })
      .catch(() => undefined);
    await admin.disconnect();
    if (r.startedNow) await stopRedis({ url: r.url });
    if (k?.startedNow) await stopKafka({ port: Number(loop?.[2]) });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
