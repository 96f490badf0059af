/** Control-plane logic: placement, spec validation, naming, errors. No I/O. */
export { movedTasks, placeTasks } from './assignment';
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
