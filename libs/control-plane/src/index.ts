/** Control-plane logic: placement, spec validation, naming, errors. No I/O. */
export { placeTasks } from './assignment';
export type { Placement, PlacementTask, PlacementWorker } from './assignment';
export { taskPartitions, validateSpec } from './validation';
export type { SpecInput, ValidSpec } from './validation';
export {
  ControlError,
  StateStoreFatalError,
  alreadyExists,
  failedPrecondition,
  invalid,
  notFound,
} from './errors';
export {
  DEFAULT_BATCHING,
  LIMITS,
  checkAuditLimit,
  checkDrainOptions,
  checkHello,
  checkStrategy,
  checkInt,
} from './request-limits';
export type { StrategyInput } from './request-limits';
export { checkWritableTopic } from './topic-rules';
export type { TopicRulesContext } from './topic-rules';
export type { ControlErrorCode } from './errors';
export { redactSecrets, redactUrl } from './redact';
export { FleetController } from './fleet-controller';
export type { FleetControllerOptions, FleetEvents } from './fleet-controller';
export type { CommitReport } from './worker-sessions';
export type { RolloutRequest } from './rollout-control';
export type {
  AssignmentRecord,
  AuditEntry,
  RolloutRecord,
  RolloutStateName,
  RolloutStrategyValues,
  PipelineRecord,
  PipelineStateName,
  RolloutFleetPort,
  StateChange,
  StatePort,
  StoredState,
  TaskGateHealth,
  TopicsPort,
  WorkerChannel,
} from './ports';
export { runRollout } from './rollout-runner';
export { DEFAULT_STRATEGY } from './rollout-control';
export type { RolloutRunnerOptions } from './rollout-runner';
export { isFinishedRollout } from './ports';
