/**
 * The whole stack on one machine: Kafka, Redis, the controller and N workers (default 3), plus a
 * demo pipeline. Ctrl-C (or SIGTERM) stops everything this command started, by pid; a Kafka or
 * Redis that was already running is reused and left running.
 *
 *   npx tsx tools/stack/cli.ts [--workers N] [--no-demo] [--no-auth]
 *
 * Authentication is on: bearer tokens in .data/stack/tokens.csv (made on the first run), one per
 * role and one per worker; `--no-auth` runs the controller without (loopback only).
 */
import * as path from 'node:path';
import {
  isAlive,
  kafkaVersionFromEnv,
  REPO_ROOT,
  startKafka,
  startRedis,
  stopKafka,
  stopPid,
  stopRedis,
} from '@eos/infra';
import { cliArgs } from '../lib/args';
import { startApp, type ChildProc } from '../lib/proc';
import { setupDemo } from './demo';
import { ensureDevTokens } from './dev-tokens';

const USAGE = `
npx tsx tools/stack/cli.ts [--workers N] [--no-demo] [--no-auth]

  --workers N  worker processes (default 3)
  --no-demo    no demo pipeline
  --no-auth    the controller without bearer tokens (loopback only)

The controller listens on CONTROLLER_GRPC_PORT (50051) and CONTROLLER_HTTP_PORT (8080).
`;

async function main(): Promise<void> {
  const args = cliArgs(USAGE, {
    workers: { type: 'string' },
    'no-demo': { type: 'boolean' },
    'no-auth': { type: 'boolean' },
  });
  const workers = args.number('workers', 3, { min: 1 });
  const grpcPort = Number(process.env['CONTROLLER_GRPC_PORT'] ?? 50051);
  const httpPort = Number(process.env['CONTROLLER_HTTP_PORT'] ?? 8080);
  const children: ChildProc[] = [];
  let kafkaStarted = false;
  let redisStarted = false;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[stack] stopping...');
    for (const c of [...children].reverse()) if (c.pid && isAlive(c.pid)) await stopPid(c.pid, 15_000);
    if (redisStarted) await stopRedis();
    if (kafkaStarted) await stopKafka();
    console.log('[stack] stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const k = await startKafka({ version: kafkaVersionFromEnv(process.env) });
    kafkaStarted = k.startedNow;
    console.log(
      `[stack] Kafka ${k.brokers[0]} ${k.startedNow ? `started in ${k.startMs} ms` : '(already running, reused)'}`,
    );
    const r = await startRedis();
    redisStarted = r.startedNow;
    console.log(`[stack] Redis ${r.url} ${r.startedNow ? 'started' : '(already running, reused)'}`);

    const env = { KAFKA_BROKERS: k.brokers.join(','), REDIS_URL: r.url };
    const workerIds = Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
    const tokens = args.flag('no-auth')
      ? undefined
      : ensureDevTokens(path.join(REPO_ROOT, '.data/stack'), workerIds);
    const launch = (name: string, script: string, extra: NodeJS.ProcessEnv) => {
      const child = startApp(name, script, { env: { ...env, ...extra }, output: 'inherit' });
      children.push(child);
      child.child.on('exit', (code, signal) => {
        if (!stopping) console.log(`[stack] ${name} exited (${signal ?? code})`);
      });
      return child;
    };
    launch('controller', 'dist/apps/controller/main.js', {
      CONTROLLER_GRPC_PORT: String(grpcPort),
      CONTROLLER_HTTP_PORT: String(httpPort),
      // Loopback: this is a development stack (tokens over plaintext on 127.0.0.1).
      CONTROLLER_HOST: '127.0.0.1',
      ...(tokens ? { CONTROLLER_TOKENS_FILE: tokens.file } : {}),
    });
    for (const id of workerIds) {
      launch(id, 'dist/apps/worker/main.js', {
        WORKER_ID: id,
        CONTROLLER_ADDR: `127.0.0.1:${grpcPort}`,
        ...(tokens ? { WORKER_TOKEN: tokens.workers.get(id) } : {}),
      });
    }
    if (!args.flag('no-demo'))
      await setupDemo({ brokers: k.brokers, grpcAddr: `127.0.0.1:${grpcPort}`, token: tokens?.admin });
    if (tokens)
      console.log(`[stack] authentication on: tokens in ${tokens.file} (admin, operator, viewer, one per worker). In a shell:
  export EOS_TOKEN=$(cat ${tokens.adminFile})
  grpcurl -plaintext -H "authorization: Bearer $EOS_TOKEN" 127.0.0.1:${grpcPort} eos.v1.AdminService/ListWorkers
  curl -s -H "authorization: Bearer $EOS_TOKEN" http://127.0.0.1:${httpPort}/api/whoami
Admin UI http://127.0.0.1:${httpPort}/: sign in with a token from that file (admin: ${tokens.adminFile}; viewer and operator there too).`);
    console.log(
      `[stack] running: admin UI http://127.0.0.1:${httpPort}/, controller gRPC 127.0.0.1:${grpcPort}, HTTP API http://127.0.0.1:${httpPort}/api/pipelines, ${workers} workers. Ctrl-C stops everything.`,
    );
  } catch (err) {
    console.error('[stack] failed:', err instanceof Error ? err.message : err);
    await stopAll(1);
  }
}

void main();
