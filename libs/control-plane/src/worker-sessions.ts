import {
  LossReason,
  type Hello,
  type RecordInFlight,
  type TaskLost,
  type TaskProblem,
  type TaskReleased,
  type TaskStarted,
} from '@eos/proto';
import { transformKey } from '@eos/transforms';
import { invalid } from './errors';
import type { FleetContext } from './fleet-context';
import { RATE_WINDOW_MS, taskKey, type TaskRecord, type WorkerRecord } from './fleet-state';
import type { StateChange, WorkerChannel } from './ports';
import type { Reconciler } from './reconciler';
import { checkHello } from './request-limits';
import type { TaskMessenger } from './task-messenger';

/**
 * One committed transaction of a task, as the controller uses it. A worker's report carries more
 * (input bytes, transaction duration: the worker's own metrics show them); the controller reads
 * only these fields.
 */
export interface CommitReport {
  task?: { pipeline: string; taskIndex: number };
  /** Assignment epoch it ran under. */
  epoch: number;
  /** Next offsets per partition after the commit (careful mode ends on them). */
  offsets: { partition: number; offset: number }[];
  records: number;
  deadLettered: number;
  /** Commit time, ms since the epoch (0: when the report arrived). */
  committedAtMs: number;
}

/**
 * The worker session protocol, controller side: Hello (adopt what a worker still runs, unassign
 * what it lost), heartbeats and a closed stream (liveness), and the reports of a task's owner
 * (commits, started, released, lost, records in flight, problems). Reports count only from the
 * worker's current session.
 */
export class WorkerSessions {
  private sessionSeq = 0;
  /** Heartbeats (and commit reports, which count as one) accepted since start, for /metrics. */
  heartbeatsTotal = 0;

  constructor(
    private readonly ctx: FleetContext,
    private readonly messenger: TaskMessenger,
    private readonly reconciler: Reconciler,
  ) {}

  /** A worker opened a session with Hello. Returns a session handle for later messages. */
  hello(h: Hello, channel: WorkerChannel): Promise<number> {
    const { state, o } = this.ctx;
    return this.ctx.serial(async () => {
      if (!h.workerId) throw invalid('hello.workerId', 'is required');
      checkHello(h);
      const now = o.now();
      const prev = state.workers.get(h.workerId);
      if (prev?.channel) prev.channel.close();
      const session = ++this.sessionSeq;
      const w: WorkerRecord = {
        id: h.workerId,
        host: h.host,
        capacity: h.capacity || 8,
        transforms: new Set(h.transforms.map((t) => transformKey(t.name, t.version))),
        // A reconnect during a drain stays draining; a new process after a finished drain is active.
        state: prev?.state === 'DRAINING' ? 'DRAINING' : 'ACTIVE',
        drain: prev?.state === 'DRAINING' ? prev.drain : undefined,
        channel,
        session,
        lastHeartbeatAt: now,
        connectedAt: now,
        disconnectedAt: undefined,
        pid: h.pid,
      };
      state.workers.set(w.id, w);
      channel.send({
        body: {
          $case: 'welcome',
          value: { leaseMs: o.leaseMs, heartbeatIntervalMs: o.heartbeatIntervalMs, epoch: state.epoch },
        },
      });
      o.log(
        `worker ${w.id} connected (${h.running.length} running tasks, capacity ${w.capacity}, ${[...w.transforms].join(' ')})`,
      );

      const changes: StateChange[] = [];
      const running = new Set<string>();
      for (const r of h.running) {
        if (!r.task) continue;
        const key = taskKey(r.task.pipeline, r.task.taskIndex);
        running.add(key);
        const t = state.tasks.get(key);
        const p = state.pipelines.get(r.task.pipeline);
        if (t && t.owner === w.id) {
          if (t.state === 'REVOKING') this.messenger.revoke(t, true);
          else if (p && r.specVersion !== t.specVersion)
            this.messenger.assign(t); // runs an old spec: restart it on the current one
          else t.state = 'PROCESSING';
        } else if (
          t &&
          !t.owner &&
          p &&
          p.state !== 'STOPPED' &&
          r.specVersion === t.specVersion &&
          !t.notBefore
        ) {
          // Nobody owns it and this worker still runs it: adopt it under a new epoch.
          t.owner = w.id;
          t.epoch = ++state.epoch;
          t.state = 'PROCESSING';
          changes.push(
            { kind: 'assignment', key, value: { owner: w.id, epoch: t.epoch, specVersion: t.specVersion } },
            { kind: 'epoch', value: state.epoch },
          );
        } else {
          // Someone else owns it, or it no longer exists: stop it the fast way.
          channel.send({
            body: { $case: 'revoke', value: { task: r.task, epoch: state.epoch, graceful: false } },
          });
        }
      }
      await this.ctx.persist(changes);
      for (const c of changes)
        if (c.kind === 'assignment') this.messenger.assign(state.tasks.get(c.key) as TaskRecord);
      // Tasks this worker owns but does not run: it restarted, or it released them while the
      // controller was away (that report was lost). They are unowned now; reconcile assigns them
      // afresh under a new epoch (a worker ignores a re-sent assign at the epoch it was revoked at).
      // A new process under the same id (pid changed, the old one not yet declared dead): its tasks died with the old one.
      const restarted = !!prev && prev.pid !== h.pid && prev.state !== 'DEAD';
      await this.ctx.persist(
        state
          .tasksOwnedBy(w.id)
          .filter((t) => !running.has(taskKey(t.pipeline, t.index)))
          .flatMap((t) => [
            ...(restarted
              ? this.reconciler.ownerDied(t, `worker ${w.id} restarted (pid ${prev?.pid} -> ${h.pid})`)
              : []),
            state.unassign(t),
          ]),
      );
      this.reconciler.request(`hello ${w.id}`);
      return session;
    });
  }

  heartbeat(workerId: string, session: number): void {
    const w = this.ctx.state.workers.get(workerId);
    if (w && w.session === session) {
      w.lastHeartbeatAt = this.ctx.o.now();
      this.heartbeatsTotal++;
    }
  }

  /** The session stream ended; the lease decides when the worker is dead. */
  disconnected(workerId: string, session: number): void {
    const { state, o } = this.ctx;
    const w = state.workers.get(workerId);
    if (w && w.session === session) {
      w.channel = undefined;
      w.disconnectedAt = o.now();
      o.log(`worker ${workerId} disconnected`);
      this.ctx.changed(`disconnect ${workerId}`);
      // The periodic tick is too coarse for the grace: look again right after it ends.
      this.reconciler.tickAfter(o.disconnectGraceMs + 10);
    }
  }

  /** Whether `session` is the worker's current session (reports from any other do not count). */
  private fromCurrentSession(workerId: string, session: number | undefined): boolean {
    return session === undefined || this.ctx.state.workers.get(workerId)?.session === session;
  }

  commits(workerId: string, commits: CommitReport[], session?: number): void {
    if (!this.fromCurrentSession(workerId, session)) return;
    const { state, o, health } = this.ctx;
    const now = o.now();
    for (const c of commits) {
      if (!c.task) continue;
      const t = state.tasks.get(taskKey(c.task.pipeline, c.task.taskIndex));
      if (!t || t.owner !== workerId) continue;
      if (t.state === 'STARTING') t.state = 'PROCESSING';
      t.lastCommitAt = c.committedAtMs || now;
      t.recordsTotal += c.records;
      const second = now - (now % 1000);
      const last = t.recent[t.recent.length - 1];
      if (last && last.at === second) {
        last.commits++;
        last.records += c.records;
      } else t.recent.push({ at: second, commits: 1, records: c.records });
      while (t.recent.length > 0 && now - (t.recent[0] as { at: number }).at > RATE_WINDOW_MS)
        t.recent.shift();
      if (c.epoch === t.epoch) {
        health.committed(taskKey(t.pipeline, t.index), c.records, c.offsets);
        t.gate.commits++;
        t.gate.deadLettered += c.deadLettered;
      }
    }
    if (commits.length) this.ctx.changed('commits');
  }

  started(workerId: string, s: TaskStarted, session?: number): void {
    if (!s.task || !this.fromCurrentSession(workerId, session)) return;
    const t = this.ctx.state.tasks.get(taskKey(s.task.pipeline, s.task.taskIndex));
    if (t && t.owner === workerId && t.state === 'STARTING') {
      t.state = 'PROCESSING';
      this.ctx.changed('started');
    }
  }

  released(workerId: string, r: TaskReleased, session?: number): Promise<void> {
    return this.ctx.serial(async () => {
      if (!r.task || !this.fromCurrentSession(workerId, session)) return;
      const key = taskKey(r.task.pipeline, r.task.taskIndex);
      const t = this.ctx.state.tasks.get(key);
      if (!t || t.owner !== workerId || r.epoch !== t.epoch) return; // stale: an earlier assignment's
      // Written by the reconcile that places the task again, with its new assignment (a
      // controller restarted in between finds the old owner not running it, and moves it).
      const unassigned = this.ctx.state.unassign(t);
      this.ctx.o.log(`task ${key} released by ${workerId}`);
      this.reconciler.request(`released ${key}`, [unassigned]);
    });
  }

  lost(workerId: string, l: TaskLost, session?: number): Promise<void> {
    const { state, o, health } = this.ctx;
    return this.ctx.serial(async () => {
      if (!l.task || !this.fromCurrentSession(workerId, session)) return;
      const key = taskKey(l.task.pipeline, l.task.taskIndex);
      const t = state.tasks.get(key);
      o.log(
        `task ${key} lost on ${workerId}: ${l.reason === LossReason.FENCED ? 'fenced' : 'failed'}: ${l.message}`,
      );
      if (!t || t.owner !== workerId || l.epoch !== t.epoch) return;
      if (l.reason === LossReason.FAILED) t.notBefore = health.failed(key, l.message, o.now());
      await this.ctx.persist([state.unassign(t)]);
      this.reconciler.request(`lost ${key}`);
    });
  }

  /** Careful mode: the owner of a task is about to transform this record. */
  inFlight(workerId: string, m: RecordInFlight): void {
    if (!m.task) return;
    const key = taskKey(m.task.pipeline, m.task.taskIndex);
    const t = this.ctx.state.tasks.get(key);
    if (t && t.owner === workerId && t.epoch === m.epoch)
      this.ctx.health.inFlight(key, m.epoch, m.partition, m.offset, m.done);
    if (m.done) return;
    // Acknowledged either way: the worker waits for it before calling the transform (a process
    // that crashes right after a write may never have flushed it; the ack proves it arrived).
    this.messenger.send(workerId, { body: { $case: 'inFlightAck', value: m } });
  }

  /** A running task reports a problem it is working through (or that it is over). */
  problem(workerId: string, m: TaskProblem): void {
    if (!m.task) return;
    const key = taskKey(m.task.pipeline, m.task.taskIndex);
    const t = this.ctx.state.tasks.get(key);
    if (!t || t.owner !== workerId || t.epoch !== m.epoch) return;
    this.ctx.health.problem(key, m.message);
    this.ctx.changed(`problem ${key}`);
  }
}
