/** Control-plane logic: placement, spec validation, naming, errors. No I/O. */
export { movedTasks, placeTasks } from './assignment';
export type { Placement, PlacementTask, PlacementWorker } from './assignment';
export { taskPartitions, validateSpec } from './validation';
export type { SpecInput, ValidSpec } from './validation';
export { ControlError, alreadyExists, failedPrecondition, invalid, notFound } from './errors';
export type { ControlErrorCode } from './errors';
export { FleetController } from './fleet-controller';
export type { FleetControllerOptions, FleetEvents } from './fleet-controller';
export type {
  AssignmentRecord,
  AuditEntry,
  RolloutRecord,
  RolloutStateName,
  RolloutStrategyValues,
  PipelineRecord,
  PipelineStateName,
  StateChange,
  StatePort,
  StoredState,
  TopicsPort,
  WorkerChannel,
} from './ports';
export { DEFAULT_STRATEGY, runRollout } from './rollout-runner';
export type { RolloutRunnerOptions } from './rollout-runner';
export { isFinishedRollout } from './ports';
