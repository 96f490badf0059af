import type { TestStack } from '@eos/testing';
import { until } from '@eos/testing';
import { metric, phase, scrape, scrapeOne, type PhaseResult } from './measure';
import type { ScaleOptions } from './options';
import type { SimFleet, SimWorker } from './sim-fleet';

/** What every phase works with. */
export interface ScaleRun {
  o: ScaleOptions;
  stack: TestStack;
  fleet: SimFleet;
  /** The run's unique prefix (pipeline names, topics). */
  run: string;
  input: string;
  output: string;
  perPipeline: number;
  totalTasks: number;
}

const ACTIVE = 'eos_controller_workers{state="ACTIVE"}';
const PROCESSING = 'eos_controller_tasks{state="PROCESSING"}';
const HEARTBEATS = 'eos_controller_heartbeats_total';

/** Connect the workers; wait until the controller sees every one ACTIVE. */
export function connect(s: ScaleRun, pid: number): Promise<PhaseResult> {
  const { o, fleet, stack } = s;
  return phase('connect', pid, async () => {
    fleet.spawn(o.workers, stack.addr);
    await until('every worker welcomed', () => fleet.welcomed >= o.workers, 300_000, 20);
    await until(
      'controller sees every worker ACTIVE',
      async () => (await scrapeOne(stack.httpPort, ACTIVE)) >= o.workers,
      60_000,
      100,
    );
    return { workers: o.workers };
  });
}

/** Create the pipelines; wait until every task is assigned, started and PROCESSING. */
export function place(s: ScaleRun, pid: number): Promise<PhaseResult> {
  const { o, fleet, stack } = s;
  return phase('place', pid, async () => {
    const createMs: number[] = [];
    const t = Date.now();
    for (let p = 0; p < o.pipelines; p++) {
      const c0 = Date.now();
      await stack.call('createPipeline', {
        spec: {
          name: `${s.run}-p${p}`,
          inputTopic: s.input,
          outputTopic: s.output,
          tasks: s.perPipeline,
          transform: { name: 'identity', version: 1, config: {} },
          deadLetterTopic: `${s.run}.dlq`,
        },
      });
      createMs.push(Date.now() - c0);
    }
    const created = Date.now() - t;
    await until('every task started on a worker', () => fleet.running() >= s.totalTasks, 600_000, 20);
    const assigned = Date.now() - t;
    await until(
      'controller sees every task PROCESSING',
      async () => (await scrapeOne(stack.httpPort, PROCESSING)) >= s.totalTasks,
      600_000,
      100,
    );
    return {
      tasks: s.totalTasks,
      createAllMs: created,
      createMaxMs: Math.max(...createMs),
      allAssignedMs: assigned,
      allProcessingMs: Date.now() - t,
    };
  });
}

/** Steady state: heartbeats and commit reports accepted per second. */
export function steady(s: ScaleRun, pid: number): Promise<PhaseResult> {
  const { o, fleet, stack } = s;
  return phase('steady', pid, async () => {
    const m0 = await scrape(stack.httpPort);
    const c0 = fleet.commitsSent;
    const t = Date.now();
    await new Promise((res) => setTimeout(res, o.steadyMs));
    const m1 = await scrape(stack.httpPort);
    const sec = (Date.now() - t) / 1000;
    const hb = metric(m1, HEARTBEATS) - metric(m0, HEARTBEATS);
    return {
      heartbeatsPerSec: Math.round(hb / sec),
      commitsReportedPerSec: Math.round((fleet.commitsSent - c0) / sec),
    };
  });
}

/** A share of the workers vanish at once (no release); every orphaned task runs on a survivor. */
export function reassign(s: ScaleRun, pid: number): Promise<PhaseResult> {
  const { o, fleet, stack } = s;
  const victims = fleet.workers.filter((_, i) => i % Math.round(1 / o.killFraction) === 0);
  const orphaned = new Set<string>();
  for (const v of victims) for (const key of v.tasks.keys()) orphaned.add(key);
  return phase('reassign', pid, async () => {
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
      async () => (await scrapeOne(stack.httpPort, PROCESSING)) >= s.totalTasks,
      120_000,
      100,
    );
    return {
      killedWorkers: victims.length,
      orphanedTasks: orphaned.size,
      allReassignedMs: assigned,
      beyondLeaseMs: assigned - o.leaseMs,
      allProcessingMs: Date.now() - t,
      survivorsRunning: fleet.running(),
    };
  });
}

/**
 * Controller SIGKILL and restart: every live worker reconnects with Hello naming the tasks it
 * runs; the new process reads its state topic and reconciles each Hello. Returns the new pid.
 */
export async function restart(s: ScaleRun): Promise<{ result: PhaseResult; pid: number }> {
  const { o, fleet, stack } = s;
  const welcomesBefore = new Map(fleet.workers.map((w) => [w.id, w.welcomes]));
  const t = Date.now();
  await stack.killController();
  await stack.startController();
  const pid = (stack.controller as { pid: number }).pid;
  const started = Date.now() - t;
  const liveWorkers = fleet.live();
  const assignsBefore = fleet.assigns();
  const result = await phase('restart', pid, async () => {
    const deadline = t + o.restartTimeoutMs;
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
        async () => (await scrapeOne(stack.httpPort, PROCESSING)) >= s.totalTasks,
        left(),
        100,
      );
      back = Date.now() - t;
    } catch (err) {
      console.log(`restart: ${(err as Error).message}`);
    }
    return {
      liveWorkers: liveWorkers.length,
      startMs: started,
      // -1: not within --restart-timeout-ms
      allHellosReconciledMs: reconciled,
      allBackMs: back,
      tasksReassigned: fleet.assigns() - assignsBefore,
    };
  });
  return { result, pid };
}

/** Heartbeat storm: every live worker heartbeats as fast as this process can send. */
export function heartbeatStorm(s: ScaleRun, pid: number): Promise<PhaseResult> {
  const { o, fleet, stack } = s;
  return phase('heartbeat-storm', pid, async () => {
    const live = fleet.live();
    const m0 = await scrape(stack.httpPort);
    const t = Date.now();
    let sent = 0;
    // Each round every live worker sends one heartbeat; the next round waits for the event loop.
    while (Date.now() - t < o.stormMs) {
      for (const w of live)
        if (w.session.send({ body: { $case: 'heartbeat', value: { sentAtMs: Date.now() } } })) sent++;
      await new Promise((res) => setImmediate(res));
    }
    // Whatever is queued is processed within a heartbeat interval or so.
    await new Promise((res) => setTimeout(res, 1_000));
    const m1 = await scrape(stack.httpPort);
    const sec = (Date.now() - t) / 1000;
    const hb = metric(m1, HEARTBEATS) - metric(m0, HEARTBEATS);
    return { heartbeatsSent: sent, heartbeatsAccepted: hb, heartbeatsPerSec: Math.round(hb / sec) };
  });
}
