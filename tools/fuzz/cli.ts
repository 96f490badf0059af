/**
 * `npm run fuzz -- --seed N [--minutes M]`: a property-based fuzzer (fast-check) against a real
 * controller process with real workers, Kafka and Redis, over HTTP and gRPC. Properties: the
 * controller never exits; every answer is a documented status (oracle.ts) within
 * ANSWER_BOUND_MS; afterwards the controller, SIGKILLed and started again, reads every pipeline
 * back from its state topic. docs/fuzz.md has the method and figures.
 *
 * Options: --seed N (default 1), --minutes M (fuzzing time; default 0.5, the CI run),
 * --kafka-port P (19192), --redis-port P (16389): a broker / Redis already answering there is
 * used, otherwise one is started and stopped at the end.
 */
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startKafka, startRedis, stopKafka, stopRedis } from '@eos/infra';
import { cliArgs } from '../lib/args';
import { runFuzz } from './fuzz-run';

const USAGE = `
npm run fuzz -- [--seed N] [--minutes M] [--kafka-port P] [--redis-port P]

  --seed N        the seed (default 1)
  --minutes M     fuzzing time (default 0.5, the CI run)
  --kafka-port P  the broker (default 19192): used when one answers there, else started and stopped
  --redis-port P  Redis (default 16389), the same way
`;

async function main(): Promise<number> {
  const args = cliArgs(USAGE, {
    seed: { type: 'string' },
    minutes: { type: 'string' },
    'kafka-port': { type: 'string' },
    'redis-port': { type: 'string' },
  });
  const seed = args.number('seed', 1, { min: 0 });
  const minutes = args.number('minutes', 0.5, { min: 0 });
  const kafkaPort = args.number('kafka-port', 19192, { min: 0 });
  const redisPort = args.number('redis-port', 16389, { min: 0 });
  const repo = path.resolve(__dirname, '../..');
  const kafkaOptions = { port: kafkaPort };
  const redisOptions = { url: `redis://127.0.0.1:${redisPort}` };
  const k = await startKafka(kafkaOptions);
  const r = await startRedis(redisOptions);
  console.log(
    `[fuzz] Kafka ${k.brokers.join(',')} (${k.startedNow ? 'started' : 'reused'}), Redis ${r.url} (${r.startedNow ? 'started' : 'reused'})`,
  );
  try {
    const report = await runFuzz({
      seed,
      durationMs: minutes * 60_000,
      kafka: new Kafka({ clientId: 'eos-fuzz', brokers: k.brokers, logLevel: logLevel.NOTHING }),
      env: { KAFKA_BROKERS: k.brokers.join(','), REDIS_URL: r.url },
      repo,
      log: (m) => console.log(`[fuzz] ${m}`),
    });
    console.log(report.summary);
    return report.passed ? 0 : 1;
  } finally {
    if (r.startedNow) await stopRedis(redisOptions);
    if (k.startedNow) await stopKafka(kafkaOptions);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[fuzz] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
