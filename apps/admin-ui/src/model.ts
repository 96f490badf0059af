/**
 * The controller's JSON API as the UI reads it (proto3 JSON from ts-proto: camelCase fields,
 * enums as their names, default values left out, so every field is optional).
 */

/** DEGRADED: running, but some tasks have no worker (PENDING). */
export type PipelineState = 'RUNNING' | 'DEGRADED' | 'PAUSED' | 'STOPPED';
export type WorkerState = 'ACTIVE' | 'DRAINING' | 'DRAINED' | 'DEAD';
export type TaskState = 'UNASSIGNED' | 'STARTING' | 'PROCESSING' | 'REVOKING' | 'SUSPENDED' | 'PENDING';
export type RolloutState =
  'PENDING' | 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'ROLLING_BACK';

export interface TransformRef {
  name?: string;
  version?: number;
  config?: Record<string, unknown>;
}

export interface PipelineSpec {
  name?: string;
  inputTopic?: string;
  outputTopic?: string;
  tasks?: number;
  transform?: TransformRef;
  deadLetterTopic?: string;
  batching?: { maxRecords?: number; maxBytes?: number; lingerMs?: number };
  /** Left out (proto default) means exactly once. */
  guarantee?: Guarantee;
}

export type Guarantee = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

export interface Pipeline {
  spec?: PipelineSpec;
  state?: PipelineState;
  specVersion?: number;
  consumerGroup?: string;
  createdAtMs?: number;
  updatedAtMs?: number;
  /** Tasks waiting for a worker. */
  tasksPending?: number;
}

export interface PartitionStatus {
  partition?: number;
  committedOffset?: number;
  endOffset?: number;
  lag?: number;
}

export interface TaskStatus {
  taskIndex?: number;
  transactionalId?: string;
  ownerWorkerId?: string;
  epoch?: number;
  state?: TaskState;
  partitions?: PartitionStatus[];
  lastCommitAtMs?: number;
  commitsPerSecond?: number;
  recordsPerSecond?: number;
  lag?: number;
  recordsCommitted?: number;
  specVersion?: number;
  /** Failures in a row (it failed on its worker, or its worker died under it); 0 after progress. */
  failures?: number;
  /** The last failure or problem reported (a retrying transform, a missing permission, ...). */
  lastError?: string;
  /** A failed task is not assigned again before this time, ms since the epoch (0: no wait). */
  retryAtMs?: number;
  /** Careful mode: its worker announces each record to the controller before transforming it. */
  careful?: boolean;
  /** Records of the task's partitions the controller quarantined (dead-lettered without the transform). */
  quarantined?: QuarantinedRecord[];
  /** Why a PENDING task has no worker. */
  reason?: string;
}

/** A record the controller quarantined as poison: it crashed or hung the workers that ran it. */
export interface QuarantinedRecord {
  partition?: number;
  offset?: number;
  reason?: string;
  /** When it was quarantined, ms since the epoch. */
  atMs?: number;
}

export interface PipelineStatus {
  pipeline?: Pipeline;
  tasks?: TaskStatus[];
  epoch?: number;
  lag?: number;
}

export interface Worker {
  workerId?: string;
  host?: string;
  capacity?: number;
  transforms?: { name?: string; version?: number }[];
  state?: WorkerState;
  tasks?: string[];
  lastHeartbeatAtMs?: number;
  connectedAtMs?: number;
  pid?: number;
  drainDeadlineAtMs?: number;
  tasksLeft?: number;
}

export interface GateResult {
  step?: number;
  taskIndexes?: number[];
  passed?: boolean;
  reason?: string;
  atMs?: number;
}

export interface RolloutStrategy {
  canaryTasks?: number;
  stepTasks?: number;
  gateCommits?: number;
  maxFailedRecords?: number;
  gateTimeoutMs?: number;
}

export interface Rollout {
  rolloutId?: string;
  pipeline?: string;
  fromSpecVersion?: number;
  toSpecVersion?: number;
  state?: RolloutState;
  tasksOnOld?: number[];
  tasksOnNew?: number[];
  currentStep?: number;
  gates?: GateResult[];
  reason?: string;
  strategy?: RolloutStrategy;
  createdAtMs?: number;
  updatedAtMs?: number;
}

export interface AuditRecord {
  atMs?: number;
  actor?: string;
  action?: string;
  target?: string;
  detail?: string;
  outcome?: string;
}

/** An error as the API answers it: `{code, message, field}` with an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
