import { EventEmitter } from 'node:events';
import {
  LossReason,
  PipelineState,
  TaskState,
  WorkerState,
  type Assign,
  type ControllerMessage,
  type GetPipelineStatusResponse,
  type PartitionStatus,
  type PipelineOffsetsResponse,
  type ResetPipelineOffsetsRequest,
  type AuditRecord,
  type Hello,
  type Pipeline,
  type PipelineSpec,
  type TaskCommit,
  type TaskLost,
  type RecordInFlight,
  type TaskProblem,
  type TaskReleased,
  type TaskStarted,
  type TaskStatus,
  type Worker,
} from '@eos/proto';
import { transformKey, type TransformRegistry } from '@eos/transforms';
import { placeTasks, type Placement, type PlacementTask, type PlacementWorker } from './assignment';
import {
  ControlError,
  StateStoreFatalError,
  alreadyExists,
  failedPrecondition,
  invalid,
  notFound,
} from './errors';
import { LIMITS, checkDrainOptions, checkHello, checkInt } from './request-limits';
import { isFinishedRollout } from './ports';
import { quarantineFor, withQuarantined } from './quarantine';
import { TaskHealth } from './task-health';
import type { TopicRulesContext } from './topic-rules';
import { TtlCache } from './ttl-cache';
import type {
  AuditEntry,
  PipelineRecord,
  StateChange,
  StatePort,
  StoredState,
  TopicsPort,
  WorkerChannel,
  RolloutRecord,
} from './ports';
import { FleetNames, atLeastOnceGroupOf } from '@eos/fleet-names';
import {
  guaranteeOf,
  guaranteeToProto,
  taskPartitions,
  validateSpec,
  type SpecInput,
  type ValidSpec,
} from './validation';

export interface FleetControllerOptions {
  state: StatePort;
  topics: TopicsPort;
  /** Transforms the controller can validate configs with (built-ins and TRANSFORMS_DIR). */
  registry: TransformRegistry;
  /** A worker without a heartbeat for this long is dead. @default 3000 */
  leaseMs?: number;
  /**
   * A worker whose session stream closed (its process died, the kernel reset the connection) and
   * that has not reconnected within this grace is dead, without waiting for the lease. A worker
   * that is in fact alive is harmless: the new owners' initTransactions fence it. @default 500
   */
  disconnectGraceMs?: number;
  /** Workers heartbeat this often. @default 500 */
  heartbeatIntervalMs?: number;
  /** A revoke not answered by then is forced: the task is assigned elsewhere anyway (fencing protects). @default 30000 */
  revokeTimeoutMs?: number;
  /** Wait before reassigning a task that failed on its owner; doubles per failure in a row. @default 2000 */
  failedTaskBackoffMs?: number;
  /** Longest wait before reassigning a task that keeps failing. @default 300000 */
  failedTaskBackoffMaxMs?: number;
  /** Deaths of a task's worker at the same input record before the record is quarantined. @default 2 */
  quarantineAfterCrashes?: number;
  /** Records a task commits in careful mode (after its worker died under it) before leaving it. @default 5000 */
  carefulRecords?: number;
  /** Tasks a drain revokes at once, unless the request says otherwise. @default 2 */
  drainConcurrency?: number;
  /** A dead worker, or a drained one that has gone, is listed this long, then forgotten. @default 600000 */
  forgetWorkerAfterMs?: number;
  /** The controller's state topic: no pipeline may write to it. @default '__eos_controller' */
  stateTopic?: string;
  /** Offsets and lag read from Kafka are shared this long. @default 1000 */
  statusCacheMs?: number;
  /** Input topics are checked for partitions added after creation this often (and on status reads). @default 10000 */
  partitionPollMs?: number;
  /** Audit records kept (older ones are deleted from state). @default 1000 */
  auditRetention?: number;
  /** Finished rollout records kept (active ones are always kept). @default 100 */
  finishedRolloutsRetention?: number;
  now?: () => number;
  log?: (msg: string) => void;
  /** The fleet's names (transactional ids, groups). @default the default fleet's */
  names?: FleetNames;
}

interface TaskRecord {
  pipeline: string;
  index: number;
  owner?: string;
  epoch: number;
  state: 'UNASSIGNED' | 'STARTING' | 'PROCESSING' | 'REVOKING';
  revokeSentAt?: number;
  notBefore?: number;
  lastCommitAt: number;
  recordsTotal: number;
  /** Recent commits (time, records) for rates. */
  /** Commits per second of the last minute (at most 60 buckets however often the task commits). */
  recent: { at: number; commits: number; records: number }[];
  /** Spec version this task must run. */
  specVersion: number;
  /** The owner must restart it (new spec version): revoke, then assign again. */
  restart?: boolean;
  /** Commits and dead letters under the current assignment (rollout health gates). */
  gate: { commits: number; deadLettered: number };
  /** Why the last placement found no worker for it (it should run and has none). */
  pending?: string;
}

interface WorkerRecord {
  id: string;
  host: string;
  capacity: number;
  transforms: Set<string>;
  state: 'ACTIVE' | 'DRAINING' | 'DRAINED' | 'DEAD';
  channel?: WorkerChannel;
  session: number;
  lastHeartbeatAt: number;
  connectedAt: number;
  /** When its session stream closed; unset while connected (and for workers known only from state). */
  disconnectedAt?: number;
  pid: number;
  drain?: { startedAt: number; deadlineAt: number; maxConcurrent: number; escalated: boolean };
}

export interface FleetEvents {
  /** Something changed (for live views). */
  change: [string];
  /** Durable state can no longer be written (fenced by another controller, or broker gone). */
  fatal: [Error];
}

const taskKey = (pipeline: string, index: number) => `${pipeline}/${index}`;
const RATE_WINDOW_MS = 60_000;

/**
 * The controller's brain: pipelines, tasks, workers and their sessions. Every change goes through
 * `reconcile`, which places tasks, persists assignments (before telling any worker), and sends
 * assign and revoke messages. One operation at a time (a promise chain).
 */
export class FleetController extends EventEmitter<FleetEvents> {
  private readonly o: Required<Omit<FleetControllerOptions, 'log'>> & { log: (m: string) => void };
  private pipelines = new Map<string, PipelineRecord>();
  private tasks = new Map<string, TaskRecord>();
  private workers = new Map<string, WorkerRecord>();
  private epoch = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private partitionTimer: NodeJS.Timeout | undefined;
  private partitionCheck: Promise<void> | undefined;
  private sessionSeq = 0;
  private startedAt = 0;
  private audit: AuditEntry[] = [];
  private rollouts = new Map<string, RolloutRecord>();
  private auditSeq = 0;
  /** A reconcile is queued and has not started: later requests share it. */
  private reconcileQueued: { reasons: number } | undefined;
  /** Status reads shared across callers (UI tabs, SSE-driven refreshes, rollout gates). */
  private readonly statusCache: TtlCache<PartitionStatus[]>;
  /** Tasks per pipeline the last placement could not place (status: PENDING / DEGRADED). */
  private readonly pendingByPipeline = new Map<string, number>();
  /** A reconcile whose state write failed is tried again at this time. */
  private retryReconcileAt: number | undefined;
  /** Heartbeats (and commit reports, which count as one) accepted since start, for /metrics. */
  private heartbeatsTotal = 0;
  /** Failure backoff, careful mode and quarantine decisions per task (task-health.ts). */
  private readonly health: TaskHealth;

  constructor(options: FleetControllerOptions) {
    super();
    this.o = {
      leaseMs: 3_000,
      disconnectGraceMs: 500,
      heartbeatIntervalMs: 500,
      revokeTimeoutMs: 30_000,
      failedTaskBackoffMs: 2_000,
      failedTaskBackoffMaxMs: 300_000,
      quarantineAfterCrashes: 2,
      carefulRecords: 5_000,
      drainConcurrency: 2,
      forgetWorkerAfterMs: 600_000,
      stateTopic: '__eos_controller',
      statusCacheMs: 1_000,
      partitionPollMs: 10_000,
      auditRetention: 1_000,
      finishedRolloutsRetention: 100,
      now: Date.now,
      log: () => undefined,
      names: new FleetNames(),
      ...options,
    };
    this.health = new TaskHealth({
      failedBackoffMs: this.o.failedTaskBackoffMs,
      failedBackoffMaxMs: this.o.failedTaskBackoffMaxMs,
      quarantineAfter: this.o.quarantineAfterCrashes,
      carefulRecords: this.o.carefulRecords,
    });
    this.statusCache = new TtlCache(this.o.statusCacheMs, this.o.now);
  }

  private get names(): FleetNames {
    return this.o.names;
  }

  /** Rebuilds from durable state; workers named there get one lease to reconnect. */
  async start(): Promise<void> {
    const s: StoredState = await this.o.state.load();
    this.startedAt = this.o.now();
    this.epoch = s.epoch;
    this.pipelines = s.pipelines;
    this.audit = s.audit.slice(-this.o.auditRetention);
    this.rollouts = s.rollouts;
    // Records past the retention found at load (the store keeps only the newest in memory) go too.
    const stale: StateChange[] = [
      ...(s.droppedAuditSeqs ?? []),
      ...s.audit.slice(0, -this.o.auditRetention).map((a) => a.seq),
    ].map((seq) => ({ kind: 'auditDelete', seq }));
    stale.push(...this.pruneRollouts());
    this.auditSeq = this.audit.reduce((m, a) => Math.max(m, a.seq), 0);
    for (const [key, a] of s.assignments) {
      const [pipeline, idx] = splitKey(key);
      if (!this.pipelines.has(pipeline)) continue;
      this.tasks.set(
        key,
        this.newTask(pipeline, idx, a.owner, a.epoch, a.owner ? 'PROCESSING' : 'UNASSIGNED', a.specVersion),
      );
      if (a.owner && !this.workers.has(a.owner)) {
        // Known from state, not connected yet: alive for one lease from now.
        this.workers.set(a.owner, {
          id: a.owner,
          host: '',
          capacity: 0,
          transforms: new Set(),
          state: 'ACTIVE',
          session: 0,
          // Reconnect backoff is capped well below the lease; one extra lease covers a slow restart.
          lastHeartbeatAt: this.startedAt + this.o.leaseMs,
          connectedAt: 0,
          pid: 0,
        });
      }
    }
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.o.leaseMs / 6)));
    this.partitionTimer = setInterval(() => void this.checkInputPartitions(), this.o.partitionPollMs);
    if (stale.length) await this.serial(() => this.persist(stale));
    await this.serial(() => this.reconcile('start'));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.partitionTimer) clearInterval(this.partitionTimer);
    this.partitionTimer = undefined;
    for (const w of this.workers.values()) w.channel?.close();
  }

  currentEpoch(): number {
    return this.epoch;
  }

  // ---- operations, one at a time ----

  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Queues one reconcile behind the operations already waiting; requests made before it starts
   * share it. Worker reports come in bursts (a restarted controller gets a Hello from every worker
   * at once; a drain releases task after task), and a reconcile covers every task and worker: one
   * per burst, not one per report (at 10,000 tasks, 1,000 Hellos each followed by its own
   * reconcile took longer than the lease, and workers whose Hello waited were declared dead).
   */
  private requestReconcile(reason: string): void {
    if (this.reconcileQueued) {
      this.reconcileQueued.reasons++;
      return;
    }
    const queued = { reasons: 1 };
    this.reconcileQueued = queued;
    this.serial(() => {
      this.reconcileQueued = undefined;
      return this.reconcile(queued.reasons > 1 ? `${reason} and ${queued.reasons - 1} more` : reason);
    }).catch((err: unknown) => this.o.log(`reconcile failed: ${(err as Error).message}`));
  }

  private async persist(changes: StateChange[]): Promise<void> {
    if (changes.length === 0) return;
    try {
      await this.o.state.save(changes);
    } catch (err) {
      // Only a store that cannot go on (fenced by another controller) stops the controller; any
      // other failed write (a record over the broker's limit, a broker away) fails its request.
      if (err instanceof StateStoreFatalError) this.emit('fatal', err);
      throw new ControlError(
        'UNAVAILABLE',
        `controller state could not be written: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
  }

  // ---- admin API ----

  createPipeline(spec: SpecInput | undefined): Promise<Pipeline> {
    return this.serial(async () => {
      const pre = validateSpec(spec, { registry: this.o.registry, announced: this.announced() });
      if (this.pipelines.has(pre.name)) throw alreadyExists(`pipeline ${pre.name} already exists`);
      const inputPartitions = await this.o.topics.partitions(pre.inputTopic);
      if (inputPartitions === undefined)
        throw invalid('spec.inputTopic', `topic "${pre.inputTopic}" does not exist; create it first`);
      const v = validateSpec(spec, {
        registry: this.o.registry,
        announced: this.announced(),
        inputPartitions,
        topicRules: this.topicRules(),
      });
      await this.o.topics.ensureTopic(v.outputTopic, inputPartitions);
      await this.o.topics.ensureTopic(v.deadLetterTopic, 1);
      const now = this.o.now();
      const rec: PipelineRecord = {
        spec: v,
        state: 'RUNNING',
        specVersion: 1,
        consumerGroup: this.names.pipelineGroup(v.name),
        inputPartitions,
        createdAtMs: now,
        updatedAtMs: now,
      };
      await this.persist([{ kind: 'pipeline', name: v.name, value: rec }]);
      this.pipelines.set(v.name, rec);
      this.o.log(
        `pipeline ${v.name} created: ${v.inputTopic} -> ${v.outputTopic}, ${v.tasks} tasks, ${v.transform.name}@${v.transform.version}`,
      );
      await this.reconcile(`create ${v.name}`);
      return this.pipelineMessage(rec);
    });
  }

  getPipeline(name: string): Pipeline {
    return this.pipelineMessage(this.mustPipeline(name));
  }

  listPipelines(): Pipeline[] {
    return [...this.pipelines.values()]
      .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
      .map((p) => this.pipelineMessage(p));
  }

  pausePipeline(name: string): Promise<Pipeline> {
    return this.setPipelineState(name, 'PAUSED');
  }

  resumePipeline(name: string): Promise<Pipeline> {
    return this.setPipelineState(name, 'RUNNING');
  }

  stopPipeline(name: string): Promise<Pipeline> {
    return this.setPipelineState(name, 'STOPPED');
  }

  private setPipelineState(name: string, state: PipelineRecord['state']): Promise<Pipeline> {
    return this.serial(async () => {
      const p = this.mustPipeline(name);
      if (p.deleting) throw failedPrecondition(`pipeline ${name} is being deleted`);
      if (p.state !== state) {
        const next = { ...p, state, updatedAtMs: this.o.now() };
        await this.persist([{ kind: 'pipeline', name, value: next }]);
        this.pipelines.set(name, next);
        for (const t of this.tasksOf(name)) {
          if (t.owner && t.state !== 'REVOKING')
            this.sendTo(t.owner, {
              body: {
                $case: 'setPaused',
                value: {
                  task: { pipeline: name, taskIndex: t.index },
                  epoch: t.epoch,
                  paused: state === 'PAUSED',
                },
              },
            });
        }
        this.o.log(`pipeline ${name}: ${p.state} -> ${state}`);
        await this.reconcile(`${name} ${state}`);
      }
      return this.pipelineMessage(this.mustPipeline(name));
    });
  }

  /** Stops the pipeline, waits for its tasks to be released, then forgets it (topics kept). */
  async deletePipeline(name: string, timeoutMs = 60_000): Promise<void> {
    await this.serial(async () => {
      const p = this.mustPipeline(name);
      if (p.rollout)
        throw failedPrecondition(`pipeline ${name} has a rollout in progress (${p.rollout}); abort it first`);
      const next = { ...p, state: 'STOPPED' as const, deleting: true, updatedAtMs: this.o.now() };
      await this.persist([{ kind: 'pipeline', name, value: next }]);
      this.pipelines.set(name, next);
      await this.reconcile(`delete ${name}`);
    });
    const deadline = this.o.now() + timeoutMs;
    while (this.tasksOf(name).some((t) => t.owner)) {
      if (this.o.now() > deadline)
        throw new ControlError(
          'UNAVAILABLE',
          `pipeline ${name}: tasks not released within ${timeoutMs} ms; retry DeletePipeline`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.serial(async () => {
      const p = this.pipelines.get(name);
      if (!p) return;
      // Every task committed or aborted and released: the offsets group goes, so a pipeline created
      // again under this name starts afresh. The task transactional ids have no open transaction;
      // the broker expires them (transactional.id.expiration.ms).
      for (const group of this.offsetsGroups(p)) await this.o.topics.deleteGroup(group);
      const changes: StateChange[] = [{ kind: 'pipeline', name, value: null }];
      for (const t of this.tasksOf(name))
        changes.push({ kind: 'assignment', key: taskKey(name, t.index), value: null });
      await this.persist(changes);
      for (const t of this.tasksOf(name)) this.tasks.delete(taskKey(name, t.index));
      this.health.forgetPipeline(name);
      this.pipelines.delete(name);
      this.o.log(`pipeline ${name} deleted`);
      this.emit('change', `delete ${name}`);
    });
  }

  /** Status with offsets and lag read from Kafka. */
  async pipelineStatus(name: string): Promise<GetPipelineStatusResponse> {
    let p = this.mustPipeline(name);
    const byPartition = new Map((await this.partitionStatus(p)).map((x) => [x.partition, x]));
    // More partitions than the pipeline knows: added after creation; pick them up now.
    if (byPartition.size > p.inputPartitions) {
      await this.checkInputPartitions();
      p = this.mustPipeline(name);
    }
    const now = this.o.now();
    const tasks: TaskStatus[] = [];
    for (let i = 0; i < p.spec.tasks; i++) {
      const t = this.tasks.get(taskKey(name, i));
      const partitions = taskPartitions(i, p.spec.tasks, p.inputPartitions).map(
        (partition) => byPartition.get(partition) ?? { partition, committedOffset: -1, endOffset: 0, lag: 0 },
      );
      const lag = partitions.reduce((a, x) => a + x.lag, 0);
      const recent = (t?.recent ?? []).filter((r) => now - r.at <= RATE_WINDOW_MS);
      const span = Math.max(1, Math.min(RATE_WINDOW_MS, now - (recent[0]?.at ?? now))) / 1000;
      tasks.push({
        taskIndex: i,
        transactionalId: this.names.transactionalId(name, i),
        ownerWorkerId: t?.owner ?? '',
        epoch: t?.epoch ?? 0,
        state: this.taskStateOf(p, t),
        partitions,
        lastCommitAtMs: t?.lastCommitAt ?? 0,
        commitsPerSecond: recent.reduce((a, r) => a + r.commits, 0) / span,
        recordsPerSecond: recent.reduce((a, r) => a + r.records, 0) / span,
        lag,
        recordsCommitted: t?.recordsTotal ?? 0,
        specVersion: t?.specVersion ?? p.specVersion,
        ...this.health.view(taskKey(name, i), now),
        quarantined: quarantineFor(p, taskPartitions(i, p.spec.tasks, p.inputPartitions)),
        reason: this.taskStateOf(p, t) === TaskState.PENDING ? (t?.pending ?? '') : '',
      });
    }
    // Every input partition counts, owned by a running task or not (and partitions added after creation).
    const total = [...byPartition.values()].reduce((a, x) => a + x.lag, 0);
    return { pipeline: this.pipelineMessage(p), tasks, epoch: this.epoch, lag: total };
  }

  listWorkers(): Worker[] {
    return [...this.workers.values()]
      .filter((w) => w.connectedAt > 0 || w.state !== 'DEAD')
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((w) => this.workerMessage(w));
  }

  getWorker(id: string): Worker {
    const w = this.workers.get(id);
    if (!w) throw notFound(`worker ${id} is not known`);
    return this.workerMessage(w);
  }

  /** Starts draining a worker: no new tasks, its tasks revoked a few at a time. */
  drainWorker(id: string, o: { deadlineMs?: number; maxConcurrent?: number } = {}): Promise<Worker> {
    return this.serial(async () => {
      if (!id) throw invalid('workerId', 'is required');
      checkDrainOptions(o);
      const w = this.workers.get(id);
      if (!w) throw notFound(`worker ${id} is not known`);
      if (w.state === 'DEAD') throw failedPrecondition(`worker ${id} is dead; its tasks have moved already`);
      if (w.state === 'DRAINED') throw failedPrecondition(`worker ${id} is drained already`);
      const now = this.o.now();
      if (w.state !== 'DRAINING') {
        w.state = 'DRAINING';
        w.drain = {
          startedAt: now,
          deadlineAt: o.deadlineMs ? now + o.deadlineMs : 0,
          maxConcurrent: o.maxConcurrent || this.o.drainConcurrency,
          escalated: false,
        };
        this.o.log(
          `worker ${id} draining (${this.tasksOwnedBy(id).length} tasks${o.deadlineMs ? `, deadline ${o.deadlineMs} ms` : ''})`,
        );
      } else if (w.drain && o.deadlineMs) {
        w.drain.deadlineAt = now + o.deadlineMs; // a new deadline for a drain in progress
        w.drain.escalated = false;
      }
      await this.reconcile(`drain ${id}`);
      return this.workerMessage(w);
    });
  }

  /** Cancels a drain. */
  undrainWorker(id: string): Promise<Worker> {
    return this.serial(async () => {
      const w = this.workers.get(id);
      if (!w) throw notFound(`worker ${id} is not known`);
      if (w.state !== 'DRAINING') throw failedPrecondition(`worker ${id} is not draining (state ${w.state})`);
      w.state = 'ACTIVE';
      w.drain = undefined;
      this.o.log(`worker ${id} undrained`);
      await this.reconcile(`undrain ${id}`);
      return this.workerMessage(w);
    });
  }

  /** Committed offset, end offset and lag per input partition. */
  async pipelineOffsets(name: string): Promise<PipelineOffsetsResponse> {
    const p = this.mustPipeline(name);
    return { name, partitions: await this.partitionStatus(p) };
  }

  /** Moves the committed offsets of a stopped pipeline (all tasks released). */
  resetPipelineOffsets(req: ResetPipelineOffsetsRequest): Promise<PipelineOffsetsResponse> {
    return this.serial(async () => {
      const p = this.mustPipeline(req.name);
      if (p.state !== 'STOPPED')
        throw failedPrecondition(`pipeline ${req.name} is ${p.state}; stop it before resetting offsets`);
      const owned = this.tasksOf(req.name).filter((t) => t.owner);
      if (owned.length)
        throw failedPrecondition(
          `pipeline ${req.name} still has ${owned.length} task(s) being released; retry shortly`,
        );
      const topic = p.spec.inputTopic;
      const [low, high] = await Promise.all([
        this.o.topics.earliestOffsets(topic),
        this.o.topics.endOffsets(topic),
      ]);
      let target: Map<number, number>;
      const t = req.target;
      if (!t) throw invalid('target', 'one of earliest, latest, timestampMs or explicit is required');
      switch (t.$case) {
        case 'earliest':
          target = low;
          break;
        case 'latest':
          target = high;
          break;
        case 'timestampMs':
          checkInt('timestampMs', t.value, LIMITS.timestampMs, false);
          target = await this.o.topics.offsetsForTimestamp(topic, t.value);
          break;
        case 'explicit': {
          target = new Map();
          if (t.value.offsets.length === 0) throw invalid('explicit.offsets', 'name at least one partition');
          for (const o of t.value.offsets) {
            checkInt('explicit.offsets.partition', o.partition, LIMITS.partition, false);
            checkInt('explicit.offsets.offset', o.offset, LIMITS.offset, false);
            const lo = low.get(o.partition);
            const hi = high.get(o.partition);
            if (lo === undefined || hi === undefined)
              throw invalid('explicit.offsets', `partition ${o.partition} does not exist in ${topic}`);
            if (o.offset < lo || o.offset > hi)
              throw invalid(
                'explicit.offsets',
                `offset ${o.offset} for partition ${o.partition} is outside [${lo}, ${hi}]`,
              );
            target.set(o.partition, o.offset);
          }
          break;
        }
      }
      // One transaction per offsets group (one group, or one per task at least once).
      const byGroup = new Map<string, Map<number, number>>();
      for (const [partition, offset] of target) {
        const group = this.offsetsGroupOf(p, partition);
        if (!byGroup.has(group)) byGroup.set(group, new Map());
        byGroup.get(group)!.set(partition, offset);
      }
      for (const [group, offsets] of byGroup)
        await this.o.topics.commitOffsetsInTransaction(
          this.names.offsetsResetTransactionalId(req.name),
          group,
          topic,
          offsets,
        );
      this.o.log(`pipeline ${req.name}: offsets reset (${t.$case}) to ${JSON.stringify([...target])}`);
      this.statusCache.invalidate(req.name);
      return { name: req.name, partitions: await this.partitionStatus(p) };
    });
  }

  /** Appends to the audit trail (durable). Failures to persist are logged, not thrown. */
  async recordAudit(e: Omit<AuditEntry, 'seq' | 'atMs'>): Promise<void> {
    const entry: AuditEntry = { ...e, seq: ++this.auditSeq, atMs: this.o.now() };
    this.audit.push(entry);
    // Retention: the newest `auditRetention` records; older ones are deleted (tombstones, which
    // compaction removes), so neither memory nor the state topic grows with the trail.
    const changes: StateChange[] = [{ kind: 'audit', value: entry }];
    while (this.audit.length > this.o.auditRetention)
      changes.push({ kind: 'auditDelete', seq: (this.audit.shift() as AuditEntry).seq });
    await this.serial(() => this.persist(changes)).catch((err: unknown) =>
      this.o.log(`audit not persisted: ${(err as Error).message}`),
    );
  }

  auditRecords(limit = 100): AuditRecord[] {
    return this.audit
      .slice(-(limit || 100))
      .reverse()
      .map((a) => ({
        atMs: a.atMs,
        actor: a.actor,
        action: a.action,
        target: a.target,
        detail: a.detail,
        outcome: a.outcome,
      }));
  }

  /** Where the committed offsets of an input partition live (the task's own group at least once). */
  private offsetsGroupOf(p: PipelineRecord, partition: number): string {
    return guaranteeOf(p.spec) === 'at-least-once'
      ? atLeastOnceGroupOf(p.consumerGroup, partition % p.spec.tasks) // partition p belongs to task p mod tasks
      : p.consumerGroup;
  }

  /** Every group holding the pipeline's committed offsets. */
  private offsetsGroups(p: PipelineRecord): string[] {
    return guaranteeOf(p.spec) === 'at-least-once'
      ? Array.from({ length: p.spec.tasks }, (_, t) => atLeastOnceGroupOf(p.consumerGroup, t))
      : [p.consumerGroup];
  }

  /** Offsets and lag per input partition, read from Kafka at most once per `statusCacheMs` per pipeline. */
  private partitionStatus(p: PipelineRecord): Promise<PartitionStatus[]> {
    return this.statusCache.get(p.spec.name, () => this.readPartitionStatus(p));
  }

  private async readPartitionStatus(p: PipelineRecord): Promise<PartitionStatus[]> {
    const groups = this.offsetsGroups(p);
    const [ends, ...perGroup] = await Promise.all([
      this.o.topics.endOffsets(p.spec.inputTopic),
      ...groups.map((g) => this.o.topics.committedOffsets(g, p.spec.inputTopic)),
    ]);
    const committedIn = new Map(groups.map((g, i) => [g, perGroup[i]!]));
    return [...ends]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, end]) => {
        const c = committedIn.get(this.offsetsGroupOf(p, partition))?.get(partition) ?? -1;
        return { partition, committedOffset: c, endOffset: end, lag: Math.max(0, end - Math.max(c, 0)) };
      });
  }

  /**
   * Input partitions added after a pipeline was created: the pipeline's partition count grows
   * (durably), and each task that owns a new partition (p mod tasks) is restarted through a
   * graceful revoke and assigned again, under a new epoch, with its full partition list. A new
   * partition has no committed offset, so its task reads it from the beginning: nothing written to
   * it is skipped. Checks run one at a time (a poll and a status read share one).
   */
  checkInputPartitions(): Promise<void> {
    this.partitionCheck ??= this.readInputPartitions().finally(() => (this.partitionCheck = undefined));
    return this.partitionCheck;
  }

  private async readInputPartitions(): Promise<void> {
    const grown: [string, number][] = [];
    for (const p of [...this.pipelines.values()]) {
      if (p.deleting) continue;
      const n = await this.o.topics.partitions(p.spec.inputTopic).catch(() => undefined);
      if (n !== undefined && n > p.inputPartitions) grown.push([p.spec.name, n]);
    }
    if (grown.length === 0) return;
    await this.serial(async () => {
      for (const [name, n] of grown) {
        const p = this.pipelines.get(name);
        if (!p || n <= p.inputPartitions) continue;
        const next: PipelineRecord = { ...p, inputPartitions: n, updatedAtMs: this.o.now() };
        await this.persist([{ kind: 'pipeline', name, value: next }]);
        this.pipelines.set(name, next);
        this.statusCache.invalidate(name);
        const affected = new Set<number>();
        for (let part = p.inputPartitions; part < n; part++) affected.add(part % p.spec.tasks);
        for (const i of affected) {
          const t = this.tasks.get(taskKey(name, i));
          if (t?.owner) t.restart = true; // revoke, release, assign again with every partition
        }
        this.o.log(
          `pipeline ${name}: input ${p.spec.inputTopic} grew from ${p.inputPartitions} to ${n} partitions; tasks ${[...affected].join(', ')} restart with them`,
        );
      }
      await this.reconcile('input partitions added');
    }).catch((err: unknown) => this.o.log(`input partition check failed: ${(err as Error).message}`));
  }

  /** Counts for the controller's /metrics. */
  metricsSnapshot(): {
    epoch: number;
    workers: Record<string, number>;
    tasks: Record<string, number>;
    pipelines: Record<string, number>;
    recordsCommitted: number;
    activeRollouts: number;
    heartbeats: number;
  } {
    const count = <T>(xs: Iterable<T>, key: (x: T) => string) => {
      const out: Record<string, number> = {};
      for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
      return out;
    };
    return {
      epoch: this.epoch,
      workers: count(this.workers.values(), (w) => w.state),
      tasks: count(this.tasks.values(), (t) => (t.owner ? t.state : 'UNASSIGNED')),
      pipelines: count(this.pipelines.values(), (p) => p.state),
      recordsCommitted: [...this.tasks.values()].reduce((a, t) => a + t.recordsTotal, 0),
      activeRollouts: this.activeRollouts().length,
      heartbeats: this.heartbeatsTotal,
    };
  }

  // ---- rollouts (driven by the rollout job; see rollout-runner.ts) ----

  private specOf(p: PipelineRecord, version: number): ValidSpec {
    return version === p.specVersion ? p.spec : (p.versions?.[String(version)] ?? p.spec);
  }

  /**
   * Validates an updated spec and registers it as the pipeline's next version; the rollout job
   * then moves tasks to it. Returns the versions involved.
   */
  beginUpdate(
    spec: SpecInput | undefined,
  ): Promise<{ pipeline: string; fromVersion: number; toVersion: number }> {
    return this.serial(async () => {
      const { name, p, v } = this.checkUpdate(spec);
      const toVersion = Math.max(p.specVersion, ...Object.keys(p.versions ?? {}).map(Number)) + 1;
      const next: PipelineRecord = {
        ...p,
        versions: { ...(p.versions ?? {}), [String(toVersion)]: v },
        updatedAtMs: this.o.now(),
      };
      await this.persist([{ kind: 'pipeline', name, value: next }]);
      this.pipelines.set(name, next);
      return { pipeline: name, fromVersion: p.specVersion, toVersion };
    });
  }

  /** Everything UpdatePipeline checks before it changes anything (also before the rollout queue is asked). */
  checkUpdate(spec: SpecInput | undefined): { name: string; p: PipelineRecord; v: ValidSpec } {
    const name = spec?.name ?? '';
    const p = this.mustPipeline(name);
    const v = validateSpec(spec, {
      registry: this.o.registry,
      announced: this.announced(),
      inputPartitions: p.inputPartitions,
      topicRules: this.topicRules(),
    });
    if (v.inputTopic !== p.spec.inputTopic)
      throw invalid('spec.inputTopic', `cannot change in an update (is "${p.spec.inputTopic}")`);
    if (v.outputTopic !== p.spec.outputTopic)
      throw invalid('spec.outputTopic', `cannot change in an update (is "${p.spec.outputTopic}")`);
    if (v.tasks !== p.spec.tasks)
      throw invalid('spec.tasks', `cannot change in an update (is ${p.spec.tasks})`);
    if (v.guarantee !== guaranteeOf(p.spec))
      throw invalid('spec.guarantee', `cannot change in an update (is ${guaranteeOf(p.spec)})`);
    if (p.rollout)
      throw failedPrecondition(`pipeline ${name} has a rollout in progress (${p.rollout}); one at a time`);
    if (p.deleting || p.state === 'STOPPED')
      throw failedPrecondition(`pipeline ${name} is ${p.deleting ? 'being deleted' : 'STOPPED'}`);
    const key = transformKey(v.transform.name, v.transform.version);
    const capable = [...this.workers.values()].filter(
      (w) => w.state === 'ACTIVE' && w.channel && w.transforms.has(key),
    );
    if (capable.length === 0)
      throw failedPrecondition(`no active worker can run ${key}; start workers that announce it first`);
    return { name, p, v };
  }

  /** Stores a new rollout record (durable) and links it to its pipeline while it is active. */
  saveRollout(r: RolloutRecord): Promise<RolloutRecord> {
    return this.updateRollout(r.id, () => r, true);
  }

  /**
   * Changes a rollout record inside the controller's one-at-a-time section, from its current
   * value, so an operator's request and the job's progress never overwrite each other.
   */
  updateRollout(
    id: string,
    change: (current: RolloutRecord) => RolloutRecord,
    create = false,
  ): Promise<RolloutRecord> {
    return this.serial(async () => {
      const cur = this.rollouts.get(id);
      if (!cur && !create) throw notFound(`rollout ${id} does not exist`);
      if (cur && isFinishedRollout(cur.state)) return cur; // final
      const rec = { ...change(cur as RolloutRecord), updatedAtMs: this.o.now() };
      const changes: StateChange[] = [{ kind: 'rollout', value: rec }];
      this.rollouts.set(id, rec);
      changes.push(...this.pruneRollouts());
      if (cur) this.rollouts.set(id, cur);
      else this.rollouts.delete(id);
      const p = this.pipelines.get(rec.pipeline);
      if (p && !isFinishedRollout(rec.state) && p.rollout !== rec.id) {
        const next = { ...p, rollout: rec.id };
        changes.push({ kind: 'pipeline', name: p.spec.name, value: next });
        this.pipelines.set(p.spec.name, next);
      }
      await this.persist(changes);
      this.rollouts.set(id, rec);
      for (const c of changes) if (c.kind === 'rolloutDelete') this.rollouts.delete(c.id);
      this.emit('change', `rollout ${id}`);
      return rec;
    });
  }

  /**
   * Retention of rollout records: every active one, and the newest `finishedRolloutsRetention`
   * finished ones; returns the deletions for the others (the caller persists them).
   */
  private pruneRollouts(): StateChange[] {
    const finished = [...this.rollouts.values()]
      .filter((r) => isFinishedRollout(r.state))
      .sort((a, b) => b.updatedAtMs - a.updatedAtMs || b.createdAtMs - a.createdAtMs);
    return finished
      .slice(this.o.finishedRolloutsRetention)
      .map((r) => ({ kind: 'rolloutDelete' as const, id: r.id }));
  }

  getRolloutRecord(id: string): RolloutRecord {
    const r = this.rollouts.get(id);
    if (!r) throw notFound(`rollout ${id} does not exist`);
    return r;
  }

  listRolloutRecords(pipeline?: string): RolloutRecord[] {
    return [...this.rollouts.values()]
      .filter((r) => !pipeline || r.pipeline === pipeline)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** Rollouts not finished (for re-enqueueing after a controller or Redis restart). */
  activeRollouts(): RolloutRecord[] {
    return [...this.rollouts.values()].filter((r) => !isFinishedRollout(r.state));
  }

  /** Tasks of a pipeline, for the rollout job. */
  taskIndexes(pipeline: string): number[] {
    return Array.from({ length: this.mustPipeline(pipeline).spec.tasks }, (_, i) => i);
  }

  /** Moves one task to a spec version: its owner commits and releases it, then it starts again on that version. No-op when it runs that version already. */
  setTaskVersion(pipeline: string, index: number, version: number): Promise<void> {
    return this.serial(async () => {
      const t = this.tasks.get(taskKey(pipeline, index));
      if (!t || t.specVersion === version) return;
      t.specVersion = version;
      if (t.owner) t.restart = true;
      await this.persist([
        {
          kind: 'assignment',
          key: taskKey(pipeline, index),
          value: { owner: t.owner, epoch: t.epoch, specVersion: version },
        },
      ]);
      await this.reconcile(`task ${pipeline}/${index} -> spec ${version}`);
    });
  }

  /** What a health gate needs to know about a task. */
  taskHealth(
    pipeline: string,
    index: number,
  ): { specVersion: number; running: boolean; commits: number; deadLettered: number; owner: string } {
    const t = this.tasks.get(taskKey(pipeline, index));
    if (!t) return { specVersion: 0, running: false, commits: 0, deadLettered: 0, owner: '' };
    return {
      specVersion: t.specVersion,
      running: !!t.owner && !t.restart && t.state === 'PROCESSING',
      commits: t.gate.commits,
      deadLettered: t.gate.deadLettered,
      owner: t.owner ?? '',
    };
  }

  /** Input lag per task (sum over its partitions), read from Kafka once for the whole pipeline. */
  async taskLags(pipeline: string): Promise<Map<number, number>> {
    const p = this.mustPipeline(pipeline);
    const lags = new Map<number, number>();
    for (const x of await this.partitionStatus(p)) {
      const task = x.partition % p.spec.tasks; // partition p belongs to task p mod tasks
      lags.set(task, (lags.get(task) ?? 0) + x.lag);
    }
    return lags;
  }

  /** The rollout succeeded: the new version becomes the pipeline's spec. */
  completeUpdate(pipeline: string, toVersion: number): Promise<void> {
    return this.serial(async () => {
      const p = this.mustPipeline(pipeline);
      const spec = p.versions?.[String(toVersion)];
      if (!spec) return;
      const next: PipelineRecord = {
        ...p,
        spec,
        specVersion: toVersion,
        versions: undefined,
        rollout: undefined,
        updatedAtMs: this.o.now(),
      };
      await this.persist([{ kind: 'pipeline', name: pipeline, value: next }]);
      this.pipelines.set(pipeline, next);
      this.o.log(`pipeline ${pipeline} now runs spec version ${toVersion}`);
    });
  }

  /** The rollout failed or was aborted (every task back on the old version): forget the new version. */
  cancelUpdate(pipeline: string, toVersion: number): Promise<void> {
    return this.serial(async () => {
      const p = this.pipelines.get(pipeline);
      if (!p) return;
      const versions = { ...(p.versions ?? {}) };
      delete versions[String(toVersion)];
      const next: PipelineRecord = {
        ...p,
        versions: Object.keys(versions).length ? versions : undefined,
        rollout: undefined,
        updatedAtMs: this.o.now(),
      };
      await this.persist([{ kind: 'pipeline', name: pipeline, value: next }]);
      this.pipelines.set(pipeline, next);
    });
  }

  // ---- worker sessions ----

  /** A worker opened a session with Hello. Returns a session handle for later messages. */
  hello(h: Hello, channel: WorkerChannel): Promise<number> {
    return this.serial(async () => {
      if (!h.workerId) throw invalid('hello.workerId', 'is required');
      checkHello(h);
      const now = this.o.now();
      const prev = this.workers.get(h.workerId);
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
      this.workers.set(w.id, w);
      channel.send({
        body: {
          $case: 'welcome',
          value: {
            leaseMs: this.o.leaseMs,
            heartbeatIntervalMs: this.o.heartbeatIntervalMs,
            epoch: this.epoch,
          },
        },
      });
      this.o.log(
        `worker ${w.id} connected (${h.running.length} running tasks, capacity ${w.capacity}, ${[...w.transforms].join(' ')})`,
      );

      const changes: StateChange[] = [];
      const running = new Set<string>();
      for (const r of h.running) {
        if (!r.task) continue;
        const key = taskKey(r.task.pipeline, r.task.taskIndex);
        running.add(key);
        const t = this.tasks.get(key);
        const p = this.pipelines.get(r.task.pipeline);
        if (t && t.owner === w.id) {
          if (t.state === 'REVOKING') this.sendRevoke(t, true);
          else if (p && r.specVersion !== t.specVersion)
            this.sendAssign(t); // runs an old spec: restart it on the current one
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
          t.epoch = ++this.epoch;
          t.state = 'PROCESSING';
          changes.push(
            { kind: 'assignment', key, value: { owner: w.id, epoch: t.epoch, specVersion: t.specVersion } },
            { kind: 'epoch', value: this.epoch },
          );
        } else {
          // Someone else owns it, or it no longer exists: stop it the fast way.
          channel.send({
            body: { $case: 'revoke', value: { task: r.task, epoch: this.epoch, graceful: false } },
          });
        }
      }
      await this.persist(changes);
      for (const c of changes)
        if (c.kind === 'assignment') this.sendAssign(this.tasks.get(c.key) as TaskRecord);
      // Tasks this worker owns but does not run: it restarted, or it released them while the
      // controller was away (that report was lost). They are unowned now; reconcile assigns them
      // afresh under a new epoch (a worker ignores a re-sent assign at the epoch it was revoked at).
      // A new process under the same id (pid changed, the old one not yet declared dead): its tasks died with the old one.
      const restarted = !!prev && prev.pid !== h.pid && prev.state !== 'DEAD';
      await this.persist(
        this.tasksOwnedBy(w.id)
          .filter((t) => !running.has(taskKey(t.pipeline, t.index)))
          .flatMap((t) => [
            ...(restarted
              ? this.ownerDied(t, `worker ${w.id} restarted (pid ${prev?.pid} -> ${h.pid})`)
              : []),
            this.unassign(t),
          ]),
      );
      this.requestReconcile(`hello ${w.id}`);
      return session;
    });
  }

  heartbeat(workerId: string, session: number): void {
    const w = this.workers.get(workerId);
    if (w && w.session === session) {
      w.lastHeartbeatAt = this.o.now();
      this.heartbeatsTotal++;
    }
  }

  /** The session stream ended; the lease decides when the worker is dead. */
  disconnected(workerId: string, session: number): void {
    const w = this.workers.get(workerId);
    if (w && w.session === session) {
      w.channel = undefined;
      w.disconnectedAt = this.o.now();
      this.o.log(`worker ${workerId} disconnected`);
      this.emit('change', `disconnect ${workerId}`);
      // The periodic tick is too coarse for the grace: look again right after it ends.
      const timer = setTimeout(() => {
        if (this.timer) void this.tick();
      }, this.o.disconnectGraceMs + 10);
      timer.unref();
    }
  }

  /** Whether `session` is the worker's current session (reports from any other do not count). */
  private fromCurrentSession(workerId: string, session: number | undefined): boolean {
    return session === undefined || this.workers.get(workerId)?.session === session;
  }

  commits(workerId: string, commits: TaskCommit[], session?: number): void {
    if (!this.fromCurrentSession(workerId, session)) return;
    const now = this.o.now();
    for (const c of commits) {
      if (!c.task) continue;
      const t = this.tasks.get(taskKey(c.task.pipeline, c.task.taskIndex));
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
        this.health.committed(taskKey(t.pipeline, t.index), c.records, c.offsets);
        t.gate.commits++;
        t.gate.deadLettered += c.deadLettered;
      }
    }
    if (commits.length) this.emit('change', 'commits');
  }

  started(workerId: string, s: TaskStarted, session?: number): void {
    if (!s.task || !this.fromCurrentSession(workerId, session)) return;
    const t = this.tasks.get(taskKey(s.task.pipeline, s.task.taskIndex));
    if (t && t.owner === workerId && t.state === 'STARTING') {
      t.state = 'PROCESSING';
      this.emit('change', 'started');
    }
  }

  released(workerId: string, r: TaskReleased, session?: number): Promise<void> {
    return this.serial(async () => {
      if (!r.task || !this.fromCurrentSession(workerId, session)) return;
      const key = taskKey(r.task.pipeline, r.task.taskIndex);
      const t = this.tasks.get(key);
      if (!t || t.owner !== workerId || r.epoch !== t.epoch) return; // stale: an earlier assignment's
      await this.persist([this.unassign(t)]);
      this.o.log(`task ${key} released by ${workerId}`);
      this.requestReconcile(`released ${key}`);
    });
  }

  lost(workerId: string, l: TaskLost, session?: number): Promise<void> {
    return this.serial(async () => {
      if (!l.task || !this.fromCurrentSession(workerId, session)) return;
      const key = taskKey(l.task.pipeline, l.task.taskIndex);
      const t = this.tasks.get(key);
      this.o.log(
        `task ${key} lost on ${workerId}: ${l.reason === LossReason.FENCED ? 'fenced' : 'failed'}: ${l.message}`,
      );
      if (!t || t.owner !== workerId || l.epoch !== t.epoch) return;
      if (l.reason === LossReason.FAILED) t.notBefore = this.health.failed(key, l.message, this.o.now());
      await this.persist([this.unassign(t)]);
      this.requestReconcile(`lost ${key}`);
    });
  }

  /** Careful mode: the owner of a task is about to transform this record. */
  inFlight(workerId: string, m: RecordInFlight): void {
    if (!m.task) return;
    const key = taskKey(m.task.pipeline, m.task.taskIndex);
    const t = this.tasks.get(key);
    if (t && t.owner === workerId && t.epoch === m.epoch)
      this.health.inFlight(key, m.epoch, m.partition, m.offset, m.done);
    if (m.done) return;
    // Acknowledged either way: the worker waits for it before calling the transform (a process
    // that crashes right after a write may never have flushed it; the ack proves it arrived).
    this.sendTo(workerId, { body: { $case: 'inFlightAck', value: m } });
  }

  /** A running task reports a problem it is working through (or that it is over). */
  problem(workerId: string, m: TaskProblem): void {
    if (!m.task) return;
    const key = taskKey(m.task.pipeline, m.task.taskIndex);
    const t = this.tasks.get(key);
    if (!t || t.owner !== workerId || t.epoch !== m.epoch) return;
    this.health.problem(key, m.message);
    this.emit('change', `problem ${key}`);
  }

  /**
   * The owner of `t` died under it. Returns the durable change when that quarantines a record
   * (the pipeline record carries the quarantine; the next Assign hands it to the new owner).
   */
  private ownerDied(t: TaskRecord, why: string): StateChange[] {
    const key = taskKey(t.pipeline, t.index);
    const q = this.health.ownerDied(key, t.epoch, why);
    const p = this.pipelines.get(t.pipeline);
    if (!q || !p) return [];
    this.o.log(`task ${key}: input partition ${q.partition} offset ${q.offset} ${q.reason}`);
    const next = withQuarantined(p, { ...q, atMs: this.o.now() });
    this.pipelines.set(p.spec.name, next);
    return [{ kind: 'pipeline', name: p.spec.name, value: next }];
  }

  // ---- the loop ----

  /** Dead, or drained and gone, for longer than `forgetWorkerAfterMs`, holding nothing. */
  private forgettable(w: WorkerRecord, now: number): boolean {
    return (
      (w.state === 'DEAD' || w.state === 'DRAINED') &&
      !w.channel &&
      now - w.lastHeartbeatAt > this.o.forgetWorkerAfterMs &&
      this.tasksOwnedBy(w.id).length === 0
    );
  }

  private async tick(): Promise<void> {
    const now = this.o.now();
    if ([...this.workers.values()].some((w) => this.forgettable(w, now)))
      await this.serial(async () => {
        for (const w of [...this.workers.values()]) {
          if (!this.forgettable(w, this.o.now())) continue;
          this.workers.delete(w.id);
          this.o.log(`worker ${w.id} forgotten (${w.state} for over ${this.o.forgetWorkerAfterMs} ms)`);
          this.emit('change', `forgot ${w.id}`);
        }
      });
    const due =
      [...this.workers.values()].some(
        (w) =>
          (w.state !== 'DEAD' && w.state !== 'DRAINED' && this.leaseExpired(w, now)) ||
          this.drainOverdue(w, now),
      ) ||
      [...this.tasks.values()].some(
        (t) => this.revokeOverdue(t, now) || (t.notBefore !== undefined && t.notBefore <= now),
      ) ||
      (this.retryReconcileAt !== undefined && this.retryReconcileAt <= now);
    if (due)
      await this.serial(() => this.reconcile('tick')).catch((err: unknown) =>
        this.o.log(`reconcile failed: ${(err as Error).message}`),
      );
  }

  /** Places every task and acts on the difference. Runs inside `serial`. */
  private async reconcile(reason: string): Promise<void> {
    const now = this.o.now();
    this.retryReconcileAt = undefined;
    const changes: StateChange[] = [];
    const toAssign: TaskRecord[] = [];

    // Dead workers: lease expired. Their tasks move at once (fencing stops a zombie).
    for (const w of this.workers.values()) {
      if (w.state === 'DEAD' || !this.leaseExpired(w, now)) continue;
      w.channel?.close();
      w.channel = undefined;
      if (w.state === 'DRAINED') continue; // drained and gone: nothing to move
      w.state = 'DEAD';
      const why =
        w.disconnectedAt !== undefined
          ? `session closed ${now - w.disconnectedAt} ms ago and not back`
          : `no heartbeat for ${now - w.lastHeartbeatAt} ms`;
      this.o.log(`worker ${w.id} dead (${why})`);
      for (const t of this.tasksOwnedBy(w.id))
        changes.push(...this.ownerDied(t, `worker ${w.id} dead (${why})`), this.unassign(t));
    }
    // Forced revokes.
    for (const t of this.tasks.values()) {
      if (this.revokeOverdue(t, now)) {
        this.o.log(
          `task ${taskKey(t.pipeline, t.index)}: revoke unanswered for ${this.o.revokeTimeoutMs} ms; moving it anyway`,
        );
        changes.push(this.unassign(t));
      }
      if (t.notBefore !== undefined && t.notBefore <= now) t.notBefore = undefined;
    }
    // Drains past their deadline: stop the remaining tasks the fast way (abort in flight).
    for (const w of this.workers.values()) {
      if (!this.drainOverdue(w, now)) continue;
      (w.drain as NonNullable<WorkerRecord['drain']>).escalated = true;
      this.o.log(`worker ${w.id}: drain deadline passed; stopping its remaining tasks the fast way`);
      for (const t of this.tasksOwnedBy(w.id)) this.sendRevoke(t, false);
    }
    // Tasks that should exist.
    for (const p of this.pipelines.values()) {
      for (let i = 0; i < p.spec.tasks; i++) {
        const key = taskKey(p.spec.name, i);
        if (!this.tasks.has(key))
          this.tasks.set(key, this.newTask(p.spec.name, i, undefined, 0, 'UNASSIGNED'));
      }
    }

    // Placement over connected, active workers; tasks of stopped pipelines go nowhere.
    const workers: PlacementWorker[] = [...this.workers.values()].map((w) => ({
      id: w.id,
      capacity: w.capacity,
      transforms: w.transforms,
      eligible: w.state === 'ACTIVE' && w.channel !== undefined,
    }));
    const placeable: PlacementTask[] = [];
    const waiting = new Set<string>();
    for (const [key, t] of this.tasks) {
      const p = this.pipelines.get(t.pipeline);
      if (!p || p.state === 'STOPPED' || t.notBefore !== undefined) continue;
      const owner = t.owner ? this.workers.get(t.owner) : undefined;
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
      const ts = this.specOf(p, t.specVersion).transform;
      const revoking = t.state === 'REVOKING';
      placeable.push({
        key,
        transform: transformKey(ts.name, ts.version),
        owner: revoking && !t.restart ? undefined : t.owner,
        priority: revoking || t.epoch > 0,
      });
    }
    const placement = placeTasks(placeable, workers);
    this.notePending(placeable, placement, workers);

    for (const [key, t] of this.tasks) {
      if (waiting.has(key) || t.state === 'REVOKING') continue;
      const p = this.pipelines.get(t.pipeline);
      const target = p && p.state !== 'STOPPED' ? placement.get(key) : undefined;
      if (t.owner === target) {
        // Same owner, new spec version: it commits, releases and gets the task again.
        if (t.owner && t.restart) this.sendRevoke(t, true);
        continue;
      }
      if (t.owner) {
        // A live owner commits and releases first; the task is assigned when it reports released.
        const ow = this.workers.get(t.owner);
        if (ow?.state === 'DRAINING' && ow.drain) {
          const inFlight = this.tasksOwnedBy(ow.id).filter((x) => x.state === 'REVOKING').length;
          if (inFlight >= ow.drain.maxConcurrent) continue; // a few at a time
        }
        this.sendRevoke(t, true);
        continue;
      }
      if (target && t.notBefore === undefined) {
        t.owner = target;
        t.epoch = ++this.epoch;
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
    if (toAssign.length) changes.push({ kind: 'epoch', value: this.epoch });
    // Durable first: a restarted controller must know every owner it ever told.
    try {
      await this.persist(changes);
    } catch (err) {
      // Nobody was told: undo the assignments, and try again shortly (the tick asks for it).
      for (const t of toAssign) {
        t.owner = undefined;
        t.state = 'UNASSIGNED';
      }
      this.retryReconcileAt = now + 1_000;
      throw err;
    }
    for (const t of toAssign) this.sendAssign(t);
    // Drains with nothing left: the worker may exit.
    for (const w of this.workers.values()) {
      if (w.state === 'DRAINING' && this.tasksOwnedBy(w.id).length === 0) {
        w.state = 'DRAINED';
        this.o.log(`worker ${w.id} drained in ${now - (w.drain?.startedAt ?? now)} ms`);
        w.channel?.send({ body: { $case: 'drained', value: {} } });
        this.emit('change', `drained ${w.id}`);
      }
    }
    if (changes.length) {
      this.o.log(
        `reconcile (${reason}): epoch ${this.epoch}, ${toAssign.length} assigned, ${changes.length} changes persisted in ${this.o.now() - now} ms`,
      );
      this.emit('change', reason);
    }
  }

  /**
   * Tasks the placement left without a worker get a reason (status shows them PENDING, their
   * pipeline DEGRADED); the others lose theirs.
   */
  private notePending(placeable: PlacementTask[], placement: Placement, workers: PlacementWorker[]): void {
    const capable = new Map<string, boolean>();
    this.pendingByPipeline.clear();
    for (const t of this.tasks.values()) t.pending = undefined;
    for (const pt of placeable) {
      if (placement.get(pt.key) !== undefined) continue;
      const t = this.tasks.get(pt.key);
      if (!t || t.owner) continue;
      let any = capable.get(pt.transform);
      if (any === undefined) {
        any = workers.some((w) => w.eligible && w.transforms.has(pt.transform));
        capable.set(pt.transform, any);
      }
      t.pending = any
        ? `no worker with free capacity for ${pt.transform}`
        : `no active worker runs ${pt.transform}`;
      this.pendingByPipeline.set(t.pipeline, (this.pendingByPipeline.get(t.pipeline) ?? 0) + 1);
    }
  }

  private sendAssign(t: TaskRecord): void {
    const p = this.pipelines.get(t.pipeline);
    if (!p || !t.owner) return;
    const spec = this.specOf(p, t.specVersion);
    const a: Assign = {
      task: { pipeline: t.pipeline, taskIndex: t.index },
      epoch: t.epoch,
      transactionalId: this.names.transactionalId(t.pipeline, t.index),
      consumerGroup: p.consumerGroup,
      inputTopic: spec.inputTopic,
      partitions: taskPartitions(t.index, spec.tasks, p.inputPartitions),
      outputTopic: spec.outputTopic,
      deadLetterTopic: spec.deadLetterTopic,
      transform: {
        name: spec.transform.name,
        version: spec.transform.version,
        config: spec.transform.config,
      },
      specVersion: t.specVersion,
      paused: p.state === 'PAUSED',
      batching: spec.batching,
      guarantee: guaranteeToProto(guaranteeOf(spec)),
      careful: this.health.careful(taskKey(t.pipeline, t.index)),
      quarantined: quarantineFor(p, taskPartitions(t.index, spec.tasks, p.inputPartitions)),
    };
    this.sendTo(t.owner, { body: { $case: 'assign', value: a } });
  }

  private sendRevoke(t: TaskRecord, graceful: boolean): void {
    if (!t.owner) return;
    t.state = 'REVOKING';
    t.revokeSentAt = this.o.now();
    this.sendTo(t.owner, {
      body: {
        $case: 'revoke',
        value: { task: { pipeline: t.pipeline, taskIndex: t.index }, epoch: t.epoch, graceful },
      },
    });
  }

  private sendTo(workerId: string, msg: ControllerMessage): void {
    this.workers.get(workerId)?.channel?.send(msg);
  }

  // ---- views ----

  /** What output and dead-letter topics are checked against (topic-rules.ts). */
  private topicRules(): TopicRulesContext {
    return {
      stateTopic: this.o.stateTopic,
      pipelines: [...this.pipelines.values()].map((p) => ({
        name: p.spec.name,
        inputTopic: p.spec.inputTopic,
      })),
    };
  }

  private announced(): Set<string> {
    const s = new Set<string>();
    for (const w of this.workers.values()) if (w.state !== 'DEAD') for (const t of w.transforms) s.add(t);
    return s;
  }

  private mustPipeline(name: string): PipelineRecord {
    if (!name) throw invalid('name', 'is required');
    const p = this.pipelines.get(name);
    if (!p) throw notFound(`pipeline ${name} does not exist`);
    return p;
  }

  private tasksOwnedBy(workerId: string): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.owner === workerId);
  }

  /** Clears a task's owner; returns the durable change to persist. */
  private unassign(t: TaskRecord): StateChange {
    t.owner = undefined;
    t.state = 'UNASSIGNED';
    t.revokeSentAt = undefined;
    t.restart = false;
    return {
      kind: 'assignment',
      key: taskKey(t.pipeline, t.index),
      value: { epoch: t.epoch, specVersion: t.specVersion },
    };
  }

  // Time-based conditions, shared by `tick` (is a reconcile due?) and `reconcile` (act on them).
  /** Silence past the lease, or a closed session not reopened within the grace. */
  private leaseExpired(w: WorkerRecord, now: number): boolean {
    if (now - w.lastHeartbeatAt > this.o.leaseMs) return true;
    return !w.channel && w.disconnectedAt !== undefined && now - w.disconnectedAt > this.o.disconnectGraceMs;
  }

  private revokeOverdue(t: TaskRecord, now: number): boolean {
    return (
      t.state === 'REVOKING' && t.revokeSentAt !== undefined && now - t.revokeSentAt > this.o.revokeTimeoutMs
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

  private tasksOf(pipeline: string): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.pipeline === pipeline);
  }

  private newTask(
    pipeline: string,
    index: number,
    owner: string | undefined,
    epoch: number,
    state: TaskRecord['state'],
    specVersion = this.pipelines.get(pipeline)?.specVersion ?? 1,
  ): TaskRecord {
    return {
      pipeline,
      index,
      owner,
      epoch,
      state,
      lastCommitAt: 0,
      recordsTotal: 0,
      recent: [],
      specVersion,
      gate: { commits: 0, deadLettered: 0 },
    };
  }

  private taskStateOf(p: PipelineRecord, t: TaskRecord | undefined): TaskState {
    if (t?.pending && !t.owner && p.state === 'RUNNING') return TaskState.PENDING;
    if (!t || !t.owner) return TaskState.UNASSIGNED;
    if (t.state === 'REVOKING') return TaskState.REVOKING;
    if (p.state === 'PAUSED') return TaskState.SUSPENDED;
    return t.state === 'STARTING' ? TaskState.STARTING : TaskState.PROCESSING;
  }

  private pipelineMessage(p: PipelineRecord): Pipeline {
    const spec: PipelineSpec = {
      name: p.spec.name,
      inputTopic: p.spec.inputTopic,
      outputTopic: p.spec.outputTopic,
      tasks: p.spec.tasks,
      transform: {
        name: p.spec.transform.name,
        version: p.spec.transform.version,
        config: p.spec.transform.config,
      },
      deadLetterTopic: p.spec.deadLetterTopic,
      batching: p.spec.batching,
      guarantee: guaranteeToProto(guaranteeOf(p.spec)),
    };
    const pending = p.state === 'RUNNING' ? (this.pendingByPipeline.get(p.spec.name) ?? 0) : 0;
    return {
      spec,
      state: pending > 0 ? PipelineState.DEGRADED : PipelineState[p.state],
      tasksPending: pending,
      specVersion: p.specVersion,
      consumerGroup: p.consumerGroup,
      createdAtMs: p.createdAtMs,
      updatedAtMs: p.updatedAtMs,
    };
  }

  private workerMessage(w: WorkerRecord): Worker {
    const owned = this.tasksOwnedBy(w.id);
    return {
      workerId: w.id,
      host: w.host,
      capacity: w.capacity,
      transforms: [...w.transforms].map((t) => {
        const [name, version] = t.split('@');
        return { name: name as string, version: Number(version) };
      }),
      state: WorkerState[w.state],
      tasks: owned.map((t) => taskKey(t.pipeline, t.index)),
      lastHeartbeatAtMs: w.lastHeartbeatAt,
      connectedAtMs: w.connectedAt,
      pid: w.pid,
      drainDeadlineAtMs: w.state === 'DRAINING' ? (w.drain?.deadlineAt ?? 0) : 0,
      tasksLeft: owned.length,
    };
  }
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf('/');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}
