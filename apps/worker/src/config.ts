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
  /**
   * Deadline of one transform call. 100..600000. An async call past it is a failed attempt; a
   * synchronous call past it (a hang: the event loop is blocked) makes the watchdog thread kill the
   * worker process, naming the record on stderr. @default 10000
   */
  WORKER_TRANSFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Attempts per record for a transform throwing RetriableTransformError (or timing out); then it is dead-lettered. 1..100. @default 5 */
  WORKER_TRANSFORM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * `false`: each task commits a batch before it begins the next, on its one transactional id
   * `eos.<pipeline>.<task>`. `true`: a batch commits while the next one is written, on two ids used
   * in turn, `eos.<pipeline>.<task>` and `eos.<pipeline>.<task>.b` (docs/architecture.md,
   * "Two transactional ids per task"). @default true
   */
  WORKER_OVERLAP_COMMITS: z.enum(['true', 'false']).default('true'),
  /** `false` turns the synchronous-hang watchdog thread off. @default true */
  WORKER_WATCHDOG: z.enum(['true', 'false']).default('true'),
  /** Bearer token (role worker) sent as `authorization: Bearer <token>`. @default none */
  WORKER_TOKEN: z.string().min(1).optional(),
  /** PEM CA that signed the controller's certificate; set, the session uses TLS. @default none */
  CONTROLLER_CA_FILE: z.string().min(1).optional(),
  /** PEM client certificate for mTLS (with WORKER_TLS_KEY_FILE). @default none */
  WORKER_TLS_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of WORKER_TLS_CERT_FILE. @default none */
  WORKER_TLS_KEY_FILE: z.string().min(1).optional(),
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
  /** A batch commits while the next one is written (WORKER_OVERLAP_COMMITS). */
  overlapCommits: boolean;
  /** Transform deadline and retries, and the hang watchdog (docs/architecture.md, "Poison records"). */
  transforms: { timeoutMs: number; maxAttempts: number; watchdog: boolean };
  /** How the worker proves itself to the controller and checks the controller (docs/security.md). */
  controllerAuth: ControllerAuthConfig;
}

export interface ControllerAuthConfig {
  token?: string;
  /** TLS to the controller: verified with `caFile` (else the system CAs), with a client certificate for mTLS. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
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
  if (Boolean(e.WORKER_TLS_CERT_FILE) !== Boolean(e.WORKER_TLS_KEY_FILE))
    throw new Error(
      'invalid environment: WORKER_TLS_CERT_FILE and WORKER_TLS_KEY_FILE go together: set both or neither',
    );
  const tlsOn = Boolean(e.CONTROLLER_CA_FILE || e.WORKER_TLS_CERT_FILE);
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
    overlapCommits: e.WORKER_OVERLAP_COMMITS === 'true',
    transforms: {
      timeoutMs: e.WORKER_TRANSFORM_TIMEOUT_MS,
      maxAttempts: e.WORKER_TRANSFORM_MAX_ATTEMPTS,
      watchdog: e.WORKER_WATCHDOG === 'true',
    },
    controllerAuth: {
      token: e.WORKER_TOKEN,
      tls: tlsOn
        ? { caFile: e.CONTROLLER_CA_FILE, certFile: e.WORKER_TLS_CERT_FILE, keyFile: e.WORKER_TLS_KEY_FILE }
        : undefined,
    },
  };
}
