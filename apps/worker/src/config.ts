import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_FLEET_ID, checkFleetId } from '@eos/fleet-names';
import { loadKafkaClientConfig, type KafkaClientConfig } from '@eos/kafka-client';

const Env = z.object({
  /** Namespace of everything this fleet makes in Kafka and Redis (docs/production.md). @default 'default' */
  EOS_FLEET_ID: z.string().default(DEFAULT_FLEET_ID),
  /** Controller gRPC address. @default '127.0.0.1:50051' */
  CONTROLLER_ADDR: z.string().min(1).default('127.0.0.1:50051'),
  /** @default '<host>-<pid>' */
  WORKER_ID: z.string().min(1).optional(),
  /** Most tasks this worker runs at once. @default 8 */
  WORKER_CAPACITY: z.coerce.number().int().min(1).default(8),
  /** Directory of user transform modules (CommonJS `{ name, version, create }`). */
  TRANSFORMS_DIR: z.string().optional(),
  /** Port of the worker's own `/metrics` and `/healthz`; 0 picks a free one (logged). @default 0 */
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Kafka `transaction.timeout.ms` of each task's transactional producer. @default 30000 */
  WORKER_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
});

export interface WorkerConfig {
  kafkaBrokers: string[];
  /** Connection settings (KAFKA_* variables, KAFKA_CLIENT_PROPERTIES); `kafkaBrokers` is `kafka.brokers`. */
  kafka: KafkaClientConfig;
  fleetId: string;
  controllerAddr: string;
  workerId: string;
  host: string;
  capacity: number;
  transformsDir?: string;
  httpPort: number;
  transactionTimeoutMs: number;
}

/** Parses and validates the worker's environment; throws naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv, pid = process.pid): WorkerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  try {
    checkFleetId(e.EOS_FLEET_ID);
  } catch (err) {
    throw new Error(`invalid environment: EOS_FLEET_ID: ${(err as Error).message}`);
  }
  const kafka = loadKafkaClientConfig(env);
  const host = hostname();
  return {
    kafkaBrokers: kafka.brokers,
    kafka,
    fleetId: e.EOS_FLEET_ID,
    controllerAddr: e.CONTROLLER_ADDR,
    workerId: e.WORKER_ID ?? `${host}-${pid}`,
    host,
    capacity: e.WORKER_CAPACITY,
    transformsDir: e.TRANSFORMS_DIR,
    httpPort: e.WORKER_HTTP_PORT,
    transactionTimeoutMs: e.WORKER_TRANSACTION_TIMEOUT_MS,
  };
}
