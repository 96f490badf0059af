import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { FleetController, redactSecrets } from '@eos/control-plane';
import { FleetNames, controllerTransactionalIdOf } from '@eos/fleet-names';
import { describeKafkaClientConfig, kafkaJsConnection, preflightKafka } from '@eos/kafka-client';
import { AdminServiceService, WorkerServiceService } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry, loadTransformsDir } from '@eos/transforms';
import { createAdminApi } from './admin-api';
import { adminService } from './admin-service';
import { createHttpServer } from './http-api';
import { controllerMetrics } from './metrics';
import type * as http from 'node:http';
import type { GrpcHealth } from './grpc-health';
import type { ControllerConfig } from './config';
import { createControllerSecurity } from './auth/controller-security';
import { WorkerClaims } from './auth/worker-claims';
import { GRPC_MESSAGE_LIMITS, addHealthAndReflection, bindServer } from './grpc-server';
import { withSafeDeserializers } from './grpc-guard';
import { KafkaStateStore } from './kafka-state-store';
import { KafkaTopics } from './kafka-topics';
import { RolloutQueue } from './rollout-queue';
import { workerService } from './worker-service';

/** How long after serving gRPC the rollout queue starts (see `start`). */
const ROLLOUT_QUEUE_DELAY_MS = 1_000;

export interface ControllerApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  grpcPort(): number;
  httpPort(): number;
  /** Resolves when the controller can no longer run (fenced by another controller). */
  fatal: Promise<Error>;
  /** Re-reads the credentials that can change at run time (the tokens file): SIGHUP. */
  reloadCredentials(): void;
}

/** Composition root of the controller: Kafka clients, state, fleet, gRPC. `stop` closes in reverse. */
export function createControllerApp(config: ControllerConfig): ControllerApp {
  const log = (m: string) => console.log(redactSecrets(`[controller] ${m}`));
  const names = new FleetNames(config.fleetId);
  const connection = kafkaJsConnection(config.kafka);
  const kafka = new Kafka({
    ...connection,
    clientId: 'eos-controller',
    logLevel: logLevel.ERROR,
    retry: { retries: 8 },
  });
  const admin = kafka.admin();
  const store = new KafkaStateStore(kafka, admin, config.stateTopic);
  const topics = new KafkaTopics(admin, kafka);
  const security = createControllerSecurity(config.security, config.host, log);
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    ...GRPC_MESSAGE_LIMITS,
    interceptors: [security.interceptor],
  });
  let fleet: FleetController | undefined;
  let rollouts: RolloutQueue | undefined;
  let rolloutStart: NodeJS.Timeout | undefined;
  let httpServer: http.Server | undefined;
  let health: GrpcHealth | undefined;
  let httpPort = 0;
  let port = 0;
  let stopped = false;
  let onFatal: (e: Error) => void = () => undefined;
  const fatal = new Promise<Error>((r) => (onFatal = r));

  return {
    fatal,
    async start() {
      const t0 = Date.now();
      const registry = new TransformRegistry(BUILTIN_TRANSFORMS);
      if (config.transformsDir)
        for (const d of await loadTransformsDir(config.transformsDir)) registry.register(d);
      // Wrong password, unknown CA or missing ACL: one clear error now, not a retry loop later.
      const cluster = await preflightKafka(connection, {
        clientId: 'eos-controller-preflight',
        role: 'controller',
        transactionalId: controllerTransactionalIdOf(config.stateTopic),
        groupId: names.controllerReaderGroup('preflight'),
        // A broker that is down or restarting is waited for, as before; one that refuses is not.
        waitWhileUnreachable: {
          onUnreachable: (err, n) => log(`${err.message} (attempt ${n}; retrying)`),
        },
      });
      log(
        `Kafka ${describeKafkaClientConfig(config.kafka)}: cluster ${cluster.clusterId} (${cluster.brokers} brokers); fleet ${names.fleetId}`,
      );
      const tPreflight = Date.now();
      await admin.connect();
      fleet = new FleetController({
        names,
        state: store,
        topics,
        registry,
        leaseMs: config.leaseMs,
        disconnectGraceMs: config.disconnectGraceMs,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        forgetWorkerAfterMs: config.forgetWorkerAfterMs,
        failedTaskBackoffMs: config.taskFailures.backoffMs,
        failedTaskBackoffMaxMs: config.taskFailures.backoffMaxMs,
        quarantineAfterCrashes: config.taskFailures.quarantineAfter,
        carefulRecords: config.taskFailures.carefulRecords,
        stateTopic: config.stateTopic,
        log,
      });
      fleet.on('fatal', (err) => {
        log(`fatal: ${err.message}`);
        onFatal(err);
      });
      const tAdmin = Date.now();
      await fleet.start();
      const tState = Date.now();
      rollouts = new RolloutQueue(fleet, config.redisUrl, log, names.rolloutQueue);
      const api = createAdminApi(fleet, rollouts, (name, version) =>
        registry.has(name, version) ? (registry.get(name, version).secretKeys ?? []) : [],
      );
      server.addService(withSafeDeserializers(AdminServiceService), adminService(fleet, api));
      const hs = createHttpServer({
        fleet,
        api,
        metrics: controllerMetrics(fleet),
        staticDir: config.uiDir,
        security: security.http,
        server: security.httpServer,
      });
      httpServer = hs;
      httpPort = await new Promise<number>((resolve, reject) => {
        hs.once('error', reject);
        hs.listen(config.httpPort, config.host, () => resolve((hs.address() as { port: number }).port));
      });
      const f = fleet;
      const claims = security.auth.enabled
        ? new WorkerClaims((id) => f.listWorkers().some((w) => w.workerId === id))
        : undefined;
      server.addService(withSafeDeserializers(WorkerServiceService), workerService(fleet, log, claims));
      health = addHealthAndReflection(server);
      port = await bindServer(server, config.host, config.grpcPort, security.grpcCredentials);
      // BullMQ's modules load (150-300 ms of a blocked event loop) once the workers had a moment to
      // reconnect and say Hello: a restart's steady state does not wait for them. UpdatePipeline
      // waits for the queue; running rollouts resume a second later.
      const q = rollouts;
      rolloutStart = setTimeout(
        () => void q.start().catch((err: unknown) => log(`rollout queue: ${String(err)}`)),
        ROLLOUT_QUEUE_DELAY_MS,
      );
      log(
        `gRPC on ${config.host}:${port}; HTTP on ${httpPort}; ${security.summary}${config.uiDir ? ' (admin UI)' : ''}; state from ${config.stateTopic} (epoch ${fleet.currentEpoch()}) in ${Date.now() - t0} ms (Kafka check ${tPreflight - t0}, admin ${tAdmin - tPreflight}, state ${tState - tAdmin}, serving ${Date.now() - tState}; process up ${Math.round(process.uptime() * 1000)} ms)`,
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // First: health checkers (load balancers, orchestrators) stop sending calls while the rest closes.
      health?.setStatus('', 'NOT_SERVING');
      httpServer?.closeAllConnections();
      await new Promise<void>((r) => (httpServer ? httpServer.close(() => r()) : r()));
      clearTimeout(rolloutStart);
      await rollouts?.close();
      fleet?.stop();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      security.close();
      await store.close().catch(() => undefined);
      await topics.close();
      await admin.disconnect().catch(() => undefined);
    },
    reloadCredentials: () => security.reload(),
    grpcPort: () => port,
    httpPort: () => httpPort,
  };
}
