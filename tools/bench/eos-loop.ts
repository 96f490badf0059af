/**
 * Benchmark (not a test): one EosTask, `identity`, 1 KB values, 4 partitions, pre-filled input.
 * Records/s and p50/p99 transaction (commit) latency, exactly-once vs at-least-once, in one run
 * on one broker, alternating modes per round.
 *
 *   npx tsx tools/bench/eos-loop.ts [--records N] [--rounds R] [--quick]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EosTask, createKafkaJsPort } from '@eos/eos-core';
import { identityV1 } from '@eos/transforms';
import { startKafka, stopKafka } from '@eos/infra';
import { benchEnv } from './lib/infra';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (n: string, d: number) => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const RECORDS = opt('--records', quick ? 20_000 : 100_000);
const ROUNDS = opt('--rounds', quick ? 1 : 2);
const PARTITIONS = 4;
const VALUE = Buffer.alloc(1024, 'x');

type Mode = 'exactly-once' | 'at-least-once';
interface RunResult {
  mode: Mode;
  records: number;
  seconds: number;
  recordsPerSec: number;
  commits: number;
  p50CommitMs: number;
  p99CommitMs: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function runOnce(kafka: Kafka, brokers: string[], mode: Mode, tag: string): Promise<RunResult> {
  const admin = kafka.admin();
  await admin.connect();
  const name = `bench-${tag}-${mode}-${Date.now().toString(36)}`;
  const input = `${name}.in`;
  const output = `${name}.out`;
  await admin.createTopics({
    topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    waitForLeaders: true,
  });
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

  const port = createKafkaJsPort({ brokers, clientId: 'bench', logLevel: logLevel.NOTHING });
  const task = new EosTask({
    pipeline: name,
    taskIndex: 0,
    inputTopic: input,
    partitions: [0, 1, 2, 3],
    outputTopic: output,
    transactionalId: `eos.${name}.0`,
    consumerGroup: `eos.${name}`,
    transform: identityV1.create({}),
    transformId: 'identity@1',
    kafka: port,
    mode,
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
  await task.start();
  await allDone;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await task.stop({ graceful: true });
  await port.close();
  await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
  await admin.disconnect();
  return {
    mode,
    records: RECORDS,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSec: Math.round(RECORDS / seconds),
    commits: latencies.length,
    p50CommitMs: Number(pct(latencies, 50).toFixed(1)),
    p99CommitMs: Number(pct(latencies, 99).toFixed(1)),
  };
}

async function main(): Promise<void> {
  // The broker at KAFKA_BROKERS (started on its port when nothing answers there).
  const port = Number(benchEnv().brokers[0]?.split(':')[1] ?? 9092);
  const k = await startKafka({ port });
  const kafka = new Kafka({ clientId: 'bench', brokers: k.brokers, logLevel: logLevel.NOTHING });
  const results: RunResult[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of (r % 2 === 0
        ? ['at-least-once', 'exactly-once']
        : ['exactly-once', 'at-least-once']) as Mode[]) {
        const res = await runOnce(kafka, k.brokers, mode, `r${r}`);
        console.log(JSON.stringify(res));
        results.push(res);
      }
    }
  } finally {
    if (k.startedNow) await stopKafka({ port });
  }
  const median = (mode: Mode, f: (r: RunResult) => number) =>
    pct(results.filter((r) => r.mode === mode).map(f), 50);
  const eos = median('exactly-once', (r) => r.recordsPerSec);
  const alo = median('at-least-once', (r) => r.recordsPerSec);
  console.log(`\n| mode | records/s (median of ${ROUNDS}) | p50 commit ms | p99 commit ms |`);
  console.log('|---|---|---|---|');
  for (const mode of ['exactly-once', 'at-least-once'] as Mode[]) {
    console.log(
      `| ${mode} | ${median(mode, (r) => r.recordsPerSec)} | ${median(mode, (r) => r.p50CommitMs)} | ${median(mode, (r) => r.p99CommitMs)} |`,
    );
  }
  console.log(
    `\nEOS / at-least-once throughput ratio: ${(eos / alo).toFixed(2)} (${RECORDS} records of 1 KB, ${PARTITIONS} partitions, one task)`,
  );
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, 'eos-loop.json'),
    JSON.stringify(
      { at: new Date().toISOString(), records: RECORDS, rounds: ROUNDS, results, ratio: eos / alo },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
