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
import { spawn, type ChildProcess } from 'node:child_process';
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
import { setupDemo } from './demo';
import { ensureDevTokens } from './dev-tokens';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : dflt;
};

async function main(): Promise<void> {
  const workers = Number(option('--workers', '3'));
  const grpcPort = Number(process.env['CONTROLLER_GRPC_PORT'] ?? 50051);
  const httpPort = Number(process.env['CONTROLLER_HTTP_PORT'] ?? 8080);
  const children: ChildProcess[] = [];
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

    const env = { ...process.env, KAFKA_BROKERS: k.brokers.join(','), REDIS_URL: r.url };
    const workerIds = Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
    const tokens = flag('--no-auth')
      ? undefined
      : ensureDevTokens(path.join(REPO_ROOT, '.data/stack'), workerIds);
    const launch = (name: string, script: string, extra: NodeJS.ProcessEnv) => {
      const child = spawn(process.execPath, ['--enable-source-maps', path.join(REPO_ROOT, script)], {
        env: { ...env, ...extra },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      child.on('exit', (code, signal) => {
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
    if (!flag('--no-demo'))
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
