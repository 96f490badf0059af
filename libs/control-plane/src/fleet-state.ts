import { invalid, notFound } from './errors';
import type { PipelineRecord, StateChange, StoredState, WorkerChannel } from './ports';
import type { TopicRulesContext } from './topic-rules';
import type { ValidSpec } from './validation';

/** A task as the controller tracks it (its durable part is an `AssignmentRecord`). */
export interface TaskRecord {
  pipeline: string;
  index: number;
  owner?: string;
  epoch: number;
  state: 'UNASSIGNED' | 'STARTING' | 'PROCESSING' | 'REVOKING';
  revokeSentAt?: number;
  notBefore?: number;
  lastCommitAt: number;
  recordsTotal: number;
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

/** A worker as the controller tracks it (never durable: workers say Hello again). */
export interface WorkerRecord {
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

/** Commit and record rates are kept (and averaged) over this window. */
export const RATE_WINDOW_MS = 60_000;

export const taskKey = (pipeline: string, index: number): string => `${pipeline}/${index}`;

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf('/');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

/**
 * The controller's in-memory model: pipelines, tasks, workers and the assignment epoch, with the
 * lookups every part of the controller shares. Changed only inside the serial executor.
 */
export class FleetState {
  pipelines = new Map<string, PipelineRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly workers = new Map<string, WorkerRecord>();
  epoch = 0;
  /** Tasks per pipeline the last placement could not place (status: PENDING / DEGRADED). */
  readonly pendingByPipeline = new Map<string, number>();

  constructor(private readonly stateTopic: string) {}

  /**
   * Rebuilds pipelines, tasks and epoch from durable state. A worker named as an owner there is
   * alive until `aliveUntil` (one lease from now), to give it time to reconnect.
   */
  load(s: StoredState, aliveUntil: number): void {
    this.epoch = s.epoch;
    this.pipelines = s.pipelines;
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
          lastHeartbeatAt: aliveUntil,
          connectedAt: 0,
          pid: 0,
        });
      }
    }
  }

  mustPipeline(name: string): PipelineRecord {
    if (!name) throw invalid('name', 'is required');
    const p = this.pipelines.get(name);
    if (!p) throw notFound(`pipeline ${name} does not exist`);
    return p;
  }

  /** The spec a task on `version` runs (the pipeline's, or one a rollout registered). */
  specOf(p: PipelineRecord, version: number): ValidSpec {
    return version === p.specVersion ? p.spec : (p.versions?.[String(version)] ?? p.spec);
  }

  tasksOwnedBy(workerId: string): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.owner === workerId);
  }

  tasksOf(pipeline: string): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.pipeline === pipeline);
  }

  /** Clears a task's owner; returns the durable change to persist. */
  unassign(t: TaskRecord): StateChange {
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

  newTask(
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

  /** Transforms announced by workers that are not dead (`name@version`). */
  announced(): Set<string> {
    const s = new Set<string>();
    for (const w of this.workers.values()) if (w.state !== 'DEAD') for (const t of w.transforms) s.add(t);
    return s;
  }

  /** What output and dead-letter topics are checked against (topic-rules.ts). */
  topicRules(): TopicRulesContext {
    return {
      stateTopic: this.stateTopic,
      pipelines: [...this.pipelines.values()].map((p) => ({
        name: p.spec.name,
        inputTopic: p.spec.inputTopic,
      })),
    };
  }
}
