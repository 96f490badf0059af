/** A local `redis-server` (Debian package) on loopback, started only when nothing answers at the URL. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { readLivePid, spawnDetached, stopPid, tail, waitFor } from './processes';
import { REPO_ROOT } from './repo-root';

export interface LocalRedisOptions {
  /** @default 'redis://127.0.0.1:6379' */
  url?: string;
  /** @default <repo>/.data/redis-<port> */
  dataDir?: string;
}

function resolve(o: LocalRedisOptions = {}) {
  const url = new URL(o.url ?? 'redis://127.0.0.1:6379');
  const port = Number(url.port || 6379);
  const host = url.hostname || '127.0.0.1';
  const dataDir = o.dataDir ?? path.join(REPO_ROOT, '.data', `redis-${port}`);
  return {
    url: url.toString(),
    host,
    port,
    dataDir,
    pidFile: path.join(dataDir, 'redis.pid'),
    logFile: path.join(dataDir, 'redis.log'),
  };
}

/** Sends PING over a raw socket; true on `+PONG` (or an auth error, which still means a Redis answers). */
export function redisAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const done = (v: boolean) => {
      sock.destroy();
      resolvePromise(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
  });
}

export interface RedisHandle {
  url: string;
  pid: number | undefined;
  startedNow: boolean;
}

/** Starts redis-server unless something answers at the URL; idempotent. */
export async function startRedis(options: LocalRedisOptions = {}): Promise<RedisHandle> {
  const r = resolve(options);
  const ours = readLivePid(r.pidFile, 'redis-server');
  if (await redisAnswers(r.host, r.port)) return { url: r.url, pid: ours, startedNow: false };
  if (!['127.0.0.1', 'localhost', '::1'].includes(r.host)) {
    throw new Error(`nothing answers at ${r.url}, and only a loopback Redis can be started here`);
  }
  fs.mkdirSync(r.dataDir, { recursive: true });
  const child = spawnDetached(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(r.port),
      '--dir',
      r.dataDir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    r.logFile,
  );
  const pid = child.pid as number;
  fs.writeFileSync(r.pidFile, `${pid}\n`);
  await waitFor(`redis on ${r.host}:${r.port}`, async () => {
    if (readLivePid(r.pidFile, 'redis-server') === undefined) {
      throw new Error(
        `redis-server exited during start (is the redis-server package installed?):\n${tail(r.logFile)}`,
      );
    }
    return redisAnswers(r.host, r.port);
  });
  return { url: r.url, pid, startedNow: true };
}

/** Stops the redis-server this tool started; never one started otherwise. */
export async function stopRedis(options: LocalRedisOptions = {}): Promise<boolean> {
  const r = resolve(options);
  const pid = readLivePid(r.pidFile, 'redis-server');
  fs.rmSync(r.pidFile, { force: true });
  if (pid === undefined) return false;
  await stopPid(pid, 10_000);
  return true;
}

/** SIGKILLs the redis-server this tool started (chaos tests). */
export function killRedis(options: LocalRedisOptions = {}): boolean {
  const r = resolve(options);
  const pid = readLivePid(r.pidFile, 'redis-server');
  if (pid === undefined) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}
