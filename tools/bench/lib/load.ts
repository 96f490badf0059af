import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopic, uniqueName } from '@eos/testing';
import { benchEnv, startBenchInfra, type BenchEnv } from './infra';

export interface BenchLoad {
  /** Pipeline name; its input topic is `<name>.in`. */
  name: string;
  admin: Admin;
  /** Broker, Redis and controller ports (KAFKA_BROKERS, REDIS_URL, CONTROLLER_*_PORT). */
  env: BenchEnv;
  /** Stops the load and closes the clients. */
  stop(): Promise<void>;
}

/**
 * For the stack benchmarks: Kafka and Redis up (started when nothing answers, stopped by `stop`), an input topic,
 * and a producer writing `perSend` values of `valueBytes` round-robin over the partitions every
 * ~10 ms until stopped.
 */
export async function startBenchLoad(o: {
  prefix: string;
  partitions: number;
  perSend: number;
  valueBytes: number;
  /** Records per second (at most `perSend` per send); without it, a send every ~10 ms. */
  rate?: number;
}): Promise<BenchLoad> {
  const infra = await startBenchInfra(benchEnv());
  const kafka = new Kafka({
    clientId: `bench-${o.prefix}`,
    brokers: infra.env.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const name = uniqueName(o.prefix);
  try {
    await admin.connect();
    await createTopic(admin, `${name}.in`, o.partitions);
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    await infra.stop();
    throw err;
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let producing = true;
  const value = Buffer.alloc(o.valueBytes, 'x');
  const started = Date.now();
  let sent = 0;
  const load = (async () => {
    while (producing) {
      // At a rate: what is due since the start (a slow send is caught up on), in sends of at most perSend.
      const n =
        o.rate === undefined
          ? o.perSend
          : Math.min(o.perSend, Math.floor((o.rate * (Date.now() - started)) / 1000) - sent);
      if (n > 0) {
        try {
          await producer.send({
            topic: `${name}.in`,
            messages: Array.from({ length: n }, (_, j) => ({ partition: (sent + j) % o.partitions, value })),
          });
          sent += n;
        } catch {
          // A new topic's metadata may lag (UNKNOWN_TOPIC_OR_PARTITION): keep the load going.
        }
      }
      await new Promise((r) => setTimeout(r, o.rate === undefined ? 10 : 5));
    }
  })();
  return {
    name,
    admin,
    env: infra.env,
    async stop() {
      producing = false;
      await load.catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
      // Whoever starts a process stops it: only what this run started.
      await infra.stop();
    },
  };
}
