/**
 * The faults: one handler per kind, each injecting its fault, holding it `holdMs` and healing it,
 * writing its target and what happened into the fault's record.
 */
import { killKafka, killRedis, startKafka, startRedis } from '@eos/infra';
import { LEASE_MS, PIPELINE, SPEC, TX_TIMEOUT_MS, type ChaosOptions } from './options';
import type { FaultProxy } from './proxy';
import type { FaultRecord } from './report';
import type { FaultKind, PlannedFault } from './schedule';
import type { AppProc, ChaosStack } from './stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker woken up from SIGSTOP: how many of its tasks then learned they were fenced (told in the report). */
export interface Zombie {
  rec: FaultRecord;
  proc: AppProc;
  fencedBefore: number;
}

export interface FaultContext {
  o: ChaosOptions;
  stack: ChaosStack;
  zombies: Zombie[];
  /** Milliseconds since the start of the run. */
  since(): number;
}

type Handler = (ctx: FaultContext, f: PlannedFault, rec: FaultRecord) => Promise<void>;

/** The worker slot a fault targets. */
function workerOf(ctx: FaultContext, f: PlannedFault): { slot: number; w: AppProc } {
  const slots = [...ctx.stack.workers.keys()];
  const slot = slots[f.target % slots.length] as number;
  return { slot, w: ctx.stack.workers.get(slot) as AppProc };
}

/** The network link (proxy) a fault targets. */
function linkOf(ctx: FaultContext, f: PlannedFault): FaultProxy {
  const links = ctx.stack.links();
  return links[f.target % links.length] as FaultProxy;
}

/** A network fault held for `holdMs`, then healed. */
const netFault =
  (apply: (link: FaultProxy, f: PlannedFault, rec: FaultRecord) => void): Handler =>
  async (ctx, f, rec) => {
    const link = linkOf(ctx, f);
    rec.target = link.name;
    apply(link, f, rec);
    await sleep(f.holdMs);
    link.heal();
  };

const HANDLERS: Record<FaultKind, Handler> = {
  async 'worker-kill'(ctx, f, rec) {
    const { slot, w } = workerOf(ctx, f);
    rec.target = `w${slot}`;
    w.proc.signal('SIGKILL');
    await w.proc.exited;
    await sleep(f.holdMs);
    await ctx.stack.restartWorker(slot);
  },

  async 'worker-term'(ctx, f, rec) {
    const { slot, w } = workerOf(ctx, f);
    rec.target = `w${slot}`;
    w.proc.signal('SIGTERM');
    // It drains through the controller and exits 0; past a minute it is stuck.
    const exited = await w.proc.exitWithin(60_000);
    rec.detail = exited ? `exit ${w.proc.child.exitCode}` : 'did not exit in 60 s (killed)';
    if (!exited || w.proc.child.exitCode !== 0) rec.detail += ' UNCLEAN';
    await sleep(f.holdMs);
    await ctx.stack.restartWorker(slot);
  },

  async 'worker-zombie'(ctx, f, rec) {
    const { slot, w } = workerOf(ctx, f);
    rec.target = `w${slot}`;
    w.proc.signal('SIGSTOP');
    await sleep(f.holdMs);
    w.proc.signal('SIGCONT');
    rec.detail = `stopped ${f.holdMs} ms (lease ${LEASE_MS}, transaction timeout ${TX_TIMEOUT_MS})`;
    ctx.zombies.push({ rec, proc: w, fencedBefore: w.fencedLines });
  },

  async 'controller-kill'(ctx, f, rec) {
    rec.target = 'controller';
    await ctx.stack.controller?.proc.kill();
    await sleep(f.holdMs);
    await ctx.stack.startController();
  },

  async 'broker-kill'(ctx, f, rec) {
    rec.target = 'broker';
    killKafka(ctx.o.kafka);
    await sleep(f.holdMs);
    await startKafka(ctx.o.kafka);
  },

  async 'redis-kill'(ctx, f, rec) {
    rec.target = 'redis';
    killRedis(ctx.o.redis);
    await sleep(f.holdMs);
    await startRedis(ctx.o.redis);
  },

  'net-cut': netFault((link) => link.cut()),
  'net-blackhole': netFault((link) => link.blackhole()),
  'net-delay': netFault((link, f, rec) => {
    rec.detail = `${f.latencyMs} ± ${f.jitterMs} ms`;
    link.delay(f.latencyMs ?? 100, f.jitterMs ?? 50);
  }),

  async 'net-reset'(ctx, f, rec) {
    const link = linkOf(ctx, f);
    rec.target = link.name;
    link.resetAll();
  },

  async drain(ctx, f, rec) {
    const { slot, w } = workerOf(ctx, f);
    rec.target = `w${slot}`;
    const d = await ctx.stack.api('POST', `/api/workers/w${slot}/drain`, { deadlineMs: 20_000 });
    await sleep(f.holdMs);
    const u = await ctx.stack.api('POST', `/api/workers/w${slot}/undrain`, {});
    rec.detail = `drain ${d.status}, undrain ${u.status}`;
    // Drained before the undrain: the process has exited 0 (or is about to); start it again.
    if (!(await w.proc.exitWithin(1_000)) && w.proc.running) return;
    rec.detail += ` (drained, exit ${w.proc.child.exitCode}; restarted)`;
    await ctx.stack.restartWorker(slot);
  },

  async rollout(ctx, f, rec) {
    rec.target = PIPELINE;
    const r = await ctx.stack.api('PUT', `/api/pipelines/${PIPELINE}`, {
      spec: SPEC,
      strategy: { canaryTasks: 1, stepTasks: 2, gateCommits: 2, gateTimeoutMs: 30_000 },
    });
    const id = (r.json as { rolloutId?: string }).rolloutId;
    if (!id) {
      rec.detail = `UpdatePipeline ${r.status}: ${JSON.stringify(r.json)}`;
      return;
    }
    let state = '';
    const end = Date.now() + f.holdMs;
    while (Date.now() < end) {
      const g = await ctx.stack.api('GET', `/api/rollouts/${id}`);
      const body = (g.json ?? {}) as { rollout?: { state?: string }; state?: string };
      state = body.rollout?.state ?? body.state ?? '';
      if (['SUCCEEDED', 'FAILED', 'ABORTED'].includes(state)) break;
      await sleep(250);
    }
    rec.detail = `${id} ${state}`;
  },
};

/** Injects fault number `n`, holds and heals it; the record has its target, detail and times. */
export async function inject(ctx: FaultContext, f: PlannedFault, n: number): Promise<FaultRecord> {
  const rec: FaultRecord = {
    n,
    kind: f.kind,
    target: '',
    injectedAtMs: ctx.since(),
    healedAtMs: 0,
    detail: '',
    survived: false,
  };
  await HANDLERS[f.kind](ctx, f, rec);
  rec.healedAtMs = ctx.since();
  return rec;
}
