import { EosTask, describeError, type KafkaPort } from '@eos/eos-core';
import {
  LossReason,
  type Assign,
  type RecordInFlight,
  type Revoke,
  type RunningTask,
  type SetPaused,
  type TaskCommit,
  type WorkerMessage,
} from '@eos/proto';
import { transformKey, type TransformRegistry } from '@eos/transforms';
import { CommitBuffer } from './commit-buffer';
import { recordProbe } from './record-probe';
import { taskOptions, type TaskTuning } from './task-options';
import type { TaskMetrics } from './task-metrics';
import type { TransformWatchdog } from './transform-watchdog';

export interface TaskSupervisorOptions {
  kafka: KafkaPort;
  /** Makes each assignment's transform. */
  registry: TransformRegistry;
  /** Sends on the controller session (a message sent while it is down is dropped). */
  send: (m: WorkerMessage) => void;
  log: (m: string) => void;
  metrics?: TaskMetrics;
  /** Worker-wide EosTask settings (timeouts, attempts). */
  tuning?: TaskTuning;
  /** Watches synchronous transform calls (hangs). */
  watchdog?: TransformWatchdog;
  /** Careful mode: announces a record to the controller; resolves when it may be transformed. */
  announce?: (v: RecordInFlight) => Promise<void>;
  /** Careful mode: an announced record's call is over (after its `done` was sent): the next may go. */
  settled?: () => void;
  /** A graceful stop taking longer than this is escalated to a fast one (a stuck transform). @default 20000 */
  gracefulStopTimeoutMs?: number;
}

interface Running {
  task: EosTask;
  epoch: number;
  specVersion: number;
  ref: { pipeline: string; taskIndex: number };
  /** Set once a revoke or restart began: its events no longer speak for the task. */
  leaving: boolean;
}

const keyOf = (r: { pipeline: string; taskIndex: number }) => `${r.pipeline}/${r.taskIndex}`;

/**
 * Runs the tasks the controller assigns, one EosTask each, and turns their events into session
 * messages. Commit reports are batched.
 */
export class TaskSupervisor {
  private readonly tasks = new Map<string, Running>();
  /** Operations per task key run one after another (an assign racing a revoke never interleaves). */
  private readonly ops = new Map<string, Promise<void>>();
  /** Highest revoked epoch per task: an assign at or below it is stale (re-sent before the revoke finished). */
  private readonly revokedEpoch = new Map<string, number>();
  private readonly pendingCommits = new CommitBuffer();
  private readonly send: (m: WorkerMessage) => void;
  private readonly log: (m: string) => void;
  private readonly metrics: TaskMetrics | undefined;
  private readonly gracefulStopTimeoutMs: number;

  constructor(private readonly o: TaskSupervisorOptions) {
    this.send = o.send;
    this.log = o.log;
    this.metrics = o.metrics;
    this.gracefulStopTimeoutMs = o.gracefulStopTimeoutMs ?? 20_000;
  }

  /** What runs now, for Hello after a reconnect. */
  running(): RunningTask[] {
    return [...this.tasks.values()]
      .filter((r) => !r.leaving)
      .map((r) => ({ task: r.ref, epoch: r.epoch, specVersion: r.specVersion }));
  }

  count(): number {
    return this.tasks.size;
  }

  /** Commit reports gathered since the last call. */
  takeCommits(): TaskCommit[] {
    return this.pendingCommits.take();
  }

  assign(a: Assign): Promise<void> {
    if (!a.task) return Promise.resolve();
    const key = keyOf(a.task);
    return this.serially(key, () => this.doAssign(key, a));
  }

  private serially(key: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.ops.get(key) ?? Promise.resolve()).then(fn, fn);
    const settled = next.catch((err: unknown) => this.log(`task ${key}: ${(err as Error).message}`));
    this.ops.set(key, settled);
    void settled.then(() => {
      if (this.ops.get(key) === settled) this.ops.delete(key);
    });
    return settled;
  }

  /** Stops a task; a graceful stop that hangs is escalated to a fast one. */
  private async stopTask(r: Running, graceful: boolean) {
    const timer = graceful
      ? setTimeout(() => void r.task.stop({ graceful: false }), this.gracefulStopTimeoutMs)
      : undefined;
    try {
      return await r.task.stop({ graceful });
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async doAssign(key: string, a: Assign): Promise<void> {
    if (!a.task) return;
    if (a.epoch <= (this.revokedEpoch.get(key) ?? -1)) {
      this.log(`task ${key}: ignoring assign at epoch ${a.epoch} (revoked at ${this.revokedEpoch.get(key)})`);
      return;
    }
    const cur = this.tasks.get(key);
    if (cur && !cur.leaving && cur.specVersion === a.specVersion) {
      cur.epoch = a.epoch; // same task, new epoch (adopted or re-sent)
      if (a.paused) cur.task.pause();
      else cur.task.resume();
      this.send({ body: { $case: 'started', value: { task: a.task, epoch: a.epoch, offsets: [] } } });
      return;
    }
    if (cur) {
      cur.leaving = true;
      await this.stopTask(cur, true);
      this.tasks.delete(key);
    }
    let transform;
    try {
      transform = this.o.registry.create(
        a.transform?.name ?? '',
        a.transform?.version ?? 0,
        a.transform?.config ?? {},
      );
    } catch (err) {
      this.send({
        body: {
          $case: 'lost',
          value: { task: a.task, epoch: a.epoch, reason: LossReason.FAILED, message: describeError(err) },
        },
      });
      return;
    }
    const transformId = transformKey(a.transform?.name ?? '', a.transform?.version ?? 0);
    const ref = a.task;
    const watch = this.o.watchdog?.probe(
      `pipeline ${ref.pipeline} task ${ref.taskIndex} (${transformId}, epoch ${a.epoch})`,
    );
    const probe = recordProbe({
      task: ref,
      epoch: a.epoch,
      watch,
      announce: a.careful ? this.o.announce : undefined,
      // `done` even while the task is leaving: until the controller has its release, the death of
      // this process would otherwise still be pinned on the record.
      settled: (v) => {
        this.send({ body: { $case: 'inFlight', value: v } });
        this.o.settled?.();
      },
    });
    if (a.careful)
      this.log(`task ${key}: careful mode (its last owner died under it): announcing each record`);
    const task = new EosTask(
      taskOptions(a, {
        task: ref,
        transform,
        transformId,
        kafka: this.o.kafka,
        probe,
        tuning: this.o.tuning ?? {},
      }),
    );
    const r: Running = { task, epoch: a.epoch, specVersion: a.specVersion, ref: a.task, leaving: false };
    this.tasks.set(key, r);
    // How long a handoff keeps this task's output paused on this side: assignment -> consuming
    // (fencing, offsets) -> first commit. One line per assignment, for operators and benchmarks.
    const assignedAt = Date.now();
    let startedAfter = -1;
    let steps = '';
    task.once('started', (s) => {
      startedAfter = Date.now() - assignedAt;
      steps = Object.entries(s.steps ?? {})
        .map(([k, v]) => (typeof v === 'boolean' ? k : `${k.replace(/Ms$/, '')} ${v}`))
        .join(', ');
    });
    task.once('committed', (c) =>
      this.log(
        `task ${key} epoch ${a.epoch}: first commit ${Date.now() - assignedAt} ms after its assignment (consuming after ${startedAfter} ms${steps ? `: ${steps}` : ''}; ${c.records} records in a ${c.durationMs} ms transaction${spanText(c.inputSpan, assignedAt)})`,
      ),
    );
    task.on('started', (s) => {
      // Rare and worth an operator's eye: the broker had left a committed transaction's offsets
      // pending (Kafka 4.4 after a SIGKILL), and the task completed them before reading on.
      if (s.steps?.settledPartitions)
        this.log(
          `task ${key} epoch ${a.epoch}: settled offsets the broker had left pending on input partitions ${s.steps.settledPartitions.join(', ')} (docs/production.md, "A broker killed with SIGKILL")`,
        );
      if (!r.leaving)
        this.send({
          body: {
            $case: 'started',
            value: {
              task: r.ref,
              epoch: r.epoch,
              offsets: [...s.offsets].map(([partition, offset]) => ({ partition, offset })),
            },
          },
        });
    });
    const labels = { pipeline: a.task.pipeline, task: String(a.task.taskIndex) };
    task.on('aborted', () => this.metrics?.aborted(labels.pipeline));
    task.on('committed', (c) => {
      this.metrics?.committed(labels, c);
      this.pendingCommits.push({
        task: r.ref,
        epoch: r.epoch,
        offsets: [...c.offsets].map(([partition, offset]) => ({ partition, offset })),
        records: c.records,
        bytes: c.bytes,
        deadLettered: c.deadLettered,
        durationMs: c.durationMs,
        committedAtMs: c.committedAt,
      });
    });
    task.on('retrying', (e) => {
      this.log(`task ${key}: retrying in ${e.backoffMs} ms: ${e.error}`);
      if (!e.record) return;
      // A transform retrying is visible: metric, log, and the task's last_error in the controller's status.
      this.metrics?.transformRetried(labels);
      if (!r.leaving)
        this.send({ body: { $case: 'problem', value: { task: r.ref, epoch: r.epoch, message: e.error } } });
    });
    let lastPoisonLog = 0;
    let unlogged = 0;
    task.on('deadLettered', (d) => {
      this.metrics?.poisonRecord(labels.pipeline, d.reason);
      // At most one line a second per task: a transform that rejects everything must not flood the log.
      const now = Date.now();
      if (now - lastPoisonLog < 1_000) {
        unlogged++;
        return;
      }
      this.log(
        `task ${key}: dead-lettered ${a.inputTopic}/${d.partition}@${d.offset} (${d.reason}: ${d.error})${unlogged ? ` and ${unlogged} more since the last line` : ''}`,
      );
      lastPoisonLog = now;
      unlogged = 0;
    });
    const lose = (reason: LossReason, message: string) => {
      this.log(`task ${key} ${reason === LossReason.FENCED ? 'fenced' : 'failed'}: ${message}`);
      if (this.tasks.get(key) === r) this.tasks.delete(key);
      if (!r.leaving)
        this.send({ body: { $case: 'lost', value: { task: r.ref, epoch: r.epoch, reason, message } } });
    };
    task.on('fenced', (f) => lose(LossReason.FENCED, f.error));
    task.on('failed', (f) => lose(LossReason.FAILED, f.error));
    this.log(`task ${key} assigned (epoch ${a.epoch}, partitions ${a.partitions.join(',')}, ${transformId})`);
    void task.start().then(() => task.done().finally(() => watch?.free()));
  }

  /** Stops a task (graceful: commit in flight) and reports it released. */
  revoke(rv: Revoke): Promise<void> {
    if (!rv.task) return Promise.resolve();
    const key = keyOf(rv.task);
    this.revokedEpoch.set(key, Math.max(rv.epoch, this.revokedEpoch.get(key) ?? -1));
    const r = this.tasks.get(key);
    // A fast revoke (drain deadline) escalates a graceful stop already under way, at once.
    if (r?.leaving && !rv.graceful) void r.task.stop({ graceful: false });
    return this.serially(key, () => this.doRevoke(key, rv));
  }

  private async doRevoke(key: string, rv: Revoke): Promise<void> {
    if (!rv.task) return;
    const r = this.tasks.get(key);
    if (!r) {
      // Not running here (already gone): released as far as this worker goes.
      this.send({ body: { $case: 'released', value: { task: rv.task, epoch: rv.epoch, offsets: [] } } });
      return;
    }
    r.leaving = true;
    const t0 = Date.now();
    const outcome = await this.stopTask(r, rv.graceful);
    if (this.tasks.get(key) === r) this.tasks.delete(key);
    const offsets =
      outcome.kind === 'stopped'
        ? [...outcome.offsets].map(([partition, offset]) => ({ partition, offset }))
        : [];
    this.log(`task ${key} released in ${Date.now() - t0} ms (${outcome.kind})`);
    // Its last commits (the transaction in flight, what was buffered) reach the controller before
    // the release: once it has reassigned the task, reports from this owner no longer count.
    const commits = this.pendingCommits.take();
    if (commits.length) this.send({ body: { $case: 'commits', value: { commits } } });
    this.send({ body: { $case: 'released', value: { task: rv.task, epoch: rv.epoch, offsets } } });
  }

  setPaused(s: SetPaused): void {
    if (!s.task) return;
    const r = this.tasks.get(keyOf(s.task));
    if (!r || r.leaving) return;
    if (s.paused) r.task.pause();
    else r.task.resume();
  }

  /** Stops every task; graceful commits what is in flight, fast aborts it. */
  async stopAll(graceful: boolean): Promise<void> {
    await Promise.all(
      [...this.tasks.values()].map(async (r) => {
        r.leaving = true;
        await this.stopTask(r, graceful);
      }),
    );
    this.tasks.clear();
  }
}

/** Where the first commit's input sits in time, relative to the assignment (negative: before it). */
function spanText(span: { first: number; last: number } | undefined, assignedAt: number): string {
  return span
    ? `, input produced ${span.first - assignedAt}..${span.last - assignedAt} ms from the assignment`
    : '';
}
