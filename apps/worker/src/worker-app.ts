import { logLevel } from 'kafkajs';
import { createKafkaJsPort, describeKafkaJsPatch } from '@eos/eos-core';
import { FleetNames } from '@eos/fleet-names';
import { describeKafkaClientConfig, kafkaJsConnection, preflightKafka } from '@eos/kafka-client';
import { BUILTIN_TRANSFORMS, TransformRegistry, loadTransformsDir } from '@eos/transforms';
import { TransformWatchdog, WorkerRuntime, type RunOutcome } from '@eos/worker-runtime';
import type { WorkerConfig } from './config';
import { controllerCredentials } from './controller-credentials';
import { WorkerMetrics, startWorkerHttp } from './worker-http';

export interface WorkerApp {
  /**
   * Checks Kafka, then runs the worker (WorkerRuntime.run) with its HTTP endpoints. Rejects when
   * the start fails; resolves `drained` when an operator's DrainWorker moved every task away (the
   * caller then shuts down), or `shutdown` once `shutdown()` stopped it.
   */
  run(): Promise<RunOutcome>;
  /**
   * Drains this worker through the controller (SIGTERM): resolves once the controller says it
   * is drained, or at once with `false` when no controller is reachable (the caller then stops
   * the fast way).
   */
  drain(reason: string): Promise<boolean>;
  /** Stops every task (graceful: commit in flight; fast: abort), closes the session and Kafka. */
  shutdown(o: { graceful: boolean }): Promise<void>;
}

/** Composition root of a worker. */
export function createWorkerApp(config: WorkerConfig): WorkerApp {
  const log = (m: string) => console.log(`[worker ${config.workerId}] ${m}`);
  const names = new FleetNames(config.fleetId);
  const connection = kafkaJsConnection(config.kafka);
  const kafka = createKafkaJsPort({
    ...connection,
    brokers: config.kafkaBrokers,
    clientId: `eos-worker-${config.workerId}`,
    logLevel: logLevel.ERROR,
  });
  const metrics = new WorkerMetrics();
  let runtime: WorkerRuntime | undefined;
  let http: { port: number; close: () => Promise<void> } | undefined;
  let watchdog: TransformWatchdog | undefined;
  let stopping = false;

  return {
    async run() {
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
      if (config.transforms.watchdog)
        watchdog = new TransformWatchdog({ deadlineMs: config.transforms.timeoutMs });
      const rt = new WorkerRuntime({
        identity: {
          workerId: config.workerId,
          host: config.host,
          capacity: config.capacity,
          pid: process.pid,
        },
        controller: {
          address: config.controllerAddr,
          credentials: controllerCredentials(config.controllerAuth),
          token: config.controllerAuth.token,
        },
        kafka,
        registry,
        log,
        metrics: metrics.tasksPort(),
        tuning: {
          transactionTimeoutMs: config.transactionTimeoutMs,
          transformTimeoutMs: config.transforms.timeoutMs,
          transformMaxAttempts: config.transforms.maxAttempts,
          overlapCommits: config.overlapCommits,
        },
        watchdog,
        onConnection: (up) => metrics.connected.set(up ? 1 : 0),
      });
      runtime = rt;
      const ended = rt.run();
      http = await startWorkerHttp(config.httpPort, metrics, () => ({
        workerId: config.workerId,
        controllerConnected: rt.connected,
        tasks: rt.taskCount(),
      }));
      log(
        `started: controller ${config.controllerAddr}, capacity ${config.capacity}, transforms ${registry.keys().join(' ')}, metrics on :${http.port}/metrics`,
      );
      const patch = describeKafkaJsPatch();
      if (patch) log(`warning: ${patch}`);
      return ended;
    },
    async drain(reason) {
      return runtime ? runtime.drain(reason) : false;
    },
    async shutdown({ graceful }) {
      if (stopping) {
        // Escalation: a fast stop while a graceful one runs aborts what is in flight.
        if (!graceful) await runtime?.shutdown({ graceful: false });
        return;
      }
      stopping = true;
      await runtime?.shutdown({ graceful });
      await kafka.close();
      await http?.close();
      await watchdog?.stop();
    },
  };
}
