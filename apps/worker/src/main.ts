import { loadConfig } from './config';
import { createWorkerApp } from './worker-app';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = createWorkerApp(config);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    const graceful = signals === 1;
    console.log(
      `[worker ${config.workerId}] ${signal}: stopping ${graceful ? 'gracefully (commit in flight)' : 'fast (abort in flight)'}`,
    );
    if (!graceful) {
      // A second signal: stop the fast way; whatever is open is aborted by the next owner.
      void app.stop(false).finally(() => process.exit(0));
      return;
    }
    app.stop(true).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`[worker ${config.workerId}] stop failed`, err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.start();
}

main().catch((err: unknown) => {
  console.error('[worker] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
