/**
 * Benchmark (not a test): what TLS and bearer tokens cost per request, against plaintext without
 * authentication, in one run on the same machine. For each mode a real controller process
 * (dist/apps/controller/main.js) and, from this process:
 * - admin calls on one channel (ListWorkers, `--concurrency` in flight): the interceptor's token
 *   check and TLS record cost per call;
 * - admin calls each on a fresh channel (what grpcurl does): adds the TLS handshake per call;
 * - a heartbeat storm from `--workers` sessions (the worker's own SessionClient): a session is
 *   authenticated once, so this is TLS on the stream alone.
 * It prints calls/s, p50/p99 latency, controller CPU per 1000 calls, and secure/plaintext ratios.
 *
 *   npm run build && npx tsx tools/bench/auth-cost.ts [--calls N] [--fresh N] [--concurrency N]
 *     [--workers N] [--storm-ms N] [--rounds N]
 *
 * Kafka and Redis: KAFKA_BROKERS and REDIS_URL (must answer). Writes tools/bench/results/auth-cost.json.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AdminServiceClient, ListWorkersRequest } from '@eos/proto';
import { makeTestPki, percentile, TestStack, until } from '@eos/testing';
// The worker's own session client, so the storm speaks the real protocol.
import { SessionClient } from '@eos/worker-runtime';
import { cliArgs } from '../lib/args';

const args = cliArgs(
  `npx tsx tools/bench/auth-cost.ts [--calls N] [--fresh N] [--concurrency N] [--workers N] [--storm-ms N] [--rounds N]
  defaults: 3000 calls, 200 on fresh channels, 16 in flight, 50 heartbeat sessions for 3000 ms, 3 rounds`,
  {
    calls: { type: 'string' },
    fresh: { type: 'string' },
    concurrency: { type: 'string' },
    workers: { type: 'string' },
    'storm-ms': { type: 'string' },
    rounds: { type: 'string' },
  },
);
const CALLS = args.number('calls', 3000, { min: 1 });
const FRESH = args.number('fresh', 200, { min: 1 });
const CONCURRENCY = args.number('concurrency', 16, { min: 1 });
const WORKERS = args.number('workers', 50, { min: 1 });
const STORM_MS = args.number('storm-ms', 3000, { min: 1 });
/** Rounds, alternating the modes (the machine is shared: medians of alternated rounds). */
const ROUNDS = args.number('rounds', 3, { min: 1 });
const TICKS = 100; // USER_HZ

const cpuSec = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS; // utime + stime
};

interface Mode {
  name: 'plaintext' | 'tls+tokens';
  env: NodeJS.ProcessEnv;
  channel: () => grpc.ChannelCredentials;
  metadata: () => grpc.Metadata;
  workerToken?: (i: number) => string;
  scrape: (port: number) => Promise<string>;
}

function listWorkers(client: AdminServiceClient, md: grpc.Metadata): Promise<number> {
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    client.listWorkers(ListWorkersRequest.fromPartial({}), md, (err) =>
      err ? reject(err) : resolve(Number(process.hrtime.bigint() - t) / 1e6),
    ),
  );
}

async function measure(mode: Mode): Promise<Record<string, number>> {
  const stack = new TestStack({ leaseMs: 3000, env: mode.env });
  try {
    await stack.startController();
    const pid = stack.controller?.pid as number;
    const out: Record<string, number> = {};

    // One channel, CONCURRENCY calls in flight.
    const client = new AdminServiceClient(stack.addr, mode.channel());
    await listWorkers(client, mode.metadata()); // connect (and handshake) outside the timing
    let next = 0;
    const lat: number[] = [];
    let c0 = cpuSec(pid);
    let t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < CALLS) lat.push(await listWorkers(client, mode.metadata()));
      }),
    );
    let s = (Date.now() - t0) / 1000;
    out['callsPerSec'] = Math.round(CALLS / s);
    out['callP50Ms'] = percentile(lat, 50);
    out['callP99Ms'] = percentile(lat, 99);
    out['cpuMsPer1000Calls'] = Math.round(((cpuSec(pid) - c0) * 1e6) / CALLS);
    client.close();

    // A fresh channel per call, one at a time: connection (and TLS handshake) included.
    const fresh: number[] = [];
    c0 = cpuSec(pid);
    t0 = Date.now();
    for (let i = 0; i < FRESH; i++) {
      const t = process.hrtime.bigint();
      const c = new AdminServiceClient(stack.addr, mode.channel());
      await listWorkers(c, mode.metadata());
      c.close();
      fresh.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    s = (Date.now() - t0) / 1000;
    out['freshCallsPerSec'] = Math.round(FRESH / s);
    out['freshP50Ms'] = percentile(fresh, 50);
    out['freshP99Ms'] = percentile(fresh, 99);
    out['cpuMsPer1000FreshCalls'] = Math.round(((cpuSec(pid) - c0) * 1e6) / FRESH);

    // Heartbeat storm.
    const sessions = Array.from({ length: WORKERS }, (_, i) => {
      const sc = new SessionClient({
        address: stack.addr,
        credentials: mode.channel(),
        token: mode.workerToken?.(i),
        hello: () => ({
          workerId: `bench-${i}`,
          host: os.hostname(),
          capacity: 1,
          transforms: [],
          running: [],
          pid: 0,
        }),
        onMessage: () => undefined,
        log: () => undefined,
      });
      sc.start();
      return sc;
    });
    await until('sessions open', () => sessions.every((x) => x.connected), 60_000, 50);
    const hb = async () =>
      Number(/^eos_controller_heartbeats_total (\d+)/m.exec(await mode.scrape(stack.httpPort))?.[1] ?? NaN);
    const h0 = await hb();
    c0 = cpuSec(pid);
    t0 = Date.now();
    let sent = 0;
    while (Date.now() - t0 < STORM_MS) {
      for (const x of sessions)
        if (x.send({ body: { $case: 'heartbeat', value: { sentAtMs: Date.now() } } })) sent++;
      await new Promise((r) => setImmediate(r));
    }
    const accepted = await until(
      'the storm processed',
      async () => {
        const h = await hb();
        return h - h0 >= sent ? h - h0 : undefined;
      },
      30_000,
      100,
    );
    s = (Date.now() - t0) / 1000;
    out['heartbeatsPerSec'] = Math.round(accepted / s);
    out['cpuMsPer1000Heartbeats'] = Math.round(((cpuSec(pid) - c0) * 1e9) / accepted) / 1000;
    for (const x of sessions) x.close();
    return out;
  } finally {
    await stack.stop();
  }
}

function get(url: string, headers: Record<string, string>, ca?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    mod
      .get(url, { headers, ca, servername: ca ? 'localhost' : undefined }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  const pki = makeTestPki('auth-cost');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-auth-cost-'));
  const tokens = path.join(dir, 'tokens.csv');
  const admin = 'bench-admin-token-7c1e5a9f3b';
  fs.writeFileSync(
    tokens,
    [
      `${admin},bench,admin`,
      ...Array.from({ length: WORKERS }, (_, i) => `bench-worker-${i}-tok-x9,bench-${i},worker`),
    ].join('\n'),
  );
  const ca = fs.readFileSync(pki.caFile);
  const bearer = () => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${admin}`);
    return m;
  };
  const modes: Mode[] = [
    {
      name: 'plaintext',
      env: {},
      channel: () => grpc.credentials.createInsecure(),
      metadata: () => new grpc.Metadata(),
      scrape: (port) => get(`http://127.0.0.1:${port}/metrics`, {}),
    },
    {
      name: 'tls+tokens',
      env: {
        CONTROLLER_TOKENS_FILE: tokens,
        CONTROLLER_TLS_CERT_FILE: pki.serverCertFile,
        CONTROLLER_TLS_KEY_FILE: pki.serverKeyFile,
      },
      channel: () => grpc.credentials.createSsl(ca),
      metadata: bearer,
      workerToken: (i) => `bench-worker-${i}-tok-x9`,
      scrape: (port) => get(`https://127.0.0.1:${port}/metrics`, { authorization: `Bearer ${admin}` }, ca),
    },
  ];
  const rounds: Record<string, Record<string, number>[]> = { plaintext: [], 'tls+tokens': [] };
  try {
    for (let r = 1; r <= ROUNDS; r++)
      for (const m of modes) {
        console.log(`[auth-cost] round ${r}/${ROUNDS}: ${m.name}...`);
        rounds[m.name]?.push(await measure(m));
      }
  } finally {
    pki.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (rs: Record<string, number>[]) =>
    Object.fromEntries(
      Object.keys(rs[0] ?? {}).map((k) => [
        k,
        percentile(
          rs.map((x) => x[k] as number),
          50,
        ),
      ]),
    );
  const results = {
    plaintext: median(rounds['plaintext'] ?? []),
    'tls+tokens': median(rounds['tls+tokens'] ?? []),
  };
  const plain = results.plaintext;
  const secure = results['tls+tokens'];
  console.log(
    `\n[auth-cost] medians of ${ROUNDS} alternated rounds: ${CALLS} calls (${CONCURRENCY} in flight), ${FRESH} fresh-channel calls, ${WORKERS}-session heartbeat storm for ${STORM_MS} ms; load ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`,
  );
  console.log(`| figure | plaintext | TLS + tokens | ratio |\n|---|---|---|---|`);
  for (const k of Object.keys(plain)) {
    const a = plain[k] as number;
    const b = secure[k] as number;
    const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
    console.log(`| ${k} | ${f(a)} | ${f(b)} | ${(b / a).toFixed(2)} |`);
  }
  const file = path.join(__dirname, 'results', 'auth-cost.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify(
      { at: new Date().toISOString(), CALLS, FRESH, CONCURRENCY, WORKERS, STORM_MS, ROUNDS, results, rounds },
      null,
      2,
    ),
  );
  console.log(`results: ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[auth-cost] failed:', err);
    process.exit(1);
  },
);
