import type { ControllerMessage } from '@eos/proto';
import type { ValidSpec } from './validation';

export type PipelineStateName = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** A pipeline as stored. */
export interface PipelineRecord {
  spec: ValidSpec;
  state: PipelineStateName;
  specVersion: number;
  consumerGroup: string;
  inputPartitions: number;
  createdAtMs: number;
  updatedAtMs: number;
  /** Set while a delete waits for its tasks to be released. */
  deleting?: boolean;
  /** Other spec versions still in use (during a rollout), by version. */
  versions?: Record<string, ValidSpec>;
  /** The rollout in progress, if any. */
  rollout?: string;
  /** Input records quarantined (crashed or hung workers), oldest first; at most 100 kept. */
  quarantined?: QuarantineEntry[];
}

/** A quarantined input record: dead-lettered without calling the transform. */
export interface QuarantineEntry {
  partition: number;
  offset: number;
  reason: string;
  atMs: number;
}

/** A task's durable assignment. */
export interface AssignmentRecord {
  owner?: string;
  epoch: number;
  /** Spec version the task runs (absent: the pipeline's). */
  specVersion?: number;
}

export type RolloutStateName =
  'PENDING' | 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'ROLLING_BACK';

/** A rollout in one of these states is over; its record never changes again. */
export const isFinishedRollout = (state: RolloutStateName): boolean =>
  state === 'SUCCEEDED' || state === 'FAILED' || state === 'ABORTED';

export interface RolloutStrategyValues {
  canaryTasks: number;
  stepTasks: number;
  gateCommits: number;
  maxFailedRecords: number;
  gateTimeoutMs: number;
}

/** A rollout as stored (the source of truth; the queue only carries the job). */
export interface RolloutRecord {
  id: string;
  pipeline: string;
  fromVersion: number;
  toVersion: number;
  state: RolloutStateName;
  /** What an operator asked for, applied by the job at its next check. */
  requested?: 'PAUSE' | 'RESUME' | 'ABORT';
  strategy: RolloutStrategyValues;
  /** Tasks moved to the new version, in order (persisted before each move). */
  moved: number[];
  step: number;
  gates: { step: number; tasks: number[]; passed: boolean; reason: string; atMs: number }[];
  reason: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** One operation in the audit trail. */
export interface AuditEntry {
  seq: number;
  atMs: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
  outcome: string;
}

/** Everything the controller keeps durable. */
export interface StoredState {
  epoch: number;
  pipelines: Map<string, PipelineRecord>;
  assignments: Map<string, AssignmentRecord>;
  /** The newest audit records (a store may keep only the newest it read; see `droppedAuditSeqs`). */
  audit: AuditEntry[];
  /** Audit records the store read but did not keep (past the retention): to be deleted. */
  droppedAuditSeqs?: number[];
  rollouts: Map<string, RolloutRecord>;
}

/** One durable change; `value: null` deletes. */
export type StateChange =
  | { kind: 'pipeline'; name: string; value: PipelineRecord | null }
  | { kind: 'assignment'; key: string; value: AssignmentRecord | null }
  | { kind: 'epoch'; value: number }
  | { kind: 'audit'; value: AuditEntry }
  | { kind: 'auditDelete'; seq: number }
  | { kind: 'rollout'; value: RolloutRecord }
  | { kind: 'rolloutDelete'; id: string };

/** Durable state: a compacted Kafka topic written transactionally (or a fake). */
export interface StatePort {
  load(): Promise<StoredState>;
  /** Writes the changes atomically; throws if this controller was fenced by another. */
  save(changes: StateChange[]): Promise<void>;
}

/** Kafka topic administration and offsets, as the controller needs them. */
export interface TopicsPort {
  /** Partition count, or undefined when the topic does not exist. */
  partitions(topic: string): Promise<number | undefined>;
  /** Creates the topic if missing. */
  ensureTopic(topic: string, partitions: number): Promise<void>;
  /** Committed offsets of a group for a topic (partition -> next offset). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  /** Log end offsets (partition -> offset). */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** Log start offsets (partition -> offset). */
  earliestOffsets(topic: string): Promise<Map<number, number>>;
  /** Per partition, the first offset at or after `timestampMs` (the end when none). */
  offsetsForTimestamp(topic: string, timestampMs: number): Promise<Map<number, number>>;
  /** Deletes a consumer group that has no members; a missing group is fine. */
  deleteGroup(groupId: string): Promise<void>;
  /** Writes a group's offsets in a Kafka transaction (the offsets group is written only that way). */
  commitOffsetsInTransaction(
    transactionalId: string,
    groupId: string,
    topic: string,
    offsets: Map<number, number>,
  ): Promise<void>;
}

/** The controller's side of one worker session. */
export interface WorkerChannel {
  send(message: ControllerMessage): void;
  close(): void;
}

/** What a rollout's health gate needs to know about one task. */
export interface TaskGateHealth {
  /** The spec version the task is to run. */
  specVersion: number;
  /** Owned, processing, and not waiting to restart on another version. */
  running: boolean;
  /** Commits under its current assignment. */
  commits: number;
  /** Records dead-lettered under its current assignment. */
  deadLettered: number;
  owner: string;
}

/**
 * The fleet as the rollout job (`runRollout`) sees it: its rollout record, the pipeline's tasks,
 * and the moves of a task between spec versions. `FleetController` implements it; the job's spec
 * uses an in-memory fake.
 */
export interface RolloutFleetPort {
  getRolloutRecord(id: string): RolloutRecord;
  /** Changes the record from its current value (never overwrites a concurrent change). */
  updateRollout(id: string, change: (current: RolloutRecord) => RolloutRecord): Promise<RolloutRecord>;
  taskIndexes(pipeline: string): number[];
  /** Moves one task to a spec version (no-op when it runs that version already). */
  setTaskVersion(pipeline: string, index: number, version: number): Promise<void>;
  taskHealth(pipeline: string, index: number): TaskGateHealth;
  /** Input lag per task index. */
  taskLags(pipeline: string): Promise<Map<number, number>>;
  /** The new version becomes the pipeline's spec. */
  completeUpdate(pipeline: string, toVersion: number): Promise<void>;
  /** The new version is forgotten (every task is back on the old one). */
  cancelUpdate(pipeline: string, toVersion: number): Promise<void>;
}
