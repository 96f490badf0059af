import * as fs from 'node:fs';
import * as path from 'node:path';
import { redactSecrets } from '@eos/control-plane';
import { loadConfig } from './config';
import { createControllerApp } from './controller-app';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // The bundle lives in dist/apps/controller; the built UI beside it in dist/apps/admin-ui.
  const builtUi = path.resolve(__dirname, '../admin-ui');
  if (!config.uiDir && fs.existsSync(path.join(builtUi, 'index.html'))) config.uiDir = builtUi;
  const app = createControllerApp(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[controller] ${signal}: stopping`);
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(redactSecrets(`[controller] stop failed: ${String(err)}`));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => app.reloadCredentials());
  await app.start();
  const err = await app.fatal;
  console.error(redactSecrets(`[controller] exiting: ${err.message}`));
  await app.stop();
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(
    redactSecrets(`[controller] failed to start: ${err instanceof Error ? err.message : String(err)}`),
  );
  process.exit(1);
});
