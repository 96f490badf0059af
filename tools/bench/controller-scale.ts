/**
 * Benchmark (not a test): the controller at fleet scale. A real controller process
 * (dist/apps/controller/main.js, so its CPU and RSS are read from /proc/<pid>) and, in this
 * process, simulated workers holding real WorkerService sessions through the worker's own
 * `SessionClient`: Hello, heartbeats at the controller's interval, `started` for every assign,
 * batched commit reports, `released` for every revoke. They run no Kafka loop.
 *
 * Phases: connect the workers -> create the pipelines and wait until every task is assigned,
 * started and PROCESSING in the controller's view -> steady state (heartbeats and commit reports)
 * -> 10% of the workers vanish at once (session ended, no release) -> every orphaned task runs on
 * a survivor -> heartbeat storm (the workers heartbeat as fast as they can send).
 *
 *   npm run build && npx tsx tools/bench/controller-scale.ts [--quick] [--workers N] [--tasks N]
 *     [--pipelines N] [--capacity N] [--steady-ms N] [--commit-every-ms N] [--cpu-prof]
 *
 * Kafka and Redis: KAFKA_BROKERS and REDIS_URL (loopback ones are started when nothing answers and
 * stopped afterwards); CONTROLLER_GRPC_PORT / CONTROLLER_HTTP_PORT pick the controller's ports
 * (free ports otherwise). Writes tools/bench/results/controller-scale.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { startKafka, startRedis, stopKafka, stopRedis } from '@eos/infra';
import type { ControllerMessage, TaskCommit } from '@eos/proto';
import { TestStack, createTopic, testBrokers, testRedisUrl, uniqueName, until } from '@eos/testing';
// The worker's own session client, so the simulated workers speak the real protocol.
import { SessionClient } from '@eos/worker-runtime';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (n: string, d: number) => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const WORKERS = opt('--workers', quick ? 200 : 1000);
const TASKS = opt('--tasks', quick ? 2000 : 10_000);
const PIPELINES = opt('--pipelines', quick ? 2 : 10);
/** Room for the survivors to take the dead workers' tasks. */
const CAPACITY = opt('--capacity', Math.ceil((TASKS / WORKERS) * 1.6));
const STEADY_MS = opt('--steady-ms', quick ? 5_000 : 10_000);
const COMMIT_EVERY_MS = opt('--commit-every-ms', 1_000);
const STORM_MS = opt('--storm-ms', quick ? 3_000 : 5_000);
/** The restart phase gives up (and says so) after this long. */
const RESTART_TIMEOUT_MS = opt('--restart-timeout-ms', 120_000);
const KILL_FRACTION = 0.1;
const LEASE_MS = 3_000;
const CPU_PROF = args.includes('--cpu-prof');
const strOpt = (n: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : undefined;
};
/** Another controller build to measure (e.g. a baseline commit's dist/apps/controller/main.js). */
const CONTROLLER_JS = strOpt('--controller');
const RESULTS = path.join(__dirname, 'results');
const TICKS = 100; // USER_HZ on Linux

// ---- /proc readings of the controller process ----

interface ProcSample {
  at: number;
  cpuSec: number;
  rssMiB: number;
  hwmMiB: number;
}

function sampleProc(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSec = (Number(f[11]) + Number(f[12])) / TICKS; // utime + stime (fields 14 and 15)
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { at: Date.now(), cpuSec, rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

interface PhaseResult {
  phase: string;
  seconds: number;
  controllerCpuSec: number;
  /** Controller CPU over the phase / wall time (1.0 = one core busy). */
  controllerCores: number;
  rssMiBEnd: number;
  rssMiBPeak: number;
  [k: string]: number | string;
}

async function phase(
  name: string,
  pid: number,
  fn: () => Promise<Record<string, number>>,
): Promise<PhaseResult> {
  // The simulated workers share this process: a stalled event loop here delays their heartbeats.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const a = sampleProc(pid);
  const extra = await fn();
  const b = sampleProc(pid);
  lag.disable();
  const seconds = (b.at - a.at) / 1000;
  const r: PhaseResult = {
    phase: name,
    seconds: round(seconds, 2),
    controllerCpuSec: round(b.cpuSec - a.cpuSec, 2),
    controllerCores: round((b.cpuSec - a.cpuSec) / Math.max(seconds, 0.001), 2),
    rssMiBEnd: round(b.rssMiB, 0),
    rssMiBPeak: round(b.hwmMiB, 0),
    benchLoopLagMaxMs: round(lag.max / 1e6, 0),
    ...extra,
  };
  console.log(JSON.stringify(r));
  return r;
}

const round = (x: number, d: number) => Number(x.toFixed(d));

// ---- simulated workers ----

interface SimTask {
  epoch: number;
  nextCommitAt: number;
  commits: number;
}

/** A worker that answers the controller like a real one but runs no Kafka loop. */
class SimWorker {
  readonly tasks = new Map<string, SimTask>();
  readonly session: SessionClient;
  welcomed = false;
  /** Sessions opened (Welcome received), reconnects included. */
  welcomes = 0;
  dead = false;
  assigns = 0;
  revokes = 0;
  private flush: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    addr: string,
    private readonly fleet: SimFleet,
  ) {
    this.session = new SessionClient({
      address: addr,
      log: () => undefined,
      hello: () => ({
        workerId: id,
        host: os.hostname(),
        capacity: CAPACITY,
        transforms: [{ name: 'identity', version: 1 }],
        running: [...this.tasks].map(([key, t]) => ({ task: ref(key), epoch: t.epoch, specVersion: 1 })),
        pid: process.pid,
      }),
      onState: (up) => {
        if (up) this.welcomes++;
        if (up && !this.welcomed) {
          this.welcomed = true;
          fleet.onWelcome();
        }
      },
      onMessage: (m) => this.onMessage(m),
    });
  }

  start(): void {
    this.session.start();
    // Like the real worker: commit reports batched every 200 ms.
    this.flush = setInterval(() => this.flushCommits(), 200);
  }

  /** The process vanished: no release, no more heartbeats; the stream ends. */
  kill(): void {
    this.dead = true;
    if (this.flush) clearInterval(this.flush);
    this.session.close();
  }

  private onMessage(m: ControllerMessage): void {
    const b = m.body;
    if (!b || this.dead) return;
    if (b.$case === 'assign') {
      const a = b.value;
      const key = `${a.task?.pipeline}/${a.task?.taskIndex}`;
      this.assigns++;
      this.tasks.set(key, { epoch: a.epoch, nextCommitAt: Date.now() + jitter(), commits: 0 });
      this.session.send({ body: { $case: 'started', value: { task: a.task, epoch: a.epoch, offsets: [] } } });
      this.fleet.onAssign(key, this.id);
    } else if (b.$case === 'revoke') {
      const r = b.value;
      const key = `${r.task?.pipeline}/${r.task?.taskIndex}`;
      this.revokes++;
      this.tasks.delete(key);
      this.session.send({
        body: { $case: 'released', value: { task: r.task, epoch: r.epoch, offsets: [] } },
      });
    }
  }

  private flushCommits(): void {
    if (COMMIT_EVERY_MS <= 0 || !this.session.connected) return;
    const now = Date.now();
    const commits: TaskCommit[] = [];
    for (const [key, t] of this.tasks) {
      if (now < t.nextCommitAt) continue;
      t.nextCommitAt = now + COMMIT_EVERY_MS;
      t.commits++;
      commits.push({
        task: ref(key),
        epoch: t.epoch,
        offsets: [],
        records: 100,
        bytes: 100 * 1024,
        deadLettered: 0,
        durationMs: 20,
        committedAtMs: now,
      });
    }
    if (commits.length) {
      this.fleet.commitsSent += commits.length;
      this.session.send({ body: { $case: 'commits', value: { commits } } });
    }
  }
}

const jitter = () => Math.floor(Math.random() * Math.max(1, COMMIT_EVERY_MS));

function ref(key: string): { pipeline: string; taskIndex: number } {
  const i = key.lastIndexOf('/');
  return { pipeline: key.slice(0, i), taskIndex: Number(key.slice(i + 1)) };
}

class SimFleet {
  readonly workers: SimWorker[] = [];
  /** task key -> worker id of its latest assign. */
  readonly placed = new Map<string, string>();
  welcomed = 0;
  commitsSent = 0;

  onWelcome(): void {
    this.welcomed++;
  }

  onAssign(key: string, worker: string): void {
    this.placed.set(key, worker);
  }

  /** Tasks whose latest assign went to a live worker that still runs them. */
  running(): number {
    let n = 0;
    for (const w of this.workers) if (!w.dead) n += w.tasks.size;
    return n;
  }
}

// ---- the controller's view ----

async function scrape(httpPort: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

const metric = (m: Map<string, number>, k: string) => m.get(k) ?? 0;

async function main(): Promise<void> {
  const dist = path.resolve(__dirname, '../../dist/apps/controller/main.js');
  if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first`);
  const brokers = testBrokers();
  const loop = brokers.length === 1 ? /^(127\.0\.0\.1|localhost):(\d+)$/.exec(brokers[0] as string) : null;
  const k = loop ? await startKafka({ port: Number(loop[2]) }) : undefined;
  const r = await startRedis({ url: testRedisUrl() });
  const kafka = new Kafka({ clientId: 'bench-scale', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = uniqueName('scale');
  const perPipeline = Math.ceil(TASKS / PIPELINES);
  // Every pipeline reads the same input topic (its own offsets group) and writes the same output
  // topic: 10,000 tasks need 10,000 task-partition pairs, not 20,000 partitions on one broker.
  const input = `${run}.in`;
  const output = `${run}.out`;
  const profDir = path.join(RESULTS, 'profiles');
  if (CPU_PROF) fs.mkdirSync(profDir, { recursive: true });
  const stack = new TestStack({
    leaseMs: LEASE_MS,
    env: {
      KAFKA_BROKERS: brokers.join(','),
      REDIS_URL: r.url,
    },
    controllerNodeArgs: CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    controllerScript: CONTROLLER_JS,
  });
  if (process.env['CONTROLLER_GRPC_PORT']) stack.grpcPort = Number(process.env['CONTROLLER_GRPC_PORT']);
  if (process.env['CONTROLLER_HTTP_PORT']) stack.httpPort = Number(process.env['CONTROLLER_HTTP_PORT']);
  const fleet = new SimFleet();
  const results: PhaseResult[] = [];
  const totalTasks = perPipeline * PIPELINES;
  console.log(
    `controller scale: ${WORKERS} workers (capacity ${CAPACITY}), ${PIPELINES} pipelines x ${perPipeline} tasks = ${totalTasks} tasks, lease ${LEASE_MS} ms`,
  );
  try {
    const t0 = Date.now();
    // Both topics up front: creating partitions is the broker's work, not the controller's (the
    // controller's ensureTopic then finds the output topic).
    await createTopic(admin, input, perPipeline);
    await createTopic(admin, output, perPipeline);
    await createTopic(admin, `${run}.dlq`, 1);
    console.log(`topics ${input}, ${output}: ${perPipeline} partitions each in ${Date.now() - t0} ms`);
    const t1 = Date.now();
    const ctl = await stack.startController();
    const pid = ctl.pid;
    console.log(`controller pid ${pid} ready in ${Date.now() - t1} ms`);
    const http = stack.httpPort;

    results.push(
      await phase('connect', pid, async () => {
        for (let i = 0; i < WORKERS; i++) {
          const w = new SimWorker(`sim-${String(i).padStart(4, '0')}`, stack.addr, fleet);
          fleet.workers.push(w);
          w.start();
        }
        await until('every worker welcomed', () => fleet.welcomed >= WORKERS, 300_000, 20);
        await until(
          'controller sees every worker ACTIVE',
          async () => metric(await scrape(http), 'eos_controller_workers{state="ACTIVE"}') >= WORKERS,
          60_000,
          100,
        );
        return { workers: WORKERS };
      }),
    );

    const createMs: number[] = [];
    results.push(
      await phase('place', pid, async () => {
        const t = Date.now();
        for (let p = 0; p < PIPELINES; p++) {
          const c0 = Date.now();
          await stack.call('createPipeline', {
            spec: {
              name: `${run}-p${p}`,
              inputTopic: input,
              outputTopic: output,
              tasks: perPipeline,
              transform: { name: 'identity', version: 1, config: {} },
              deadLetterTopic: `${run}.dlq`,
            },
          });
          createMs.push(Date.now() - c0);
        }
        const created = Date.now() - t;
        await until('every task started on a worker', () => fleet.running() >= totalTasks, 600_000, 20);
        const assigned = Date.now() - t;
        await until(
          'controller sees every task PROCESSING',
          async () => metric(await scrape(http), 'eos_controller_tasks{state="PROCESSING"}') >= totalTasks,
          600_000,
          100,
        );
        return {
          tasks: totalTasks,
          createAllMs: created,
          createMaxMs: Math.max(...createMs),
          allAssignedMs: assigned,
          allProcessingMs: Date.now() - t,
        };
      }),
    );

    results.push(
      await phase('steady', pid, async () => {
        const m0 = await scrape(http);
        const c0 = fleet.commitsSent;
        const t = Date.now();
        await new Promise((res) => setTimeout(res, STEADY_MS));
        const m1 = await scrape(http);
        const s = (Date.now() - t) / 1000;
        const hb =
          metric(m1, 'eos_controller_heartbeats_total') - metric(m0, 'eos_controller_heartbeats_total');
        return {
          heartbeatsPerSec: Math.round(hb / s),
          commitsReportedPerSec: Math.round((fleet.commitsSent - c0) / s),
        };
      }),
    );
    // CPU per accepted heartbeat or commit report, at steady state.
    const steady = results[results.length - 1] as PhaseResult;

    const victims = fleet.workers.filter((_, i) => i % Math.round(1 / KILL_FRACTION) === 0);
    const orphaned = new Set<string>();
    for (const v of victims) for (const key of v.tasks.keys()) orphaned.add(key);
    results.push(
      await phase('reassign', pid, async () => {
        const t = Date.now();
        const before = new Map<string, string>();
        for (const key of orphaned) before.set(key, fleet.placed.get(key) as string);
        for (const v of victims) v.kill();
        await until(
          'every orphaned task runs on a survivor',
          () => [...orphaned].every((key) => fleet.placed.get(key) !== before.get(key)),
          120_000,
          10,
        );
        const assigned = Date.now() - t;
        await until(
          'controller sees every task PROCESSING again',
          async () => metric(await scrape(http), 'eos_controller_tasks{state="PROCESSING"}') >= totalTasks,
          120_000,
          100,
        );
        return {
          killedWorkers: victims.length,
          orphanedTasks: orphaned.size,
          allReassignedMs: assigned,
          beyondLeaseMs: assigned - LEASE_MS,
          allProcessingMs: Date.now() - t,
          survivorsRunning: fleet.running(),
        };
      }),
    );

    // Controller SIGKILL and restart: every live worker reconnects with Hello naming the tasks it
    // runs; the new process reads its state topic and reconciles each Hello.
    let pid2 = pid;
    {
      const welcomesBefore = new Map(fleet.workers.map((w) => [w.id, w.welcomes]));
      const t = Date.now();
      await stack.killController();
      await stack.startController();
      pid2 = (stack.controller as { pid: number }).pid;
      const started = Date.now() - t;
      const live = fleet.workers.filter((w) => !w.dead).length;
      const assignsBefore = fleet.workers.reduce((a, w) => a + w.assigns, 0);
      results.push(
        await phase('restart', pid2, async () => {
          const liveWorkers = fleet.workers.filter((w) => !w.dead);
          const deadline = t + RESTART_TIMEOUT_MS;
          const left = () => Math.max(1, deadline - Date.now());
          let reconciled = -1;
          let back = -1;
          try {
            await until(
              'every live worker reconnected',
              () => liveWorkers.every((w) => w.welcomes > welcomesBefore.get(w.id)!),
              left(),
              20,
            );
            // Hellos are handled one at a time with Welcome sent first; a serial admin call answered
            // now comes after the last Hello's reconcile.
            await stack
              .call('undrainWorker', { workerId: (liveWorkers[0] as SimWorker).id })
              .catch(() => undefined);
            reconciled = Date.now() - t;
            await until(
              'controller sees every task PROCESSING',
              async () =>
                metric(await scrape(http), 'eos_controller_tasks{state="PROCESSING"}') >= totalTasks,
              left(),
              100,
            );
            back = Date.now() - t;
          } catch (err) {
            console.log(`restart: ${(err as Error).message}`);
          }
          return {
            liveWorkers: live,
            startMs: started,
            // -1: not within --restart-timeout-ms
            allHellosReconciledMs: reconciled,
            allBackMs: back,
            tasksReassigned: fleet.workers.reduce((a, w) => a + w.assigns, 0) - assignsBefore,
          };
        }),
      );
    }

    results.push(
      await phase('heartbeat-storm', pid2, async () => {
        const live = fleet.workers.filter((w) => !w.dead);
        const m0 = await scrape(http);
        const t = Date.now();
        let sent = 0;
        // Each round every live worker sends one heartbeat; the next round waits for the event loop.
        while (Date.now() - t < STORM_MS) {
          for (const w of live)
            if (w.session.send({ body: { $case: 'heartbeat', value: { sentAtMs: Date.now() } } })) sent++;
          await new Promise((res) => setImmediate(res));
        }
        // Whatever is queued is processed within a heartbeat interval or so.
        await new Promise((res) => setTimeout(res, 1_000));
        const m1 = await scrape(http);
        const s = (Date.now() - t) / 1000;
        const hb =
          metric(m1, 'eos_controller_heartbeats_total') - metric(m0, 'eos_controller_heartbeats_total');
        return { heartbeatsSent: sent, heartbeatsAccepted: hb, heartbeatsPerSec: Math.round(hb / s) };
      }),
    );
    const storm = results[results.length - 1] as PhaseResult;

    const place = results.find((x) => x.phase === 'place') as PhaseResult;
    const reassign = results.find((x) => x.phase === 'reassign') as PhaseResult;
    const summary = {
      workers: WORKERS,
      tasks: totalTasks,
      pipelines: PIPELINES,
      placeAllMs: place['allProcessingMs'],
      reassignAfter10PctDeadMs: reassign['allReassignedMs'],
      reassignBeyondLeaseMs: reassign['beyondLeaseMs'],
      controllerRssMiBPeak: Math.max(...results.map((x) => x.rssMiBPeak)),
      steadyHeartbeatsPerSec: steady['heartbeatsPerSec'],
      steadyControllerCores: steady.controllerCores,
      stormHeartbeatsPerSec: storm['heartbeatsPerSec'],
      stormControllerCores: storm.controllerCores,
    };
    console.log('\n| phase | wall s | controller CPU s | cores | RSS MiB (peak) | figures |');
    console.log('|---|---|---|---|---|---|');
    for (const x of results) {
      const rest = Object.entries(x)
        .filter(
          ([k2]) =>
            !['phase', 'seconds', 'controllerCpuSec', 'controllerCores', 'rssMiBEnd', 'rssMiBPeak'].includes(
              k2,
            ),
        )
        .map(([k2, v]) => `${k2} ${v}`)
        .join(', ');
      console.log(
        `| ${x.phase} | ${x.seconds} | ${x.controllerCpuSec} | ${x.controllerCores} | ${x.rssMiBEnd} (${x.rssMiBPeak}) | ${rest} |`,
      );
    }
    console.log(`\n${JSON.stringify(summary)}`);
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(
      path.join(RESULTS, 'controller-scale.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          config: {
            workers: WORKERS,
            tasks: totalTasks,
            pipelines: PIPELINES,
            inputPartitions: perPipeline,
            capacity: CAPACITY,
            leaseMs: LEASE_MS,
            commitEveryMs: COMMIT_EVERY_MS,
            quick,
          },
          summary,
          phases: results,
        },
        null,
        2,
      ),
    );
  } finally {
    for (const w of fleet.workers) if (!w.dead) w.kill();
    // SIGTERM first so a --cpu-prof profile is written; TestStack.stop then makes sure it is gone.
    const c = stack.controller;
    if (c?.running) {
      c.kill('SIGTERM');
      await Promise.race([c.exit(), new Promise((res) => setTimeout(res, 10_000))]);
    }
    await stack.stop();
    await admin
      .deleteTopics({ topics: [input, output, `${run}.dlq`, stack.stateTopic] })
      .catch(() => undefined);
    await admin.disconnect();
    if (r.startedNow) await stopRedis({ url: r.url });
    if (k?.startedNow) await stopKafka({ port: Number(loop?.[2]) });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
