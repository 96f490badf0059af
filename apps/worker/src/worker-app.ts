import { logLevel } from 'kafkajs';
import { createKafkaJsPort } from '@eos/eos-core';
import { BUILTIN_TRANSFORMS, TransformRegistry, loadTransformsDir } from '@eos/transforms';
import type { WorkerConfig } from './config';
import { SessionClient } from './session-client';
import { TaskSupervisor } from './task-supervisor';

export interface WorkerApp {
  start(): Promise<void>;
  /** Stops every task (graceful: commit in flight; fast: abort), closes the session and Kafka. */
  stop(graceful: boolean): Promise<void>;
}

/** Composition root of a worker. */
export function createWorkerApp(config: WorkerConfig): WorkerApp {
  const log = (m: string) => console.log(`[worker ${config.workerId}] ${m}`);
  const kafka = createKafkaJsPort({
    brokers: config.kafkaBrokers,
    clientId: `eos-worker-${config.workerId}`,
    logLevel: logLevel.ERROR,
  });
  let supervisor: TaskSupervisor | undefined;
  let session: SessionClient | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  return {
    async start() {
      const registry = new TransformRegistry(BUILTIN_TRANSFORMS);
      if (config.transformsDir)
        for (const d of await loadTransformsDir(config.transformsDir)) registry.register(d);
      supervisor = new TaskSupervisor(kafka, registry, (m) => session?.send(m), log);
      const sup = supervisor;
      session = new SessionClient({
        address: config.controllerAddr,
        log,
        hello: () => ({
          workerId: config.workerId,
          host: config.host,
          capacity: config.capacity,
          transforms: registry.capabilities(),
          running: sup.running(),
          pid: process.pid,
        }),
        onMessage: (m) => {
          const b = m.body;
          if (!b) return;
          if (b.$case === 'assign') void sup.assign(b.value);
          else if (b.$case === 'revoke') void sup.revoke(b.value);
          else if (b.$case === 'setPaused') sup.setPaused(b.value);
        },
      });
      flushTimer = setInterval(() => {
        if (!session?.connected) return;
        const commits = sup.takeCommits();
        if (commits.length) session.send({ body: { $case: 'commits', value: { commits } } });
      }, 200);
      session.start();
      log(
        `started: controller ${config.controllerAddr}, capacity ${config.capacity}, transforms ${registry.keys().join(' ')}`,
      );
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
    },
  };
}
