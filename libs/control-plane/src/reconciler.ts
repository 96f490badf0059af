import { transformKey } from '@eos/transforms';
import { placeTasks, type Placement, type PlacementTask, type PlacementWorker } from './assignment';
import type { FleetContext } from './fleet-context';
import { taskKey, type FleetState, type TaskRecord, type WorkerRecord } from './fleet-state';
import type { StateChange } from './ports';
import { withQuarantined } from './quarantine';
import type { TaskMessenger } from './task-messenger';

/** Where placement wants each task, and the inputs it decided on. */
export interface PlacementPlan {
  placement: Placement;
  placeable: PlacementTask[];
  workers: PlacementWorker[];
  /** Tasks whose owner is disconnected but within its lease: left alone for now. */
  waiting: Set<string>;
}

/**
 * Placement over connected, active workers; tasks of stopped pipelines go nowhere. Reads the
 * model only; `Reconciler.reconcile` acts on the difference.
 */
export function planPlacement(state: FleetState): PlacementPlan {
  const workers: PlacementWorker[] = [...state.workers.values()].map((w) => ({
    id: w.id,
    capacity: w.capacity,
    transforms: w.transforms,
    eligible: w.state === 'ACTIVE' && w.channel !== undefined,
  }));
  const placeable: PlacementTask[] = [];
  const waiting = new Set<string>();
  for (const [key, t] of state.tasks) {
    const p = state.pipelines.get(t.pipeline);
    if (!p || p.state === 'STOPPED' || t.notBefore !== undefined) continue;
    const owner = t.owner ? state.workers.get(t.owner) : undefined;
    // Owned by a worker that is disconnected but within its lease: leave it alone for now.
    if (owner && owner.state !== 'DEAD' && !owner.channel) {
      waiting.add(key);
      continue;
    }
    // A task being revoked keeps a slot so that a waiting task cannot take it meanwhile: its
    // owner's when it restarts there (a rollout step, new partitions), or one where it goes (a
    // move: counted on its owner, the balancer would move another task, and another). Tasks
    // that ran before (epoch > 0: moved, released, their worker dead) come first for free
    // slots, so a rollout step or a drain never loses its slot to a task that never ran.
    const ts = state.specOf(p, t.specVersion).transform;
    const revoking = t.state === 'REVOKING';
    placeable.push({
      key,
      transform: transformKey(ts.name, ts.version),
      owner: revoking && !t.restart ? undefined : t.owner,
      priority: revoking || t.epoch > 0,
    });
  }
  return { placement: placeTasks(placeable, workers), placeable, workers, waiting };
}

/**
 * The control loop. Every change ends in `reconcile`, which places every task, persists the
 * assignments (before telling any worker), and sends assign and revoke messages. A periodic tick
 * runs it when time alone made something due (a lease expired, a revoke or drain overdue, a
 * backoff over, a failed state write to retry).
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  /** A reconcile is queued and has not started: later requests share it. */
  private queued: { reasons: number } | undefined;
  /** A reconcile whose state write failed is tried again at this time. */
  private retryAt: number | undefined;
  /** Changes made in memory for the next reconcile to write first, in the same state write. */
  private carried: StateChange[] = [];

  constructor(
    private readonly ctx: FleetContext,
    private readonly messenger: TaskMessenger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.ctx.o.leaseMs / 6)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Ticks once after `ms` (while running): the periodic tick is too coarse for some deadlines. */
  tickAfter(ms: number): void {
    const timer = setTimeout(() => {
      if (this.timer) void this.tick();
    }, ms);
    timer.unref();
  }

  /** A reconcile failed to write its state and waits for a retry (tests look at this). */
  get retryPending(): boolean {
    return this.retryAt !== undefined;
  }

  /**
   * Queues one reconcile behind the operations already waiting; requests made before it starts
   * share it. Worker reports come in bursts (a restarted controller gets a Hello from every worker
   * at once; a drain releases task after task), and a reconcile covers every task and worker: one
   * per burst, not one per report (at 10,000 tasks, 1,000 Hellos each followed by its own
   * reconcile took longer than the lease, and workers whose Hello waited were declared dead).
   * `carry`: changes already made in memory that the reconcile writes with its own, in one state
   * write (a released task's unassignment and its next assignment: one write on the handoff's
   * critical path, not two one after the other).
   */
  request(reason: string, carry: StateChange[] = []): void {
    this.carried.push(...carry);
    if (this.queued) {
      this.queued.reasons++;
      return;
    }
    const queued = { reasons: 1 };
    this.queued = queued;
    this.ctx
      .serial(() => {
        this.queued = undefined;
        return this.reconcile(queued.reasons > 1 ? `${reason} and ${queued.reasons - 1} more` : reason);
      })
      .catch((err: unknown) => this.ctx.o.log(`reconcile failed: ${(err as Error).message}`));
  }

  /** Dead, or drained and gone, for longer than `forgetWorkerAfterMs`, holding nothing. */
  private forgettable(w: WorkerRecord, now: number): boolean {
    return (
      (w.state === 'DEAD' || w.state === 'DRAINED') &&
      !w.channel &&
      now - w.lastHeartbeatAt > this.ctx.o.forgetWorkerAfterMs &&
      this.ctx.state.tasksOwnedBy(w.id).length === 0
    );
  }

  async tick(): Promise<void> {
    const { state, o } = this.ctx;
    const now = o.now();
    if ([...state.workers.values()].some((w) => this.forgettable(w, now)))
      await this.ctx.serial(async () => {
        for (const w of [...state.workers.values()]) {
          if (!this.forgettable(w, o.now())) continue;
          state.workers.delete(w.id);
          o.log(`worker ${w.id} forgotten (${w.state} for over ${o.forgetWorkerAfterMs} ms)`);
          this.ctx.changed(`forgot ${w.id}`);
        }
      });
    const due =
      [...state.workers.values()].some(
        (w) =>
          (w.state !== 'DEAD' && w.state !== 'DRAINED' && this.leaseExpired(w, now)) ||
          this.drainOverdue(w, now),
      ) ||
      [...state.tasks.values()].some(
        (t) => this.revokeOverdue(t, now) || (t.notBefore !== undefined && t.notBefore <= now),
      ) ||
      (this.retryAt !== undefined && this.retryAt <= now);
    if (due)
      await this.ctx
        .serial(() => this.reconcile('tick'))
        .catch((err: unknown) => o.log(`reconcile failed: ${(err as Error).message}`));
  }

  /** Places every task and acts on the difference. Runs inside `serial`. */
  async reconcile(reason: string): Promise<void> {
    const { state, o } = this.ctx;
    const now = o.now();
    this.retryAt = undefined;
    // A task deleted since (its pipeline's deletion was written) keeps no record.
    const carried = this.carried.splice(0).filter((c) => c.kind !== 'assignment' || state.tasks.has(c.key));
    const changes: StateChange[] = [...carried];
    const toAssign: TaskRecord[] = [];

    // Dead workers: lease expired. Their tasks move at once (fencing stops a zombie).
    for (const w of state.workers.values()) {
      if (w.state === 'DEAD' || !this.leaseExpired(w, now)) continue;
      w.channel?.close();
      w.channel = undefined;
      if (w.state === 'DRAINED') continue; // drained and gone: nothing to move
      w.state = 'DEAD';
      const why =
        w.disconnectedAt !== undefined
          ? `session closed ${now - w.disconnectedAt} ms ago and not back`
          : `no heartbeat for ${now - w.lastHeartbeatAt} ms`;
      o.log(`worker ${w.id} dead (${why})`);
      for (const t of state.tasksOwnedBy(w.id))
        changes.push(...this.ownerDied(t, `worker ${w.id} dead (${why})`), state.unassign(t));
    }
    // Forced revokes.
    for (const t of state.tasks.values()) {
      if (this.revokeOverdue(t, now)) {
        o.log(
          `task ${taskKey(t.pipeline, t.index)}: revoke unanswered for ${o.revokeTimeoutMs} ms; moving it anyway`,
        );
        changes.push(state.unassign(t));
      }
      if (t.notBefore !== undefined && t.notBefore <= now) t.notBefore = undefined;
    }
    // Drains past their deadline: stop the remaining tasks the fast way (abort in flight).
    for (const w of state.workers.values()) {
      if (!this.drainOverdue(w, now)) continue;
      (w.drain as NonNullable<WorkerRecord['drain']>).escalated = true;
      o.log(`worker ${w.id}: drain deadline passed; stopping its remaining tasks the fast way`);
      for (const t of state.tasksOwnedBy(w.id)) this.messenger.revoke(t, false);
    }
    // Tasks that should exist.
    for (const p of state.pipelines.values()) {
      for (let i = 0; i < p.spec.tasks; i++) {
        const key = taskKey(p.spec.name, i);
        if (!state.tasks.has(key))
          state.tasks.set(key, state.newTask(p.spec.name, i, undefined, 0, 'UNASSIGNED'));
      }
    }

    const { placement, placeable, workers, waiting } = planPlacement(state);
    this.notePending(placeable, placement, workers);

    for (const [key, t] of state.tasks) {
      if (waiting.has(key) || t.state === 'REVOKING') continue;
      const p = state.pipelines.get(t.pipeline);
      const target = p && p.state !== 'STOPPED' ? placement.get(key) : undefined;
      if (t.owner === target) {
        // Same owner, new spec version: it commits, releases and gets the task again.
        if (t.owner && t.restart) this.messenger.revoke(t, true);
        continue;
      }
      if (t.owner) {
        // A live owner commits and releases first; the task is assigned when it reports released.
        const ow = state.workers.get(t.owner);
        if (ow?.state === 'DRAINING' && ow.drain) {
          const inFlight = state.tasksOwnedBy(ow.id).filter((x) => x.state === 'REVOKING').length;
          if (inFlight >= ow.drain.maxConcurrent) continue; // a few at a time
        }
        this.messenger.revoke(t, true);
        continue;
      }
      if (target && t.notBefore === undefined) {
        t.owner = target;
        t.epoch = ++state.epoch;
        t.state = 'STARTING';
        t.restart = false;
        t.gate = { commits: 0, deadLettered: 0 };
        changes.push({
          kind: 'assignment',
          key,
          value: { owner: target, epoch: t.epoch, specVersion: t.specVersion },
        });
        toAssign.push(t);
      }
    }
    if (toAssign.length) changes.push({ kind: 'epoch', value: state.epoch });
    // Durable first: a restarted controller must know every owner it ever told.
    try {
      await this.ctx.persist(changes);
    } catch (err) {
      // Nobody was told: undo the assignments, and try again shortly (the tick asks for it).
      for (const t of toAssign) {
        t.owner = undefined;
        t.state = 'UNASSIGNED';
      }
      this.carried.unshift(...carried); // written by the retry
      this.retryAt = now + 1_000;
      throw err;
    }
    for (const t of toAssign) this.messenger.assign(t);
    // Drains with nothing left: the worker may exit.
    for (const w of state.workers.values()) {
      if (w.state === 'DRAINING' && state.tasksOwnedBy(w.id).length === 0) {
        w.state = 'DRAINED';
        o.log(`worker ${w.id} drained in ${now - (w.drain?.startedAt ?? now)} ms`);
        w.channel?.send({ body: { $case: 'drained', value: {} } });
        this.ctx.changed(`drained ${w.id}`);
      }
    }
    if (changes.length) {
      o.log(
        `reconcile (${reason}): epoch ${state.epoch}, ${toAssign.length} assigned, ${changes.length} changes persisted in ${o.now() - now} ms`,
      );
      this.ctx.changed(reason);
    }
  }

  /**
   * The owner of `t` died under it. Returns the durable change when that quarantines a record
   * (the pipeline record carries the quarantine; the next Assign hands it to the new owner).
   */
  ownerDied(t: TaskRecord, why: string): StateChange[] {
    const { state, health, o } = this.ctx;
    const key = taskKey(t.pipeline, t.index);
    const q = health.ownerDied(key, t.epoch, why);
    const p = state.pipelines.get(t.pipeline);
    if (!q || !p) return [];
    o.log(`task ${key}: input partition ${q.partition} offset ${q.offset} ${q.reason}`);
    const next = withQuarantined(p, { ...q, atMs: o.now() });
    state.pipelines.set(p.spec.name, next);
    return [{ kind: 'pipeline', name: p.spec.name, value: next }];
  }

  /**
   * Tasks the placement left without a worker get a reason (status shows them PENDING, their
   * pipeline DEGRADED); the others lose theirs.
   */
  private notePending(placeable: PlacementTask[], placement: Placement, workers: PlacementWorker[]): void {
    const { state } = this.ctx;
    const capable = new Map<string, boolean>();
    state.pendingByPipeline.clear();
    for (const t of state.tasks.values()) t.pending = undefined;
    for (const pt of placeable) {
      if (placement.get(pt.key) !== undefined) continue;
      const t = state.tasks.get(pt.key);
      if (!t || t.owner) continue;
      let any = capable.get(pt.transform);
      if (any === undefined) {
        any = workers.some((w) => w.eligible && w.transforms.has(pt.transform));
        capable.set(pt.transform, any);
      }
      t.pending = any
        ? `no worker with free capacity for ${pt.transform}`
        : `no active worker runs ${pt.transform}`;
      state.pendingByPipeline.set(t.pipeline, (state.pendingByPipeline.get(t.pipeline) ?? 0) + 1);
    }
  }

  // Time-based conditions, shared by `tick` (is a reconcile due?) and `reconcile` (act on them).
  /** Silence past the lease, or a closed session not reopened within the grace. */
  private leaseExpired(w: WorkerRecord, now: number): boolean {
    const o = this.ctx.o;
    if (now - w.lastHeartbeatAt > o.leaseMs) return true;
    return !w.channel && w.disconnectedAt !== undefined && now - w.disconnectedAt > o.disconnectGraceMs;
  }

  private revokeOverdue(t: TaskRecord, now: number): boolean {
    return (
      t.state === 'REVOKING' &&
      t.revokeSentAt !== undefined &&
      now - t.revokeSentAt > this.ctx.o.revokeTimeoutMs
    );
  }

  private drainOverdue(w: WorkerRecord, now: number): boolean {
    return (
      w.state === 'DRAINING' &&
      !!w.drain &&
      !w.drain.escalated &&
      w.drain.deadlineAt > 0 &&
      now >= w.drain.deadlineAt
    );
  }
}
