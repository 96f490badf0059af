import type { TransformRegistry } from '@eos/transforms';
import { FleetNames } from '@eos/fleet-names';
import type { StatePort, TopicsPort } from './ports';

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
   * that is in fact alive is harmless: the new owners' initTransactions fence it. @default 300
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

/** The options with every default filled in (the one place defaults live). */
export type ResolvedFleetOptions = Required<Omit<FleetControllerOptions, 'log'>> & {
  log: (m: string) => void;
};

export function resolveFleetOptions(options: FleetControllerOptions): ResolvedFleetOptions {
  return {
    leaseMs: 3_000,
    disconnectGraceMs: 300,
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
}
