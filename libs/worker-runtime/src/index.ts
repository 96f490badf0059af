/**
 * The worker's runtime: its session with the controller and the tasks the controller assigns,
 * one EosTask each. Config, metrics registry, HTTP endpoints and process signals stay in the
 * worker app (apps/worker).
 */
export { WorkerRuntime } from './worker-runtime';
export type { RunOutcome, WorkerRuntimeOptions, WorkerRuntimeState } from './worker-runtime';
export { SessionClient } from './session-client';
export type { SessionClientOptions } from './session-client';
export { TaskSupervisor } from './task-supervisor';
export type { TaskSupervisorOptions } from './task-supervisor';
export { taskOptions } from './task-options';
export type { TaskParts, TaskTuning } from './task-options';
export type { TaskLabels, TaskMetrics } from './task-metrics';
export { TransformWatchdog } from './transform-watchdog';
export type { TransformWatchdogOptions, WatchdogProbe } from './transform-watchdog';
