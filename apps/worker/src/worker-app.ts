import { logLevel } from 'kafkajs';
import { createKafkaJsPort } from '@eos/eos-core';
import { FleetNames } from '@eos/fleet-names';
import { describeKafkaClientConfig, kafkaJsConnection, preflightKafka } from '@eos/kafka-client';
import { BUILTIN_TRANSFORMS, TransformRegistry, loadTransformsDir } from '@eos/transforms';
import type { WorkerConfig } from './config';
import { controllerCredentials } from './controller-credentials';
import { SessionClient } from './session-client';
import { InFlightAnnouncer } from './in-flight-announcer';
import { TaskSupervisor } from './task-supervisor';
import { TransformWatchdog } from './transform-watchdog';
import { WorkerMetrics, startWorkerHttp } from './worker-http';

export interface WorkerApp {
  start(): Promise<void>;
  /**
   * Drains this worker through the controller (SIGTERM): resolves once the controller says it
   * is drained, or at once with `false` when no controller is reachable (the caller then stops
   * the fast way).
   */
  drain(reason: string): Promise<boolean>;
  /** Stops every task (graceful: commit in flight; fast: abort), closes the session and Kafka. */
  stop(graceful: boolean): Promise<void>;
}

/** Composition root of a worker. */
export function createWorkerApp(config: WorkerConfig, hooks: { onDrained?: () => void } = {}): WorkerApp {
  const log = (m: string) => console.log(`[worker ${config.workerId}] ${m}`);
  const names = new FleetNames(config.fleetId);
  const connection = kafkaJsConnection(config.kafka);
  const kafka = createKafkaJsPort({
    ...connection,
    brokers: config.kafkaBrokers,
    clientId: `eos-worker-${config.workerId}`,
    logLevel: logLevel.ERROR,
  });
  let supervisor: TaskSupervisor | undefined;
  let session: SessionClient | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const metrics = new WorkerMetrics();
  let http: { port: number; close: () => Promise<void> } | undefined;
  let onDrained: (() => void) | undefined;
  let onSessionLost: (() => void) | undefined;
  let watchdog: TransformWatchdog | undefined;

  return {
    async start() {
      // Wrong password, unknown CA or missing ACL: one clear error now (main exits 1), not a
      // task failing over and over later. The probe id lies under the fleet's transactional-id
      // prefix, like every task's.
      const cluster = await preflightKafka(connection, {
        clientId: `eos-worker-${config.workerId}-preflight`,
        role: `worker ${config.workerId}`,
        transactionalId: names.preflightTransactionalId('worker'),
        groupId: names.pipelineGroup('_preflight'),
        // A broker that is down or restarting is waited for, as before; one that refuses is not.
        waitWhileUnreachable: {
          onUnreachable: (err, n) => log(`${err.message} (attempt ${n}; retrying)`),
        },
      });
      log(
        `Kafka ${describeKafkaClientConfig(config.kafka)}: cluster ${cluster.clusterId}; fleet ${names.fleetId}`,
      );
      const registry = new TransformRegistry(BUILTIN_TRANSFORMS);
      if (config.transformsDir)
        for (const d of await loadTransformsDir(config.transformsDir)) registry.register(d);
      const announcer = new InFlightAnnouncer((m) => session?.send(m) ?? false);
      if (config.transforms.watchdog)
        watchdog = new TransformWatchdog({ deadlineMs: config.transforms.timeoutMs });
      supervisor = new TaskSupervisor(
        kafka,
        registry,
        (m) => session?.send(m),
        log,
        metrics,
        config.transactionTimeoutMs,
        {
          transformTimeoutMs: config.transforms.timeoutMs,
          transformMaxAttempts: config.transforms.maxAttempts,
          watchdog,
          announce: (v) => announcer.announce(v),
        },
      );
      const sup = supervisor;
      session = new SessionClient({
        address: config.controllerAddr,
        credentials: controllerCredentials(config.controllerAuth),
        token: config.controllerAuth.token,
        log,
        hello: () => ({
          workerId: config.workerId,
          host: config.host,
          capacity: config.capacity,
          transforms: registry.capabilities(),
          running: sup.running(),
          pid: process.pid,
        }),
        onState: (up) => {
          metrics.connected.set(up ? 1 : 0);
          if (!up) {
            announcer.sessionLost();
            onSessionLost?.();
          }
        },
        onMessage: (m) => {
          const b = m.body;
          if (!b) return;
          if (b.$case === 'assign') void sup.assign(b.value);
          else if (b.$case === 'revoke') void sup.revoke(b.value);
          else if (b.$case === 'setPaused') sup.setPaused(b.value);
          else if (b.$case === 'inFlightAck') announcer.acked(b.value);
          else if (b.$case === 'drained') {
            if (onDrained) onDrained();
            else hooks.onDrained?.(); // drained by an operator's DrainWorker
          }
        },
      });
      flushTimer = setInterval(() => {
        metrics.tasks.set(sup.count());
        if (!session?.connected) return;
        const commits = sup.takeCommits();
        if (commits.length) session.send({ body: { $case: 'commits', value: { commits } } });
      }, 200);
      session.start();
      http = await startWorkerHttp(config.httpPort, metrics, () => ({
        workerId: config.workerId,
        controllerConnected: session?.connected ?? false,
        tasks: sup.count(),
      }));
      log(
        `started: controller ${config.controllerAddr}, capacity ${config.capacity}, transforms ${registry.keys().join(' ')}, metrics on :${http.port}/metrics`,
      );
    },
    async drain(reason) {
      if (!session?.connected) return false;
      const done = new Promise<boolean>((resolve) => {
        onDrained = () => resolve(true);
        // Controller gone mid-drain: stop the rest the fast way (fencing protects the next owner).
        onSessionLost = () => resolve(false);
      });
      session.send({ body: { $case: 'drainRequest', value: { reason } } });
      log(`asked the controller to drain this worker (${reason})`);
      return done;
    },
    async stop(graceful) {
      if (stopped) {
        // Escalation: a fast stop while a graceful one runs aborts what is in flight.
        if (!graceful) await supervisor?.stopAll(false);
        return;
      }
      stopped = true;
      if (flushTimer) clearInterval(flushTimer);
      await supervisor?.stopAll(graceful);
      const commits = supervisor?.takeCommits() ?? [];
      if (commits.length) session?.send({ body: { $case: 'commits', value: { commits } } });
      session?.close();
      await kafka.close();
      await http?.close();
      await watchdog?.stop();
    },
  };
}
