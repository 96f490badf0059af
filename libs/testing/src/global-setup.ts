// Jest loads global setup/teardown without moduleNameMapper: `@eos/infra` resolves through the
// npm workspace link (libs/infra/package.json's main is its TypeScript entry).
import { brokerVersion, kafkaAnswers, startKafka, startRedis } from '@eos/infra';
import { testBrokers, testKafkaVersion, testRedisUrl } from './env';

interface InfraState {
  kafkaPort?: number;
  redisUrl?: string;
}
declare global {
  // Shared with global-teardown (same process): what this run started.
  var __EOS_INFRA__: InfraState | undefined;
}

const LOOPBACK = /^(127\.0\.0\.1|localhost):(\d+)$/;

export default async function globalSetup(): Promise<void> {
  const state: InfraState = {};
  const brokers = testBrokers();
  const m = brokers.length === 1 ? LOOPBACK.exec(brokers[0] as string) : null;
  if (m) {
    const h = await startKafka({ port: Number(m[2]), version: testKafkaVersion() });
    if (h.startedNow) state.kafkaPort = Number(m[2]);
    process.stdout.write(
      `\n[infra] Kafka at ${brokers.join(',')}: ${h.startedNow ? `started (${h.startMs} ms)` : 'already running, reused'}\n`,
    );
  } else if (!(await kafkaAnswers(brokers, 5_000))) {
    throw new Error(
      `KAFKA_BROKERS=${brokers.join(',')} does not answer, and only a loopback broker can be started`,
    );
  }
  process.stdout.write(
    `[infra] broker version: ${brokerVersion(brokers, { ...(m ? { port: Number(m[2]) } : {}), version: testKafkaVersion() })}\n`,
  );
  const r = await startRedis({ url: testRedisUrl() });
  if (r.startedNow) state.redisUrl = r.url;
  process.stdout.write(
    `[infra] Redis at ${r.url}: ${r.startedNow ? 'started' : 'already running, reused'}\n`,
  );
  globalThis.__EOS_INFRA__ = state;
}
