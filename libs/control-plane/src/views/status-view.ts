import { TaskState, type PartitionStatus, type TaskStatus } from '@eos/proto';
import type { FleetNames } from '@eos/fleet-names';
import { RATE_WINDOW_MS, type TaskRecord } from '../fleet-state';
import type { PipelineRecord } from '../ports';
import { quarantineFor } from '../quarantine';
import type { TaskHealthView } from '../task-health';
import { taskPartitions } from '../validation';

export function taskStateOf(p: PipelineRecord, t: TaskRecord | undefined): TaskState {
  if (t?.pending && !t.owner && p.state === 'RUNNING') return TaskState.PENDING;
  if (!t || !t.owner) return TaskState.UNASSIGNED;
  if (t.state === 'REVOKING') return TaskState.REVOKING;
  if (p.state === 'PAUSED') return TaskState.SUSPENDED;
  return t.state === 'STARTING' ? TaskState.STARTING : TaskState.PROCESSING;
}

/** The proto view of one task's status: owner, state, its partitions' offsets and lag, rates, health. */
export function taskStatusView(
  p: PipelineRecord,
  index: number,
  t: TaskRecord | undefined,
  byPartition: Map<number, PartitionStatus>,
  health: TaskHealthView,
  names: FleetNames,
  now: number,
): TaskStatus {
  const owned = taskPartitions(index, p.spec.tasks, p.inputPartitions);
  const partitions = owned.map(
    (partition) => byPartition.get(partition) ?? { partition, committedOffset: -1, endOffset: 0, lag: 0 },
  );
  const recent = (t?.recent ?? []).filter((r) => now - r.at <= RATE_WINDOW_MS);
  const span = Math.max(1, Math.min(RATE_WINDOW_MS, now - (recent[0]?.at ?? now))) / 1000;
  const state = taskStateOf(p, t);
  return {
    taskIndex: index,
    transactionalId: names.transactionalId(p.spec.name, index),
    ownerWorkerId: t?.owner ?? '',
    epoch: t?.epoch ?? 0,
    state,
    partitions,
    lastCommitAtMs: t?.lastCommitAt ?? 0,
    commitsPerSecond: recent.reduce((a, r) => a + r.commits, 0) / span,
    recordsPerSecond: recent.reduce((a, r) => a + r.records, 0) / span,
    lag: partitions.reduce((a, x) => a + x.lag, 0),
    recordsCommitted: t?.recordsTotal ?? 0,
    specVersion: t?.specVersion ?? p.specVersion,
    ...health,
    quarantined: quarantineFor(p, owned),
    reason: state === TaskState.PENDING ? (t?.pending ?? '') : '',
  };
}
