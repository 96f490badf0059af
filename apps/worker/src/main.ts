import { loadConfig } from './config';
import { createWorkerApp } from './worker-app';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = (m: string) => console.log(`[worker ${config.workerId}] ${m}`);
  const exit = (code: number) => process.exit(code);
  const app = createWorkerApp(config);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      // A second signal: stop the fast way (abort in flight); the next owner fences what is left.
      log(`${signal} again: stopping fast`);
      void app.shutdown({ graceful: false }).finally(() => exit(0));
      return;
    }
    log(`${signal}: draining through the controller`);
    app
      .drain(signal)
      .then(async (drained) => {
        if (drained) log('drained by the controller');
        else log('no controller reachable: stopping tasks the fast way');
        await app.shutdown({ graceful: drained });
        exit(0);
      })
      .catch((err: unknown) => {
        console.error(`[worker ${config.workerId}] stop failed`, err);
        exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if ((await app.run()) === 'drained') {
    // An operator's DrainWorker finished: no tasks left here; exit 0.
    log('drained by the controller; exiting');
    void app.shutdown({ graceful: true }).finally(() => exit(0));
  }
}

main().catch((err: unknown) => {
  console.error('[worker] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
