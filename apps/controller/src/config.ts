import { z } from 'zod';
import { bindHost, securityConfig, SecurityEnv, type SecurityConfig } from './auth/security-config';
import { DEFAULT_FLEET_ID, FleetNames, checkFleetId } from '@eos/fleet-names';
import { loadKafkaClientConfig, type KafkaClientConfig } from '@eos/kafka-client';

const Env = SecurityEnv.extend({
  /** Namespace of everything this fleet makes in Kafka and Redis (docs/production.md). @default 'default' */
  EOS_FLEET_ID: z.string().default(DEFAULT_FLEET_ID),
  /** @default 'redis://127.0.0.1:6379' */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** @default 50051 */
  CONTROLLER_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50051),
  /** @default 8080 */
  CONTROLLER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bind address. @default '0.0.0.0' with authentication configured, else '127.0.0.1' */
  CONTROLLER_HOST: z.string().min(1).optional(),
  /** Compacted topic holding the controller's state. @default '__eos_controller' (fleet `x`: '__eos_controller.x') */
  EOS_STATE_TOPIC: z.string().min(1).optional(),
  /** A worker without a heartbeat for this long is dead and its tasks move. @default 3000 */
  WORKER_LEASE_MS: z.coerce.number().int().min(200).default(3000),
  /**
   * A worker whose session stream closed and did not reopen within this grace is dead (its tasks
   * move) without waiting for the lease; 0 leaves it to the lease alone. @default 500
   */
  WORKER_DISCONNECT_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(300),
  /** A dead worker (or a drained one that has gone) stays listed this long. @default 600000 */
  WORKER_FORGET_MS: z.coerce.number().int().min(0).default(600_000),
  /** How often workers heartbeat. @default 500 */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(50).default(500),
  /** User transform modules the controller validates configs with (optional). */
  TRANSFORMS_DIR: z.string().optional(),
  /** The built admin UI (static files). @default dist/apps/admin-ui next to the controller bundle, when built */
  CONTROLLER_UI_DIR: z.string().optional(),
  /** First wait before a task that failed on its worker is assigned again; doubles per failure in a row. 100..600000. @default 2000 */
  CONTROLLER_TASK_BACKOFF_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  /** Longest wait between attempts of a task that keeps failing. 1000..3600000. @default 300000 */
  CONTROLLER_TASK_BACKOFF_MAX_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  /** Worker deaths (crash or hang) at the same input record before it is quarantined. 1..20. @default 2 */
  CONTROLLER_QUARANTINE_AFTER: z.coerce.number().int().min(1).max(20).default(2),
  /** Records a task commits in careful mode, after its worker died under it, before it leaves careful mode. 1..1000000. @default 5000 */
  CONTROLLER_CAREFUL_RECORDS: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
});

export interface ControllerConfig {
  kafkaBrokers: string[];
  /** Connection settings (KAFKA_* variables, KAFKA_CLIENT_PROPERTIES); `kafkaBrokers` is `kafka.brokers`. */
  kafka: KafkaClientConfig;
  fleetId: string;
  redisUrl: string;
  grpcPort: number;
  httpPort: number;
  host: string;
  stateTopic: string;
  leaseMs: number;
  disconnectGraceMs: number;
  heartbeatIntervalMs: number;
  forgetWorkerAfterMs: number;
  transformsDir?: string;
  uiDir?: string;
  /** Failure backoff and poison quarantine (see docs/architecture.md, "Poison records"). */
  taskFailures: { backoffMs: number; backoffMaxMs: number; quarantineAfter: number; carefulRecords: number };
  security: SecurityConfig;
}

/** Parses and validates the controller's environment; throws naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): ControllerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const security = securityConfig(e);
  try {
    checkFleetId(e.EOS_FLEET_ID);
  } catch (err) {
    throw new Error(`invalid environment: EOS_FLEET_ID: ${(err as Error).message}`);
  }
  const kafka = loadKafkaClientConfig(env);
  return {
    kafkaBrokers: kafka.brokers,
    kafka,
    fleetId: e.EOS_FLEET_ID,
    redisUrl: e.REDIS_URL,
    grpcPort: e.CONTROLLER_GRPC_PORT,
    httpPort: e.CONTROLLER_HTTP_PORT,
    host: bindHost(e.CONTROLLER_HOST, security),
    stateTopic: e.EOS_STATE_TOPIC ?? new FleetNames(e.EOS_FLEET_ID).stateTopic,
    leaseMs: e.WORKER_LEASE_MS,
    // 0: no fast path, the lease alone decides.
    disconnectGraceMs: e.WORKER_DISCONNECT_GRACE_MS || e.WORKER_LEASE_MS,
    heartbeatIntervalMs: e.WORKER_HEARTBEAT_MS,
    forgetWorkerAfterMs: e.WORKER_FORGET_MS,
    transformsDir: e.TRANSFORMS_DIR,
    uiDir: e.CONTROLLER_UI_DIR,
    taskFailures: {
      backoffMs: e.CONTROLLER_TASK_BACKOFF_MS,
      backoffMaxMs: e.CONTROLLER_TASK_BACKOFF_MAX_MS,
      quarantineAfter: e.CONTROLLER_QUARANTINE_AFTER,
      carefulRecords: e.CONTROLLER_CAREFUL_RECORDS,
    },
    security,
  };
}
