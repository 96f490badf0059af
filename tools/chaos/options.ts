/**
 * The chaos run's options (flags) and everything derived from them: ports, the broker's and
 * Redis's settings, the run folder, the pipeline under test. Fixed once parsed.
 */
import { FleetNames } from '@eos/fleet-names';
import * as path from 'node:path';
import { REPO_ROOT, kafkaVersionFromEnv, type LocalKafkaOptions, type LocalRedisOptions } from '@eos/infra';
import { cliArgs } from '../lib/args';

export const USAGE = `
npm run chaos -- [--quick] [--seed N] [--minutes M] [--secure] [--workers N]
                 [--kafka-port P] [--redis-port P] [--port-base P] [--per-send N]

  --quick         every fault kind once (CI, about 3 minutes); otherwise --minutes of faults
  --seed N        the fault plan's seed (default: from the clock)
  --minutes M     fault time of a full run (default 10)
  --secure        TLS on the controller's ports and bearer tokens for workers and the harness
  --workers N     worker processes (default 3)
  --kafka-port P  the harness's own broker (default 19092; it must be free)
  --redis-port P  the harness's own Redis (default 16379; it must be free)
  --port-base P   controller, proxies and worker ports from here up (default 19040)
  --per-send N    records per producer send (default 30)
`;

export const LEASE_MS = 3_000;
export const TX_TIMEOUT_MS = 5_000;
export const PARTITIONS = 6;
export const KEYS = 60;
export const SEND_EVERY_MS = 50;
export const RECOVERY_TIMEOUT_MS = 120_000;
export const SUFFIX = '|chaos';
export const PIPELINE = 'chaos';
export const IN = `${PIPELINE}.in`;
export const OUT = `${PIPELINE}.out`;
export const GROUP = new FleetNames().pipelineGroup(PIPELINE);

/** The pipeline under test: a suffix transform from `chaos.in` to `chaos.out`. */
export const SPEC = {
  name: PIPELINE,
  inputTopic: IN,
  outputTopic: OUT,
  tasks: PARTITIONS,
  transform: { name: 'suffix', version: 1, config: { suffix: SUFFIX } },
  deadLetterTopic: `${PIPELINE}.dlq`,
};

export interface ChaosOptions {
  quick: boolean;
  secure: boolean;
  seed: number;
  minutes: number;
  workers: number;
  redisPort: number;
  /** Records per producer send (one per key, round robin). */
  perSend: number;
  /** The broker's plain listener (workload producer, progress monitor, verifier). */
  plain: string[];
  ports: ChaosPorts;
  kafka: LocalKafkaOptions;
  redis: LocalRedisOptions & { url: string };
  /** Logs, report and certificates of this run. */
  runDir: string;
}

/** Controller, proxies and worker ports are taken from a base up (base+10 gRPC, +11 HTTP, ...). */
export interface ChaosPorts {
  grpc: number;
  http: number;
  workerHttp(i: number): number;
  /** Broker listener and proxy for process slot c (0: controller, i: worker i). */
  brokerListener(c: number): number;
  brokerProxy(c: number): number;
  controllerProxy(i: number): number;
}

export function chaosPorts(base: number): ChaosPorts {
  return {
    grpc: base + 10,
    http: base + 11,
    workerHttp: (i) => base + i,
    brokerListener: (c) => base + 20 + c,
    brokerProxy: (c) => base + 30 + c,
    controllerProxy: (i) => base + 40 + i,
  };
}

/** Reads this process's flags (a usage error exits 2). */
export function chaosOptions(): ChaosOptions {
  const a = cliArgs(USAGE, {
    quick: { type: 'boolean' },
    secure: { type: 'boolean' },
    seed: { type: 'string' },
    minutes: { type: 'string' },
    workers: { type: 'string' },
    'kafka-port': { type: 'string' },
    'redis-port': { type: 'string' },
    'port-base': { type: 'string' },
    'per-send': { type: 'string' },
  });
  const quick = a.flag('quick');
  const seed = a.number('seed', Date.now() % 1_000_000);
  const workers = a.number('workers', 3, { min: 1 });
  const kafkaPort = a.number('kafka-port', 19092);
  const redisPort = a.number('redis-port', 16379);
  const ports = chaosPorts(a.number('port-base', 19040));
  return {
    quick,
    secure: a.flag('secure'),
    seed,
    minutes: a.number('minutes', quick ? 0 : 10, { min: 0 }),
    workers,
    redisPort,
    perSend: a.number('per-send', 30, { min: 1 }),
    plain: [`127.0.0.1:${kafkaPort}`],
    ports,
    kafka: {
      port: kafkaPort,
      controllerPort: kafkaPort + 1,
      dataDir: path.join(REPO_ROOT, '.data', `chaos-kafka-${kafkaPort}`),
      heap: '768m',
      version: kafkaVersionFromEnv(process.env),
      extraListeners: Array.from({ length: workers + 1 }, (_, c) => ({
        name: c === 0 ? 'PCONTROLLER' : `PW${c}`,
        port: ports.brokerListener(c),
        advertisedPort: ports.brokerProxy(c),
      })),
    },
    redis: {
      url: `redis://127.0.0.1:${redisPort}`,
      dataDir: path.join(REPO_ROOT, '.data', `chaos-redis-${redisPort}`),
    },
    runDir: path.join(
      REPO_ROOT,
      '.data',
      'chaos',
      `seed-${seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    ),
  };
}
