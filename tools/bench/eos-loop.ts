/**
 * Benchmark (not a test): one EosTask, `identity`, 1 KB values, 4 partitions, pre-filled input.
 * Records/s and p50/p99 transaction (commit) latency, exactly-once (commits overlapped with the
 * next batch, the default, and not) vs at-least-once, in one run on one broker, the order rotated
 * per round. CPU per record of this process and of the local broker (when `tools/kafka` runs it).
 *
 *   npx tsx tools/bench/eos-loop.ts [--records N] [--rounds R] [--max-records M] [--quick]
 *   npx tsx tools/bench/eos-loop.ts --compare <dir>/libs/eos-core/src/index.ts [--rounds R]
 *
 * `--max-records M` caps each transaction at M records (the task's `batching.maxRecords`): with a
 * small M the loop is bound by the transaction's round trips rather than by the records' bytes,
 * which is what a change to the transaction protocol moves (`--max-records 20 --records 20000`).
 *
 * `--compare` measures another eos-core (e.g. a baseline commit's sources, `git archive <commit>
 * libs/eos-core/src | tar -x -C <dir>`) against this one: exactly-once only, the two alternating
 * within each round, same broker, same process. Profile with
 * `node --cpu-prof --cpu-prof-dir=tools/bench/results/profiles --import tsx tools/bench/eos-loop.ts`.
 * Kafka: KAFKA_BROKERS (a loopback broker is started when nothing answers, and stopped after).
 */
import { FleetNames } from '@eos/fleet-names';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import * as current from '@eos/eos-core';
import { identityV1 } from '@eos/transforms';
import { startKafka, stopKafka } from '@eos/infra';
import { createTopic, testBrokers } from '@eos/testing';
import { cliArgs } from '../lib/args';
import { cpuMs, localBrokerPid } from './lib/proc-stats';

/** What the benchmark needs from an eos-core build. */
type EosCore = Pick<typeof current, 'EosTask' | 'createKafkaJsPort'>;

const args = cliArgs(
  `npx tsx tools/bench/eos-loop.ts [--records N] [--rounds R] [--max-records M] [--quick]
npx tsx tools/bench/eos-loop.ts --compare <dir>/libs/eos-core/src/index.ts [--rounds R] [--max-records M]
  defaults: 100000 records (quick 20000), 2 rounds (quick 1), the task's default batch limits`,
  {
    quick: { type: 'boolean' },
    records: { type: 'string' },
    compare: { type: 'string' },
    rounds: { type: 'string' },
    'max-records': { type: 'string' },
  },
);
const quick = args.flag('quick');
const RECORDS = args.number('records', quick ? 20_000 : 100_000, { min: 1 });
const COMPARE = args.string('compare');
const ROUNDS = args.number('rounds', quick ? 1 : 2, { min: 1 });
const MAX_RECORDS = args.has('max-records') ? args.number('max-records', 0, { min: 1 }) : undefined;
const PARTITIONS = 4;
const VALUE = Buffer.alloc(1024, 'x');

type Mode = 'exactly-once' | 'exactly-once, not overlapped' | 'at-least-once';
interface RunResult {
  /** `current`, or `baseline` (the --compare build). */
  impl: string;
  mode: Mode;
  records: number;
  seconds: number;
  recordsPerSec: number;
  commits: number;
  p50CommitMs: number;
  p99CommitMs: number;
  /** CPU (user + system) of this process per record while the task ran: less sensitive to a busy machine than records/s. */
  cpuUsPerRecord: number;
  /** CPU of the local broker's JVM per record over the same time (absent when it is not ours). */
  brokerCpuUsPerRecord?: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function runOnce(
  core: EosCore,
  impl: string,
  kafka: Kafka,
  brokers: string[],
  mode: Mode,
  tag: string,
  brokerPid: number | undefined,
): Promise<RunResult> {
  const admin = kafka.admin();
  await admin.connect();
  const name = `bench-${tag}-${impl}-${mode.replace(/\W+/g, '-')}-${Date.now().toString(36)}`;
  const input = `${name}.in`;
  const output = `${name}.out`;
  // Asks the broker for leaders (kafkajs's waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION).
  await createTopic(admin, input, PARTITIONS);
  await createTopic(admin, output, PARTITIONS);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < RECORDS; i += 1000) {
    const n = Math.min(1000, RECORDS - i);
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: n }, (_, j) => ({
        partition: (i + j) % PARTITIONS,
        key: `k${(i + j) % 64}`,
        value: VALUE,
      })),
    });
  }
  await producer.disconnect();

  const port = core.createKafkaJsPort({
    brokers,
    clientId: 'bench',
    logLevel: process.env['BENCH_KAFKA_LOG'] ? logLevel.ERROR : logLevel.NOTHING,
  });
  const task = new core.EosTask({
    pipeline: name,
    taskIndex: 0,
    inputTopic: input,
    partitions: [0, 1, 2, 3],
    outputTopic: output,
    transactionalId: new FleetNames().transactionalId(name, 0),
    consumerGroup: new FleetNames().pipelineGroup(name),
    transform: identityV1.create({}),
    transformId: 'identity@1',
    kafka: port,
    mode: mode === 'at-least-once' ? 'at-least-once' : 'exactly-once',
    overlapCommits: mode !== 'exactly-once, not overlapped',
    ...(MAX_RECORDS ? { batching: { maxRecords: MAX_RECORDS } } : {}),
  });
  const latencies: number[] = [];
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (finished = r));
  task.on('committed', (c) => {
    latencies.push(c.durationMs);
    done += c.records;
    if (done >= RECORDS) finished();
  });
  if (process.env['BENCH_DEBUG']) task.on('retrying', (s) => console.error('[bench] retrying', mode, s));
  if (process.env['BENCH_DEBUG'])
    task.on('committed', (c) => console.error('[bench] commit', c.records, done));
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const broker0 = brokerPid === undefined ? undefined : cpuMs(brokerPid);
  await task.start();
  await allDone;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const broker1 = brokerPid === undefined ? undefined : cpuMs(brokerPid);
  await task.stop({ graceful: true });
  await port.close();
  await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
  await admin.disconnect();
  return {
    impl,
    mode,
    records: RECORDS,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSec: Math.round(RECORDS / seconds),
    commits: latencies.length,
    p50CommitMs: Number(pct(latencies, 50).toFixed(1)),
    p99CommitMs: Number(pct(latencies, 99).toFixed(1)),
    cpuUsPerRecord: Number(((cpu.user + cpu.system) / RECORDS).toFixed(2)),
    ...(broker0 !== undefined && broker1 !== undefined
      ? { brokerCpuUsPerRecord: Number((((broker1 - broker0) * 1000) / RECORDS).toFixed(2)) }
      : {}),
  };
}

async function main(): Promise<void> {
  const brokers = testBrokers();
  const loop = brokers.length === 1 ? /^(127\.0\.0\.1|localhost):(\d+)$/.exec(brokers[0] as string) : null;
  const k = loop ? await startKafka({ port: Number(loop[2]) }) : undefined;
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const baseline = COMPARE ? ((await import(path.resolve(COMPARE))) as EosCore) : undefined;
  const brokerPid = loop ? localBrokerPid(brokers) : undefined;
  const results: RunResult[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order every round, so neither side always runs on a warmer broker.
      const runs: [string, EosCore, Mode][] = baseline
        ? [
            ['baseline', baseline, 'exactly-once'],
            ['current', current, 'exactly-once'],
          ]
        : [
            ['current', current, 'at-least-once'],
            ['current', current, 'exactly-once'],
            ['current', current, 'exactly-once, not overlapped'],
          ];
      // Rotate the order every round, so no run always comes first on a warmer broker.
      const order = [...runs.slice(r % runs.length), ...runs.slice(0, r % runs.length)];
      for (const [impl, core, mode] of order) {
        const res = await runOnce(core, impl, kafka, brokers, mode, `r${r}`, brokerPid);
        console.log(JSON.stringify(res));
        results.push(res);
      }
    }
  } finally {
    if (k?.startedNow) await stopKafka({ port: Number(loop?.[2]) });
  }
  const median = (impl: string, mode: Mode, f: (r: RunResult) => number) =>
    pct(results.filter((r) => r.impl === impl && r.mode === mode).map(f), 50);
  const rows: [string, Mode][] = baseline
    ? [
        ['baseline', 'exactly-once'],
        ['current', 'exactly-once'],
      ]
    : [
        ['current', 'exactly-once'],
        ['current', 'at-least-once'],
        ['current', 'exactly-once, not overlapped'],
      ];
  console.log(
    `\n| build | mode | records/s (median of ${ROUNDS}) | p50 commit ms | p99 commit ms | CPU µs/record | broker CPU µs/record |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [impl, mode] of rows) {
    const broker = results.some(
      (r) => r.impl === impl && r.mode === mode && r.brokerCpuUsPerRecord !== undefined,
    )
      ? median(impl, mode, (r) => r.brokerCpuUsPerRecord ?? 0)
      : '';
    console.log(
      `| ${impl} | ${mode} | ${median(impl, mode, (r) => r.recordsPerSec)} | ${median(impl, mode, (r) => r.p50CommitMs)} | ${median(impl, mode, (r) => r.p99CommitMs)} | ${median(impl, mode, (r) => r.cpuUsPerRecord)} | ${broker} |`,
    );
  }
  const [a, b] = rows.map(([impl, mode]) => median(impl, mode, (r) => r.recordsPerSec)) as [number, number];
  const ratio = baseline ? b / a : a / b;
  if (baseline) {
    const [ca, cb] = rows.map(([impl, mode]) => median(impl, mode, (r) => r.cpuUsPerRecord)) as [
      number,
      number,
    ];
    console.log(`\ncurrent / baseline CPU per record: ${(cb / ca).toFixed(2)}`);
  }
  console.log(
    baseline
      ? `\ncurrent / baseline exactly-once throughput ratio: ${ratio.toFixed(2)} (${RECORDS} records of 1 KB, ${PARTITIONS} partitions, one task${MAX_RECORDS ? `, at most ${MAX_RECORDS} per transaction` : ''})`
      : `\nEOS / at-least-once throughput ratio: ${ratio.toFixed(2)} (${RECORDS} records of 1 KB, ${PARTITIONS} partitions, one task${MAX_RECORDS ? `, at most ${MAX_RECORDS} per transaction` : ''})`,
  );
  if (!baseline)
    console.log(
      `exactly-once, commits not overlapped / at-least-once: ${(median('current', 'exactly-once, not overlapped', (r) => r.recordsPerSec) / median('current', 'at-least-once', (r) => r.recordsPerSec)).toFixed(2)}`,
    );
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, baseline ? 'eos-loop-compare.json' : 'eos-loop.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        records: RECORDS,
        rounds: ROUNDS,
        maxRecords: MAX_RECORDS,
        compare: COMPARE,
        results,
        ratio,
      },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
