import { EventEmitter } from 'node:events';
import type {
  AuditRecord,
  GetPipelineStatusResponse,
  Hello,
  Pipeline,
  PipelineOffsetsResponse,
  RecordInFlight,
  ResetPipelineOffsetsRequest,
  Rollout,
  TaskLost,
  TaskProblem,
  TaskReleased,
  TaskStarted,
  Worker,
} from '@eos/proto';
import { AuditLog } from './audit-log';
import { notFound } from './errors';
import type { FleetContext } from './fleet-context';
import { metricsSnapshot, type FleetMetricsSnapshot } from './fleet-metrics';
import { resolveFleetOptions, type FleetControllerOptions, type ResolvedFleetOptions } from './fleet-options';
import { FleetState, taskKey, type WorkerRecord } from './fleet-state';
import { PipelineOffsets } from './offsets';
import { PipelineUpdates } from './pipeline-updates';
import { Pipelines } from './pipelines';
import type {
  AuditEntry,
  PipelineRecord,
  RolloutFleetPort,
  RolloutRecord,
  StateChange,
  TaskGateHealth,
  WorkerChannel,
} from './ports';
import { Reconciler } from './reconciler';
import type { StrategyInput } from './request-limits';
import { RolloutControl, type RolloutRequest } from './rollout-control';
import { RolloutStore } from './rollout-store';
import { SerialExecutor } from './serial-executor';
import { StateWriter } from './state-writer';
import { TaskHealth } from './task-health';
import { TaskMessenger } from './task-messenger';
import type { SpecInput, ValidSpec } from './validation';
import { auditView } from './views/audit-view';
import { pipelineView } from './views/pipeline-view';
import { rolloutView } from './views/rollout-view';
import { taskStatusView } from './views/status-view';
import { workerView } from './views/worker-view';
import { WorkerDrain } from './worker-drain';
import { WorkerSessions, type CommitReport } from './worker-sessions';

export type { FleetControllerOptions } from './fleet-options';

export interface FleetEvents {
  /** Something changed (for live views). */
  change: [string];
  /** Durable state can no longer be written (fenced by another controller, or broker gone). */
  fatal: [Error];
}

/**
 * The controller's one entry point: pipelines, tasks, workers and their sessions, rollouts,
 * offsets and audit. It wires the parts together and answers in proto views; each part has one
 * job (see docs/architecture.md, "Controller"): the model (fleet-state.ts), one operation at a time
 * (serial-executor.ts), durable writes (state-writer.ts), the control loop (reconciler.ts), the
 * worker protocol (worker-sessions.ts, task-messenger.ts, worker-drain.ts), pipelines
 * (pipelines.ts, pipeline-updates.ts, offsets.ts), rollouts (rollout-store.ts,
 * rollout-control.ts), the audit trail (audit-log.ts) and proto views (views/).
 */
export class FleetController extends EventEmitter<FleetEvents> implements RolloutFleetPort {
  private readonly o: ResolvedFleetOptions;
  private readonly state: FleetState;
  private readonly executor = new SerialExecutor();
  private readonly ctx: FleetContext;
  private readonly audit: AuditLog;
  private readonly rollouts: RolloutStore;
  private readonly reconciler: Reconciler;
  private readonly sessions: WorkerSessions;
  private readonly drains: WorkerDrain;
  private readonly pipelines: Pipelines;
  private readonly updates: PipelineUpdates;
  private readonly offsets: PipelineOffsets;
  private readonly rolloutControl: RolloutControl;

  constructor(options: FleetControllerOptions) {
    super();
    const o = resolveFleetOptions(options);
    this.o = o;
    this.state = new FleetState(o.stateTopic);
    const writer = new StateWriter(o.state, (err) => this.emit('fatal', err));
    this.ctx = {
      o,
      state: this.state,
      health: new TaskHealth({
        failedBackoffMs: o.failedTaskBackoffMs,
        failedBackoffMaxMs: o.failedTaskBackoffMaxMs,
        quarantineAfter: o.quarantineAfterCrashes,
        carefulRecords: o.carefulRecords,
      }),
      serial: (fn) => this.executor.run(fn),
      persist: (changes) => writer.save(changes),
      changed: (reason) => this.emit('change', reason),
    };
    const messenger = new TaskMessenger(this.ctx);
    this.audit = new AuditLog(o.auditRetention, o.now);
    this.rollouts = new RolloutStore(this.ctx);
    this.reconciler = new Reconciler(this.ctx, messenger);
    this.sessions = new WorkerSessions(this.ctx, messenger, this.reconciler);
    this.drains = new WorkerDrain(this.ctx, this.reconciler);
    this.offsets = new PipelineOffsets(this.ctx);
    this.pipelines = new Pipelines(this.ctx, this.reconciler, messenger, this.offsets);
    this.updates = new PipelineUpdates(this.ctx, this.reconciler);
    this.rolloutControl = new RolloutControl(this.updates, this.rollouts, o.now);
  }

  /** Rebuilds from durable state; workers named there get one lease to reconnect. */
  async start(): Promise<void> {
    const s = await this.o.state.load();
    // Reconnect backoff is capped well below the lease; one extra lease covers a slow restart.
    this.state.load(s, this.o.now() + this.o.leaseMs);
    // Records past the retention found at load (the store keeps only the newest in memory) go too.
    const stale: StateChange[] = [
      ...this.audit.load(s.audit, s.droppedAuditSeqs),
      ...this.rollouts.load(s.rollouts),
    ];
    this.reconciler.start();
    this.pipelines.start();
    if (stale.length) await this.ctx.serial(() => this.ctx.persist(stale));
    await this.ctx.serial(() => this.reconciler.reconcile('start'));
  }

  stop(): void {
    this.reconciler.stop();
    this.pipelines.stop();
    for (const w of this.state.workers.values()) w.channel?.close();
  }

  currentEpoch(): number {
    return this.state.epoch;
  }

  // ---- pipelines ----

  async createPipeline(spec: SpecInput | undefined): Promise<Pipeline> {
    return this.pipelineMessage(await this.pipelines.create(spec));
  }

  getPipeline(name: string): Pipeline {
    return this.pipelineMessage(this.state.mustPipeline(name));
  }

  listPipelines(): Pipeline[] {
    return [...this.state.pipelines.values()]
      .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
      .map((p) => this.pipelineMessage(p));
  }

  async pausePipeline(name: string): Promise<Pipeline> {
    return this.pipelineMessage(await this.pipelines.setState(name, 'PAUSED'));
  }

  async resumePipeline(name: string): Promise<Pipeline> {
    return this.pipelineMessage(await this.pipelines.setState(name, 'RUNNING'));
  }

  async stopPipeline(name: string): Promise<Pipeline> {
    return this.pipelineMessage(await this.pipelines.setState(name, 'STOPPED'));
  }

  /** Stops the pipeline, waits for its tasks to be released, then forgets it (topics kept). */
  deletePipeline(name: string, timeoutMs = 60_000): Promise<void> {
    return this.pipelines.delete(name, timeoutMs);
  }

  /** Status with offsets and lag read from Kafka. */
  async pipelineStatus(name: string): Promise<GetPipelineStatusResponse> {
    let p = this.state.mustPipeline(name);
    const byPartition = new Map((await this.offsets.status(p)).map((x) => [x.partition, x]));
    // More partitions than the pipeline knows: added after creation; pick them up now.
    if (byPartition.size > p.inputPartitions) {
      await this.checkInputPartitions();
      p = this.state.mustPipeline(name);
    }
    const now = this.o.now();
    const tasks = Array.from({ length: p.spec.tasks }, (_, i) =>
      taskStatusView(
        p,
        i,
        this.state.tasks.get(taskKey(name, i)),
        byPartition,
        this.ctx.health.view(taskKey(name, i), now),
        this.o.names,
        now,
      ),
    );
    // Every input partition counts, owned by a running task or not (and partitions added after creation).
    const total = [...byPartition.values()].reduce((a, x) => a + x.lag, 0);
    return { pipeline: this.pipelineMessage(p), tasks, epoch: this.state.epoch, lag: total };
  }

  /** Committed offset, end offset and lag per input partition. */
  async pipelineOffsets(name: string): Promise<PipelineOffsetsResponse> {
    const p = this.state.mustPipeline(name);
    return { name, partitions: await this.offsets.status(p) };
  }

  /** Moves the committed offsets of a stopped pipeline (all tasks released). */
  async resetPipelineOffsets(req: ResetPipelineOffsetsRequest): Promise<PipelineOffsetsResponse> {
    return { name: req.name, partitions: await this.offsets.reset(req) };
  }

  /** Picks up input partitions added after creation (pipelines.ts); also polled. */
  checkInputPartitions(): Promise<void> {
    return this.pipelines.checkInputPartitions();
  }

  // ---- workers ----

  listWorkers(): Worker[] {
    return [...this.state.workers.values()]
      .filter((w) => w.connectedAt > 0 || w.state !== 'DEAD')
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((w) => this.workerMessage(w));
  }

  getWorker(id: string): Worker {
    const w = this.state.workers.get(id);
    if (!w) throw notFound(`worker ${id} is not known`);
    return this.workerMessage(w);
  }

  /** Starts draining a worker: no new tasks, its tasks revoked a few at a time. */
  async drainWorker(id: string, o: { deadlineMs?: number; maxConcurrent?: number } = {}): Promise<Worker> {
    return this.workerMessage(await this.drains.drain(id, o));
  }

  /** Cancels a drain. */
  async undrainWorker(id: string): Promise<Worker> {
    return this.workerMessage(await this.drains.undrain(id));
  }

  // ---- audit and metrics ----

  /** Appends to the audit trail (durable). Failures to persist are logged, not thrown. */
  async recordAudit(e: Omit<AuditEntry, 'seq' | 'atMs'>): Promise<void> {
    const changes = this.audit.append(e);
    await this.ctx
      .serial(() => this.ctx.persist(changes))
      .catch((err: unknown) => this.o.log(`audit not persisted: ${(err as Error).message}`));
  }

  auditRecords(limit = 100): AuditRecord[] {
    return this.audit.newest(limit || 100).map(auditView);
  }

  /** Counts for the controller's /metrics. */
  metricsSnapshot(): FleetMetricsSnapshot {
    return metricsSnapshot(this.state, this.rollouts.active().length, this.sessions.heartbeatsTotal);
  }

  // ---- rollouts (operator requests: rollout-control.ts; the job: rollout-runner.ts) ----

  /**
   * UpdatePipeline: validates, registers the new spec version and stores a PENDING rollout.
   * `ready` throws when rollouts cannot start now (asked after validation, before any change).
   */
  startRollout(
    spec: SpecInput | undefined,
    strategy: StrategyInput | undefined,
    ready?: () => void,
  ): Promise<RolloutRecord> {
    return this.rolloutControl.start(spec, strategy, ready);
  }

  /** Pause, resume or abort a rollout (applied by its job within one poll). */
  async requestRollout(id: string, what: RolloutRequest): Promise<Rollout> {
    return this.rolloutView(await this.rolloutControl.request(id, what));
  }

  /** The proto view of a rollout record, with which tasks run which version now. */
  rolloutView(r: RolloutRecord): Rollout {
    let tasks: number[] = [];
    try {
      tasks = this.taskIndexes(r.pipeline);
    } catch {
      tasks = [];
    }
    return rolloutView(
      r,
      tasks.map((index) => ({ index, specVersion: this.taskHealth(r.pipeline, index).specVersion })),
    );
  }

  /** Validates an updated spec and registers it as the pipeline's next version. */
  beginUpdate(
    spec: SpecInput | undefined,
  ): Promise<{ pipeline: string; fromVersion: number; toVersion: number }> {
    return this.updates.begin(spec);
  }

  /** Everything UpdatePipeline checks before it changes anything. */
  checkUpdate(spec: SpecInput | undefined): { name: string; p: PipelineRecord; v: ValidSpec } {
    return this.updates.check(spec);
  }

  /** Stores a new rollout record (durable) and links it to its pipeline while it is active. */
  saveRollout(r: RolloutRecord): Promise<RolloutRecord> {
    return this.rollouts.update(r.id, () => r, true);
  }

  /** Changes a rollout record from its current value, one operation at a time. */
  updateRollout(
    id: string,
    change: (current: RolloutRecord) => RolloutRecord,
    create = false,
  ): Promise<RolloutRecord> {
    return this.rollouts.update(id, change, create);
  }

  getRolloutRecord(id: string): RolloutRecord {
    return this.rollouts.get(id);
  }

  listRolloutRecords(pipeline?: string): RolloutRecord[] {
    return this.rollouts.list(pipeline);
  }

  /** Rollouts not finished (for re-enqueueing after a controller or Redis restart). */
  activeRollouts(): RolloutRecord[] {
    return this.rollouts.active();
  }

  taskIndexes(pipeline: string): number[] {
    return this.updates.taskIndexes(pipeline);
  }

  setTaskVersion(pipeline: string, index: number, version: number): Promise<void> {
    return this.updates.setTaskVersion(pipeline, index, version);
  }

  taskHealth(pipeline: string, index: number): TaskGateHealth {
    return this.updates.taskHealth(pipeline, index);
  }

  taskLags(pipeline: string): Promise<Map<number, number>> {
    return this.offsets.taskLags(pipeline);
  }

  completeUpdate(pipeline: string, toVersion: number): Promise<void> {
    return this.updates.complete(pipeline, toVersion);
  }

  cancelUpdate(pipeline: string, toVersion: number): Promise<void> {
    return this.updates.cancel(pipeline, toVersion);
  }

  // ---- worker sessions (worker-sessions.ts) ----

  /** A worker opened a session with Hello. Returns a session handle for later messages. */
  hello(h: Hello, channel: WorkerChannel): Promise<number> {
    return this.sessions.hello(h, channel);
  }

  heartbeat(workerId: string, session: number): void {
    this.sessions.heartbeat(workerId, session);
  }

  /** The session stream ended; the lease (or the disconnect grace) decides when the worker is dead. */
  disconnected(workerId: string, session: number): void {
    this.sessions.disconnected(workerId, session);
  }

  commits(workerId: string, commits: CommitReport[], session?: number): void {
    this.sessions.commits(workerId, commits, session);
  }

  started(workerId: string, s: TaskStarted, session?: number): void {
    this.sessions.started(workerId, s, session);
  }

  released(workerId: string, r: TaskReleased, session?: number): Promise<void> {
    return this.sessions.released(workerId, r, session);
  }

  lost(workerId: string, l: TaskLost, session?: number): Promise<void> {
    return this.sessions.lost(workerId, l, session);
  }

  /** Careful mode: the owner of a task is about to transform this record. */
  inFlight(workerId: string, m: RecordInFlight): void {
    this.sessions.inFlight(workerId, m);
  }

  /** A running task reports a problem it is working through (or that it is over). */
  problem(workerId: string, m: TaskProblem): void {
    this.sessions.problem(workerId, m);
  }

  // ---- views ----

  private pipelineMessage(p: PipelineRecord): Pipeline {
    return pipelineView(p, this.state.pendingByPipeline.get(p.spec.name) ?? 0);
  }

  private workerMessage(w: WorkerRecord): Worker {
    return workerView(w, this.state.tasksOwnedBy(w.id));
  }
}
