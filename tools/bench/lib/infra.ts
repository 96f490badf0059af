/** Where the benchmarks run: the broker, Redis and controller ports from the apps' own variables. */
import * as os from 'node:os';
import { kafkaVersionFromEnv, startKafka, startRedis, stopKafka, stopRedis } from '@eos/infra';
import { runSync } from '../../lib/proc';

export interface BenchEnv {
  brokers: string[];
  redisUrl: string;
  /** Fixed controller ports (CONTROLLER_GRPC_PORT / CONTROLLER_HTTP_PORT); free ports when unset. */
  grpcPort?: number;
  httpPort?: number;
}

/** KAFKA_BROKERS, REDIS_URL, CONTROLLER_GRPC_PORT, CONTROLLER_HTTP_PORT, with the apps' defaults. */
export function benchEnv(env: NodeJS.ProcessEnv = process.env): BenchEnv {
  const num = (v: string | undefined) => (v ? Number(v) : undefined);
  return {
    brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    grpcPort: num(env['CONTROLLER_GRPC_PORT']),
    httpPort: num(env['CONTROLLER_HTTP_PORT']),
  };
}

export interface BenchInfra {
  env: BenchEnv;
  /** Broker start time when this run started it. */
  kafkaStartedNow: boolean;
  /** Stops what this run started (by pid file), nothing else. */
  stop(): Promise<void>;
}

/**
 * Kafka (on the port of the first KAFKA_BROKERS entry) and Redis (REDIS_URL) up: started locally
 * when nothing answers there, otherwise reused and left alone.
 */
export async function startBenchInfra(env: BenchEnv = benchEnv()): Promise<BenchInfra> {
  const port = Number(env.brokers[0]?.split(':')[1] ?? 9092);
  const k = await startKafka({ port, version: kafkaVersionFromEnv(process.env) });
  let r: { startedNow: boolean } = { startedNow: false };
  try {
    r = await startRedis({ url: env.redisUrl });
  } catch (err) {
    if (k.startedNow) await stopKafka({ port });
    throw err;
  }
  return {
    env,
    kafkaStartedNow: k.startedNow,
    async stop() {
      if (r.startedNow) await stopRedis({ url: env.redisUrl });
      if (k.startedNow) await stopKafka({ port });
    },
  };
}

/** The machine, for the report: cores, memory, CPU model, Node and Java versions, load. */
export function machineInfo(): Record<string, string | number> {
  // `java -version` writes to stderr.
  const java = runSync('java', ['-version']);
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    java: java.stderr.split('\n')[0]?.trim() || 'unknown',
    loadavg1m: Number(os.loadavg()[0]?.toFixed(2)),
  };
}

/** Kafka's default `group.initial.rebalance.delay.ms`, which users' brokers have. */
export const KAFKA_DEFAULT_GROUP_DELAY_MS = 3000;

/**
 * A second local broker with Kafka's default group settings, for the failover, drain and rollout
 * scenarios (the tuned broker's delay of 0 would hide what a group join costs), on the first
 * broker's port + 200. While it is up, KAFKA_BROKERS points at it (the stack and load helpers
 * read it); `stop` restores it and stops the broker if it was started here.
 */
export async function startDefaultGroupsBroker(
  env: BenchEnv,
): Promise<{ env: BenchEnv; startedNow: boolean; stop(): Promise<void> }> {
  const port = Number(env.brokers[0]?.split(':')[1] ?? 9092) + 200;
  const k = await startKafka({
    port,
    version: kafkaVersionFromEnv(process.env),
    groupInitialRebalanceDelayMs: KAFKA_DEFAULT_GROUP_DELAY_MS,
  });
  const before = process.env['KAFKA_BROKERS'];
  process.env['KAFKA_BROKERS'] = `127.0.0.1:${port}`;
  return {
    env: { ...env, brokers: [`127.0.0.1:${port}`] },
    startedNow: k.startedNow,
    async stop() {
      if (before === undefined) delete process.env['KAFKA_BROKERS'];
      else process.env['KAFKA_BROKERS'] = before;
      if (k.startedNow) await stopKafka({ port });
    },
  };
}
