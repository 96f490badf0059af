/**
 * The chaos harness (issue #8): the real stack (Kafka, Redis, controller, N workers as
 * processes) under a seeded schedule of faults, then an independent verification of the output.
 *
 *   npm run chaos -- --quick --seed 1        # every fault kind once (CI, about 3 minutes)
 *   npm run chaos -- --seed 7                # 10 minutes of seeded faults
 *   npm run chaos -- --seed 7 --minutes 30   # the release soak
 *   npm run chaos -- --quick --seed 1 --secure   # with TLS and bearer tokens on the controller
 *
 * Every process reaches the broker through its own FaultProxy (and each worker reaches the
 * controller through another); the broker has one extra listener per proxied process whose
 * advertised port is that process's proxy, so clients stay behind it after the first metadata
 * call. The workload producer and the verifier use the broker's plain listener. Exit code 1 on
 * any violated invariant or any fault the pipeline did not recover from.
 */
import { FleetNames } from '@eos/fleet-names';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import {
  REPO_ROOT,
  kafkaAnswers,
  kafkaPaths,
  kafkaVersionFromEnv,
  killKafka,
  killRedis,
  redisAnswers,
  startKafka,
  startRedis,
  stopKafka,
  stopRedis,
  type LocalKafkaOptions,
} from '@eos/infra';
import { createTopic, readTopic, type ReadRecord } from '@eos/testing';
import { chaosSecurity, type ChaosSecurity } from './chaos-security';
import { checkHistory, violationCount, type AckedInput, type Violations } from './checker';
import { FaultProxy } from './proxy';
import { formatReport, recoveryFigures, type ChaosReport, type FaultRecord } from './report';
import { FAULT_KINDS, planFaults, rng, type PlannedFault } from './schedule';
import { committedOffsets, dumpPartition, highWatermarks, openTransactionStarts } from './verify';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(n);
const opt = (n: string, d: number) => (argv.includes(n) ? Number(argv[argv.indexOf(n) + 1]) : d);
const QUICK = flag('--quick');
/** TLS on the controller's ports and bearer tokens for workers and the harness. */
const SECURE = flag('--secure');
let security: ChaosSecurity | undefined;
const SEED = opt('--seed', Date.now() % 1_000_000);
const MINUTES = opt('--minutes', QUICK ? 0 : 10);
const WORKERS = opt('--workers', 3);
const KAFKA_PORT = opt('--kafka-port', 19092);
const REDIS_PORT = opt('--redis-port', 16379);
/** Controller, proxies and worker ports are taken from here up (base+10 gRPC, +11 HTTP, ...). */
const PORT_BASE = opt('--port-base', 19040);
const LEASE_MS = 3_000;
const TX_TIMEOUT_MS = 5_000;
const PARTITIONS = 6;
const KEYS = 60;
/** Records per producer send (one per key, round robin) and the pause between sends. */
const PER_SEND = opt('--per-send', 30);
const SEND_EVERY_MS = 50;
const RECOVERY_TIMEOUT_MS = 120_000;
const SUFFIX = '|chaos';

const PIPELINE = 'chaos';
const IN = `${PIPELINE}.in`;
const OUT = `${PIPELINE}.out`;
const GROUP = new FleetNames().pipelineGroup(PIPELINE);
const PLAIN = [`127.0.0.1:${KAFKA_PORT}`];

const port = {
  grpc: PORT_BASE + 10,
  http: PORT_BASE + 11,
  workerHttp: (i: number) => PORT_BASE + i,
  /** Broker listener and proxy for process slot c (0: controller, i: worker i). */
  brokerListener: (c: number) => PORT_BASE + 20 + c,
  brokerProxy: (c: number) => PORT_BASE + 30 + c,
  controllerProxy: (i: number) => PORT_BASE + 40 + i,
};

const RUN_DIR = path.join(
  REPO_ROOT,
  '.data',
  'chaos',
  `seed-${SEED}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
);
const kafkaOptions: LocalKafkaOptions = {
  port: KAFKA_PORT,
  controllerPort: KAFKA_PORT + 1,
  dataDir: path.join(REPO_ROOT, '.data', `chaos-kafka-${KAFKA_PORT}`),
  heap: '768m',
  version: kafkaVersionFromEnv(process.env),
  extraListeners: Array.from({ length: WORKERS + 1 }, (_, c) => ({
    name: c === 0 ? 'PCONTROLLER' : `PW${c}`,
    port: port.brokerListener(c),
    advertisedPort: port.brokerProxy(c),
  })),
};
const redisOptions = {
  url: `redis://127.0.0.1:${REDIS_PORT}`,
  dataDir: path.join(REPO_ROOT, '.data', `chaos-redis-${REDIS_PORT}`),
};

const t0 = Date.now();
const since = () => Date.now() - t0;
const log = (m: string) => console.log(`[chaos +${(since() / 1000).toFixed(1)}s] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes

/** A controller or worker process, its output appended to a log file in the run folder. */
class AppProc {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  fencedLines = 0;
  private out = '';

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    const logFile = fs.createWriteStream(path.join(RUN_DIR, `${name}.log`), { flags: 'a' });
    this.child = spawn(process.execPath, ['--enable-source-maps', path.join(REPO_ROOT, script)], {
      cwd: REPO_ROOT,
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      const s = d.toString();
      logFile.write(s);
      this.out = (this.out + s).slice(-20_000);
      this.fencedLines += (s.match(/ fenced: /g) ?? []).length;
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((r) =>
      this.child.on('exit', (code) => {
        logFile.end();
        r(code);
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.out)) {
      if (!this.running || Date.now() > end)
        throw new Error(`${this.name}: no ${re}; output:\n${this.out.slice(-3000)}`);
      await sleep(50);
    }
  }

  /** Resolves true when it exited within `ms`. */
  exitWithin(ms: number): Promise<boolean> {
    return Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
  }

  async kill(): Promise<void> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.exited;
  }
}

let controller: AppProc | undefined;
const workers = new Map<number, AppProc>();
let fencedLinesOfExited = 0;

async function startController(): Promise<void> {
  controller = new AppProc('controller', 'dist/apps/controller/main.js', {
    KAFKA_BROKERS: `127.0.0.1:${port.brokerProxy(0)}`,
    REDIS_URL: redisOptions.url,
    CONTROLLER_GRPC_PORT: String(port.grpc),
    CONTROLLER_HTTP_PORT: String(port.http),
    CONTROLLER_HOST: '127.0.0.1',
    EOS_STATE_TOPIC: '__eos_chaos',
    WORKER_LEASE_MS: String(LEASE_MS),
    ...security?.controllerEnv,
  });
  await controller.waitFor(/gRPC on /);
}

function startWorker(i: number): AppProc {
  const w = new AppProc(`w${i}`, 'dist/apps/worker/main.js', {
    KAFKA_BROKERS: `127.0.0.1:${port.brokerProxy(i)}`,
    CONTROLLER_ADDR: `127.0.0.1:${port.controllerProxy(i)}`,
    WORKER_ID: `w${i}`,
    WORKER_CAPACITY: '6',
    WORKER_HTTP_PORT: String(port.workerHttp(i)),
    WORKER_TRANSACTION_TIMEOUT_MS: String(TX_TIMEOUT_MS),
    ...security?.workerEnv(`w${i}`),
  });
  workers.set(i, w);
  return w;
}

async function restartWorker(i: number): Promise<void> {
  const old = workers.get(i);
  if (old) {
    await old.kill();
    fencedLinesOfExited += old.fencedLines;
  }
  await startWorker(i).waitFor(/started: controller/);
}

// ---------------------------------------------------------------------------------------------
// Controller HTTP API

/** Calls the controller's HTTP API; status 0 when it did not answer (the fault record says so). */
async function api(method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return callApi(method, p, body).catch((err: unknown) => ({ status: 0, json: String(err) }));
}

async function callApi(
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const url = `http://127.0.0.1:${port.http}${p}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const { status, text } = security
    ? await security.request(method, url, payload, 10_000)
    : await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', 'x-actor': 'chaos' },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      }).then(async (res) => ({ status: res.status, text: await res.text() }));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status, json };
}

const SPEC = {
  name: PIPELINE,
  inputTopic: IN,
  outputTopic: OUT,
  tasks: PARTITIONS,
  transform: { name: 'suffix', version: 1, config: { suffix: SUFFIX } },
  deadLetterTopic: `${PIPELINE}.dlq`,
};

// ---------------------------------------------------------------------------------------------
// Workload: sequence-numbered records for KEYS keys over PARTITIONS partitions (key k on
// partition k mod PARTITIONS), idempotent; what was acknowledged is kept.

const acked: AckedInput[] = [];
let unacknowledged = 0;
let producing = true;

async function runWorkload(producer: Producer): Promise<void> {
  const nextSeq = new Array<number>(KEYS).fill(0);
  let k = 0;
  while (producing) {
    const msgs: AckedInput[] = [];
    for (let j = 0; j < PER_SEND; j++, k = (k + 1) % KEYS) {
      const seq = nextSeq[k] as number;
      nextSeq[k] = seq + 1;
      msgs.push({ key: `k${k}`, seq, value: `k${k}:${seq}` });
    }
    try {
      await producer.send({
        topic: IN,
        acks: -1,
        messages: msgs.map((m) => ({
          partition: Number(m.key.slice(1)) % PARTITIONS,
          key: m.key,
          value: m.value,
        })),
      });
      acked.push(...msgs);
    } catch {
      // Outcome unknown (the broker may be down): these may or may not be in the input. They are
      // never re-sent (a re-send could duplicate the input itself); the checker judges the input
      // topic as read.
      unacknowledged += msgs.length;
      await sleep(200);
    }
    await sleep(SEND_EVERY_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Progress monitor (kafkajs, plain listener; measurement only, never the verdict)

let kafka: Kafka;
let admin: Admin | undefined;
let lastCommitted: Record<number, number> = {};
let lastEnd: Record<number, number> = {};

let polling: Promise<boolean> | undefined;
/** Reads the pipeline group's committed offsets and the input end offsets (one read at a time). */
function poll(): Promise<boolean> {
  polling ??= readProgress().finally(() => (polling = undefined));
  return polling;
}

async function readProgress(): Promise<boolean> {
  try {
    admin ??= kafka.admin();
    await admin.connect();
    const [offs, ends] = await Promise.all([
      admin.fetchOffsets({ groupId: GROUP, topics: [IN] }),
      admin.fetchTopicOffsets(IN),
    ]);
    const c: Record<number, number> = {};
    for (const t of offs) for (const p of t.partitions) c[p.partition] = Number(p.offset);
    const e: Record<number, number> = {};
    for (const p of ends) e[p.partition] = Number(p.high);
    lastCommitted = c;
    lastEnd = e;
    return true;
  } catch {
    await admin?.disconnect().catch(() => undefined);
    admin = undefined;
    return false;
  }
}

/** Tracks one healed fault until all partitions with a backlog commit again and it catches up. */
async function trackRecovery(f: FaultRecord): Promise<void> {
  while (!(await poll())) {
    if (since() - f.healedAtMs > RECOVERY_TIMEOUT_MS) return;
    await sleep(250);
  }
  const c0 = { ...lastCommitted };
  const e0 = { ...lastEnd };
  const backlog = Object.keys(e0)
    .map(Number)
    .filter((p) => (e0[p] ?? 0) > (c0[p] ?? -1));
  while (since() - f.healedAtMs < RECOVERY_TIMEOUT_MS) {
    if (await poll()) {
      const c = lastCommitted;
      if (f.firstCommitMs === undefined && backlog.every((p) => (c[p] ?? -1) > (c0[p] ?? -1)))
        f.firstCommitMs = since() - f.healedAtMs;
      if (Object.keys(e0).every((p) => (c[Number(p)] ?? -1) >= (e0[Number(p)] ?? 0))) {
        f.firstCommitMs ??= since() - f.healedAtMs;
        f.caughtUpMs = since() - f.healedAtMs;
        f.survived = true;
        return;
      }
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Faults

const brokerProxies: FaultProxy[] = [];
/** Zombies woken up: how many of their tasks then learned they were fenced (told in the report). */
const zombies: { rec: FaultRecord; proc: AppProc; fencedBefore: number }[] = [];
const controllerProxies = new Map<number, FaultProxy>();

async function inject(f: PlannedFault, n: number): Promise<FaultRecord> {
  const slots = [...workers.keys()];
  const slot = slots[f.target % slots.length] as number;
  const links = [...brokerProxies, ...controllerProxies.values()];
  const link = links[f.target % links.length] as FaultProxy;
  const rec: FaultRecord = {
    n,
    kind: f.kind,
    target: '',
    injectedAtMs: since(),
    healedAtMs: 0,
    detail: '',
    survived: false,
  };
  const w = workers.get(slot) as AppProc;
  switch (f.kind) {
    case 'worker-kill':
      rec.target = `w${slot}`;
      w.signal('SIGKILL');
      await w.exited;
      await sleep(f.holdMs);
      await restartWorker(slot);
      break;
    case 'worker-term': {
      rec.target = `w${slot}`;
      w.signal('SIGTERM');
      // It drains through the controller and exits 0; past a minute it is stuck.
      const exited = await w.exitWithin(60_000);
      rec.detail = exited ? `exit ${w.child.exitCode}` : 'did not exit in 60 s (killed)';
      if (!exited || w.child.exitCode !== 0) rec.detail += ' UNCLEAN';
      await sleep(f.holdMs);
      await restartWorker(slot);
      break;
    }
    case 'worker-zombie':
      rec.target = `w${slot}`;
      w.signal('SIGSTOP');
      await sleep(f.holdMs);
      w.signal('SIGCONT');
      rec.detail = `stopped ${f.holdMs} ms (lease ${LEASE_MS}, transaction timeout ${TX_TIMEOUT_MS})`;
      zombies.push({ rec, proc: w, fencedBefore: w.fencedLines });
      break;
    case 'controller-kill':
      rec.target = 'controller';
      await controller?.kill();
      await sleep(f.holdMs);
      await startController();
      break;
    case 'broker-kill':
      rec.target = 'broker';
      killKafka(kafkaOptions);
      await sleep(f.holdMs);
      await startKafka(kafkaOptions);
      break;
    case 'redis-kill':
      rec.target = 'redis';
      killRedis(redisOptions);
      await sleep(f.holdMs);
      await startRedis(redisOptions);
      break;
    case 'net-cut':
      rec.target = link.name;
      link.cut();
      await sleep(f.holdMs);
      link.heal();
      break;
    case 'net-blackhole':
      rec.target = link.name;
      link.blackhole();
      await sleep(f.holdMs);
      link.heal();
      break;
    case 'net-delay':
      rec.target = link.name;
      rec.detail = `${f.latencyMs} ± ${f.jitterMs} ms`;
      link.delay(f.latencyMs ?? 100, f.jitterMs ?? 50);
      await sleep(f.holdMs);
      link.heal();
      break;
    case 'net-reset':
      rec.target = link.name;
      link.resetAll();
      break;
    case 'drain': {
      rec.target = `w${slot}`;
      const d = await api('POST', `/api/workers/w${slot}/drain`, { deadlineMs: 20_000 });
      await sleep(f.holdMs);
      const u = await api('POST', `/api/workers/w${slot}/undrain`, {});
      rec.detail = `drain ${d.status}, undrain ${u.status}`;
      // Drained before the undrain: the process has exited 0 (or is about to); start it again.
      if (!(await w.exitWithin(1_000)) && w.running) break;
      rec.detail += ` (drained, exit ${w.child.exitCode}; restarted)`;
      await restartWorker(slot);
      break;
    }
    case 'rollout': {
      rec.target = PIPELINE;
      const r = await api('PUT', `/api/pipelines/${PIPELINE}`, {
        spec: SPEC,
        strategy: { canaryTasks: 1, stepTasks: 2, gateCommits: 2, gateTimeoutMs: 30_000 },
      });
      const id = (r.json as { rolloutId?: string }).rolloutId;
      if (!id) {
        rec.detail = `UpdatePipeline ${r.status}: ${JSON.stringify(r.json)}`;
        break;
      }
      let state = '';
      const end = Date.now() + f.holdMs;
      while (Date.now() < end) {
        const g = await api('GET', `/api/rollouts/${id}`);
        const body = (g.json ?? {}) as { rollout?: { state?: string }; state?: string };
        state = body.rollout?.state ?? body.state ?? '';
        if (['SUCCEEDED', 'FAILED', 'ABORTED'].includes(state)) break;
        await sleep(250);
      }
      rec.detail = `${id} ${state}`;
      break;
    }
  }
  rec.healedAtMs = since();
  return rec;
}

// ---------------------------------------------------------------------------------------------
// Verification (kcat and Kafka's own tools; no kafkajs)

async function verify(
  durationMs: number,
  faults: FaultRecord[],
): Promise<{ report: ChaosReport; violations: Violations }> {
  log('verifying with kcat and the Kafka tools');
  const [input, committed, uncommitted] = await Promise.all([
    readTopic(IN, 'read_uncommitted', PLAIN),
    readTopic(OUT, 'read_committed', PLAIN),
    readTopic(OUT, 'read_uncommitted', PLAIN),
  ]);
  const inputEnd = await highWatermarks(PLAIN, IN);
  const outputHw = await highWatermarks(PLAIN, OUT);
  const pipelineCommitted = await committedOffsets(PLAIN, GROUP, IN);
  const open = await openTransactionStarts(PLAIN, OUT, PARTITIONS);
  const outputStableEnd: Record<number, number> = {};
  for (const [p, hw] of Object.entries(outputHw)) outputStableEnd[Number(p)] = open[Number(p)] ?? hw;

  // Producer ids and epochs per output partition (one task writes each), markers per outcome.
  const epochs: Record<string, number[]> = {};
  let commits = 0;
  let aborts = 0;
  let epochBumps = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const batches = await dumpPartition(kafkaPaths(kafkaOptions).logDirs, OUT, p);
    const pids = new Set<number>();
    for (const b of batches) {
      if (b.marker === 'COMMIT') commits++;
      if (b.marker === 'ABORT') aborts++;
      pids.add(b.producerId);
      const k = `task ${p} (producer ${b.producerId})`;
      const xs = (epochs[k] ??= []);
      if (xs[xs.length - 1] !== b.producerEpoch) xs.push(b.producerEpoch);
    }
    epochBumps += Math.max(0, pids.size - 1);
  }
  for (const xs of Object.values(epochs)) epochBumps += xs.length - 1;

  const seen = (r: ReadRecord) => ({ partition: r.partition, offset: r.offset, key: r.key, value: r.value });
  const violations = checkHistory({
    acked,
    input: input.map(seen),
    committed: committed.map(seen),
    uncommitted: uncommitted.map(seen),
    transform: (v) => `${v}${SUFFIX}`,
    inputEnd,
    pipelineCommitted,
    outputStableEnd,
    outputHighWatermark: outputHw,
    epochs,
  });
  const byKind: ChaosReport['faultsByKind'] = {};
  for (const k of FAULT_KINDS) byKind[k] = { injected: 0, survived: 0 };
  for (const f of faults) {
    const c = byKind[f.kind] as { injected: number; survived: number };
    c.injected++;
    if (f.survived) c.survived++;
  }
  const counts = Object.fromEntries(Object.entries(violations).map(([k, xs]) => [k, xs.length])) as Record<
    keyof Violations,
    number
  >;
  const examples = Object.fromEntries(Object.entries(violations).map(([k, xs]) => [k, xs.slice(0, 10)]));
  for (const z of zombies)
    z.rec.detail += `; tasks fenced after SIGCONT: ${z.proc.fencedLines - z.fencedBefore}`;
  const fenced = fencedLinesOfExited + [...workers.values()].reduce((n, w) => n + w.fencedLines, 0);
  const allSurvived = faults.every((f) => f.survived);
  const report: ChaosReport = {
    seed: SEED,
    mode: QUICK ? 'quick' : 'full',
    durationMs,
    records: {
      acked: acked.length,
      unacknowledged,
      in: input.length,
      out: committed.length,
      uncommittedOut: uncommitted.length,
    },
    violations: counts,
    examples,
    faults,
    faultsByKind: byKind,
    fencing: { fencedLogLines: fenced, epochBumps },
    transactions: { committed: commits, aborted: aborts },
    throughput: { recordsPerSec: committed.length / (durationMs / 1000) },
    recovery: recoveryFigures(faults),
    passed: violationCount(violations) === 0 && allSurvived && faults.length > 0,
  };
  return { report, violations };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  if (SECURE)
    security = chaosSecurity(
      path.join(RUN_DIR, 'secure'),
      Array.from({ length: WORKERS }, (_, i) => `w${i + 1}`),
    );
  for (const app of ['controller', 'worker']) {
    if (!fs.existsSync(path.join(REPO_ROOT, `dist/apps/${app}/main.js`)))
      throw new Error(`dist/apps/${app}/main.js is missing: run \`npm run build\` first`);
  }
  // The harness kills and restarts its broker and Redis: never someone else's.
  if (await kafkaAnswers(PLAIN, 1_000))
    throw new Error(`something already answers on ${PLAIN[0]}; stop it or pass --kafka-port`);
  if (await redisAnswers('127.0.0.1', REDIS_PORT))
    throw new Error(`something already answers on Redis port ${REDIS_PORT}; stop it or pass --redis-port`);
  fs.rmSync(kafkaOptions.dataDir as string, { recursive: true, force: true });

  const plan = planFaults({
    seed: SEED,
    budgetMs: MINUTES * 60_000,
    gapMs: QUICK ? [5_000, 5_500] : [5_000, 15_000],
    leaseMs: LEASE_MS,
    transactionTimeoutMs: TX_TIMEOUT_MS,
  });
  log(
    `seed ${SEED}, ${QUICK ? 'quick' : `${MINUTES} min`}${SECURE ? ', TLS and bearer tokens on' : ''}: ${plan.length} faults planned; logs in ${RUN_DIR}`,
  );

  const faults: FaultRecord[] = [];
  const recoveries: Promise<void>[] = [];
  let producer: Producer | undefined;
  let workload: Promise<void> | undefined;
  let exitCode = 1;
  try {
    const k = await startKafka(kafkaOptions);
    log(
      `Kafka on ${PLAIN[0]} (pid ${k.pid}), proxied listeners ${kafkaOptions.extraListeners?.map((l) => l.port).join(',')}`,
    );
    await startRedis(redisOptions);
    for (let c = 0; c <= WORKERS; c++) {
      const p = new FaultProxy(
        {
          name: `${c === 0 ? 'controller' : `w${c}`}->broker`,
          listenPort: port.brokerProxy(c),
          upstreamPort: port.brokerListener(c),
        },
        rng(SEED + c),
      );
      await p.start();
      brokerProxies.push(p);
    }
    for (let i = 1; i <= WORKERS; i++) {
      const p = new FaultProxy(
        { name: `w${i}->controller`, listenPort: port.controllerProxy(i), upstreamPort: port.grpc },
        rng(SEED + 100 + i),
      );
      await p.start();
      controllerProxies.set(i, p);
    }
    kafka = new Kafka({
      clientId: 'chaos',
      brokers: PLAIN,
      logLevel: logLevel.NOTHING,
      retry: { retries: 3 },
    });
    const setup = kafka.admin();
    await setup.connect();
    await createTopic(setup, IN, PARTITIONS);
    await setup.disconnect();

    await startController();
    for (let i = 1; i <= WORKERS; i++) startWorker(i);
    await Promise.all([...workers.values()].map((w) => w.waitFor(/started: controller/)));
    const created = await api('POST', '/api/pipelines', { spec: SPEC });
    if (created.status !== 200)
      throw new Error(`CreatePipeline: ${created.status} ${JSON.stringify(created.json)}`);

    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
    await producer.connect();
    workload = runWorkload(producer);
    // Running: every partition has a first commit.
    const warm = Date.now();
    while (!(await poll()) || Object.keys(lastEnd).some((p) => (lastCommitted[Number(p)] ?? -1) <= 0)) {
      if (Date.now() - warm > 90_000)
        throw new Error('the pipeline made no commit on every partition in 90 s');
      await sleep(250);
    }
    log(`pipeline running (${since()} ms); injecting faults`);

    for (const [i, f] of plan.entries()) {
      await sleep(f.gapMs);
      log(`fault ${i + 1}/${plan.length}: ${f.kind} (hold ${f.holdMs} ms)`);
      const rec = await inject(f, i + 1);
      log(`  healed: ${rec.target} ${rec.detail}`);
      faults.push(rec);
      recoveries.push(trackRecovery(rec));
    }
    producing = false;
    await workload;
    await Promise.all(recoveries);
    log('workload stopped; waiting for the pipeline to reach the input end');
    const end = Date.now();
    while (!(
      (await poll()) &&
      Object.keys(lastEnd).every((p) => (lastCommitted[Number(p)] ?? -1) >= (lastEnd[Number(p)] ?? 0))
    )) {
      if (Date.now() - end > RECOVERY_TIMEOUT_MS) {
        log('the pipeline did not reach the input end in time');
        break;
      }
      await sleep(250);
    }
    const durationMs = since();
    const { report } = await verify(durationMs, faults);
    fs.writeFileSync(path.join(RUN_DIR, 'report.json'), JSON.stringify(report, null, 2));
    console.log(`\n${formatReport(report)}\n\nreport: ${path.join(RUN_DIR, 'report.json')}`);
    exitCode = report.passed ? 0 : 1;
  } finally {
    producing = false;
    await workload?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    for (const w of workers.values()) await w.kill();
    await controller?.kill();
    for (const p of [...brokerProxies, ...controllerProxies.values()]) await p.stop();
    await stopRedis(redisOptions);
    await stopKafka(kafkaOptions);
    security?.remove();
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[chaos] failed:', err);
    process.exit(1);
  },
);
