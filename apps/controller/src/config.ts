import { z } from 'zod';
import { DEFAULT_FLEET_ID, FleetNames, checkFleetId } from '@eos/fleet-names';
import { loadKafkaClientConfig, type KafkaClientConfig } from '@eos/kafka-client';

const Env = z.object({
  /** Namespace of everything this fleet makes in Kafka and Redis (docs/production.md). @default 'default' */
  EOS_FLEET_ID: z.string().default(DEFAULT_FLEET_ID),
  /** @default 'redis://127.0.0.1:6379' */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** @default 50051 */
  CONTROLLER_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50051),
  /** @default 8080 */
  CONTROLLER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bind address. @default '0.0.0.0' */
  CONTROLLER_HOST: z.string().default('0.0.0.0'),
  /** Compacted topic holding the controller's state. @default '__eos_controller' (fleet `x`: '__eos_controller.x') */
  EOS_STATE_TOPIC: z.string().min(1).optional(),
  /** A worker without a heartbeat for this long is dead and its tasks move. @default 3000 */
  WORKER_LEASE_MS: z.coerce.number().int().min(200).default(3000),
  /** A dead worker (or a drained one that has gone) stays listed this long. @default 600000 */
  WORKER_FORGET_MS: z.coerce.number().int().min(0).default(600_000),
  /** How often workers heartbeat. @default 500 */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(50).default(500),
  /** User transform modules the controller validates configs with (optional). */
  TRANSFORMS_DIR: z.string().optional(),
  /** The built admin UI (static files). @default dist/apps/admin-ui next to the controller bundle, when built */
  CONTROLLER_UI_DIR: z.string().optional(),
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
  heartbeatIntervalMs: number;
  forgetWorkerAfterMs: number;
  transformsDir?: string;
  uiDir?: string;
}

/** Parses and validates the controller's environment; throws naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): ControllerConfig {
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
  return {
    kafkaBrokers: kafka.brokers,
    kafka,
    fleetId: e.EOS_FLEET_ID,
    redisUrl: e.REDIS_URL,
    grpcPort: e.CONTROLLER_GRPC_PORT,
    httpPort: e.CONTROLLER_HTTP_PORT,
    host: e.CONTROLLER_HOST,
    stateTopic: e.EOS_STATE_TOPIC ?? new FleetNames(e.EOS_FLEET_ID).stateTopic,
    leaseMs: e.WORKER_LEASE_MS,
    heartbeatIntervalMs: e.WORKER_HEARTBEAT_MS,
    forgetWorkerAfterMs: e.WORKER_FORGET_MS,
    transformsDir: e.TRANSFORMS_DIR,
    uiDir: e.CONTROLLER_UI_DIR,
  };
}
