/**
 * The UI's state logic, free of the DOM so unit tests cover it: what the overview shows, drain
 * and rollout progress, states in words and colours, why a task is in trouble. The charts' history is in history.ts, the
 * pipeline form's values <-> spec in pipeline-form-state.ts.
 */
import type { PipelineStatus, Rollout, RolloutState, TaskStatus, Worker } from './model';

/** Everything the UI shows, as read in one refresh. */
export interface Snapshot {
  at: number;
  workers: Worker[];
  pipelines: PipelineStatus[];
  rollouts: Rollout[];
}

export const emptySnapshot = (): Snapshot => ({ at: 0, workers: [], pipelines: [], rollouts: [] });

// ---------------------------------------------------------------------------------------------
// States in words and colour

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'info';

const TONES: Record<string, Tone> = {
  ACTIVE: 'ok',
  RUNNING: 'ok',
  PROCESSING: 'ok',
  SUCCEEDED: 'ok',
  DRAINING: 'warn',
  DEGRADED: 'warn',
  PAUSED: 'warn',
  STARTING: 'info',
  PENDING: 'info',
  REVOKING: 'warn',
  ROLLING_BACK: 'warn',
  SUSPENDED: 'idle',
  STOPPED: 'idle',
  DRAINED: 'idle',
  UNASSIGNED: 'bad',
  DEAD: 'bad',
  FAILED: 'bad',
  ABORTED: 'bad',
};

/** The colour family of a state (every state is also shown in words). */
export const toneOf = (state: string | undefined): Tone => TONES[state ?? ''] ?? 'idle';

/** "ROLLING_BACK" -> "rolling back"; a missing state reads "unknown". */
export const stateLabel = (state: string | undefined) =>
  state ? state.toLowerCase().replace(/_/g, ' ') : 'unknown';

// ---------------------------------------------------------------------------------------------
// Overview

export interface PipelineRow {
  name: string;
  state: string;
  specVersion: number;
  tasks: number;
  tasksProcessing: number;
  recordsPerSecond: number;
  lag: number;
  transform: string;
}

export interface WorkerRow {
  id: string;
  state: string;
  tasks: number;
  capacity: number;
  lastHeartbeatAtMs: number;
}

export interface Overview {
  workers: WorkerRow[];
  workersByState: Record<string, number>;
  pipelines: PipelineRow[];
  totalRecordsPerSecond: number;
  totalLag: number;
  activeRollouts: number;
}

export const sumRecordsPerSecond = (tasks: TaskStatus[] | undefined) =>
  (tasks ?? []).reduce((a, t) => a + (t.recordsPerSecond ?? 0), 0);

export function pipelineRow(s: PipelineStatus): PipelineRow {
  const spec = s.pipeline?.spec ?? {};
  const tasks = s.tasks ?? [];
  return {
    name: spec.name ?? '?',
    state: s.pipeline?.state ?? 'UNKNOWN',
    specVersion: s.pipeline?.specVersion ?? 0,
    tasks: spec.tasks ?? tasks.length,
    tasksProcessing: tasks.filter((t) => t.state === 'PROCESSING').length,
    recordsPerSecond: sumRecordsPerSecond(tasks),
    lag: s.lag ?? tasks.reduce((a, t) => a + (t.lag ?? 0), 0),
    transform: spec.transform?.name ? `${spec.transform.name}@${spec.transform.version ?? 1}` : '?',
  };
}

export const isFinishedRollout = (s: RolloutState | undefined) =>
  s === 'SUCCEEDED' || s === 'FAILED' || s === 'ABORTED';

/** Workers first by state (live before dead), then by id; pipelines by name. */
export function overview(snap: Snapshot): Overview {
  const order: Record<string, number> = { ACTIVE: 0, DRAINING: 1, DRAINED: 2, DEAD: 3 };
  const workers = snap.workers
    .map((w) => ({
      id: w.workerId ?? '?',
      state: w.state ?? 'UNKNOWN',
      tasks: w.tasks?.length ?? 0,
      capacity: w.capacity ?? 0,
      lastHeartbeatAtMs: w.lastHeartbeatAtMs ?? 0,
    }))
    .sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9) || a.id.localeCompare(b.id));
  const workersByState: Record<string, number> = {};
  for (const w of workers) workersByState[w.state] = (workersByState[w.state] ?? 0) + 1;
  const pipelines = snap.pipelines.map(pipelineRow).sort((a, b) => a.name.localeCompare(b.name));
  return {
    workers,
    workersByState,
    pipelines,
    totalRecordsPerSecond: pipelines.reduce((a, p) => a + p.recordsPerSecond, 0),
    totalLag: pipelines.reduce((a, p) => a + p.lag, 0),
    activeRollouts: snap.rollouts.filter((r) => !isFinishedRollout(r.state)).length,
  };
}

// ---------------------------------------------------------------------------------------------
// Drain progress

/** Per draining worker, the most tasks it held since the drain began (the bar's 100 %). */
export type DrainStarts = Record<string, number>;

export function trackDrains(prev: DrainStarts, workers: Worker[]): DrainStarts {
  const next: DrainStarts = {};
  for (const w of workers) {
    const id = w.workerId ?? '';
    if (w.state === 'DRAINING') next[id] = Math.max(prev[id] ?? 0, w.tasks?.length ?? 0, w.tasksLeft ?? 0);
    else if (w.state === 'DRAINED' && prev[id] !== undefined) next[id] = prev[id];
  }
  return next;
}

export interface DrainProgress {
  left: number;
  total: number;
  /** 0..1 */
  fraction: number;
}

export function drainProgress(w: Worker, starts: DrainStarts): DrainProgress | undefined {
  if (w.state !== 'DRAINING' && w.state !== 'DRAINED') return undefined;
  const left = w.state === 'DRAINED' ? 0 : Math.max(w.tasksLeft ?? 0, w.tasks?.length ?? 0);
  const total = Math.max(starts[w.workerId ?? ''] ?? 0, left);
  return { left, total, fraction: total === 0 ? 1 : (total - left) / total };
}

// ---------------------------------------------------------------------------------------------
// Rollout progress

export interface RolloutProgress {
  onNew: number;
  total: number;
  fraction: number;
  finished: boolean;
  gatesPassed: number;
  gatesFailed: number;
}

export function rolloutProgress(r: Rollout): RolloutProgress {
  const onNew = r.tasksOnNew?.length ?? 0;
  const total = onNew + (r.tasksOnOld?.length ?? 0);
  const gates = r.gates ?? [];
  return {
    onNew,
    total,
    fraction: r.state === 'SUCCEEDED' ? 1 : total === 0 ? 0 : onNew / total,
    finished: isFinishedRollout(r.state),
    gatesPassed: gates.filter((g) => g.passed).length,
    gatesFailed: gates.filter((g) => !g.passed).length,
  };
}

/** Which buttons a rollout in this state offers. */
export function rolloutActions(state: RolloutState | undefined): ('pause' | 'resume' | 'abort')[] {
  switch (state) {
    case 'PENDING':
    case 'RUNNING':
      return ['pause', 'abort'];
    case 'PAUSED':
      return ['resume', 'abort'];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Task trouble: why a task is not making progress

/** What the pipeline page says beneath a task that failed or reports a problem. */
export interface TaskProblem {
  /** bad: it failed (failures in a row); warn: a problem a running task works through. */
  tone: 'bad' | 'warn';
  failures: number;
  /** Empty when the controller has no message (a failure count alone). */
  lastError: string;
  /** Time left before the failed task may be assigned again; only while that is in the future. */
  retryInMs?: number;
}

/**
 * The task's failures, last error and retry wait, or undefined for a task without any. Careful
 * mode and a PENDING task's reason are not problems of their own: the state cell shows them.
 */
export function taskProblem(t: TaskStatus, nowMs: number): TaskProblem | undefined {
  const failures = t.failures ?? 0;
  const lastError = t.lastError ?? '';
  // 0 means no wait; a time already past (the controller's clock is not ours) is no wait either.
  const retryInMs = (t.retryAtMs ?? 0) > nowMs ? (t.retryAtMs ?? 0) - nowMs : undefined;
  if (failures <= 0 && !lastError && retryInMs === undefined) return undefined;
  return { tone: failures > 0 ? 'bad' : 'warn', failures, lastError, retryInMs };
}

/** One quarantined record with the task whose partition holds it. */
export interface QuarantineRow {
  taskIndex: number;
  partition: number;
  offset: number;
  reason: string;
  atMs: number;
}

/** Every task's quarantined records, the latest first (then by partition and offset). */
export function quarantinedRecords(tasks: TaskStatus[] | undefined): QuarantineRow[] {
  return (tasks ?? [])
    .flatMap((t) =>
      (t.quarantined ?? []).map((q) => ({
        taskIndex: t.taskIndex ?? 0,
        partition: q.partition ?? 0,
        offset: q.offset ?? 0,
        reason: q.reason ?? '',
        atMs: q.atMs ?? 0,
      })),
    )
    .sort((a, b) => b.atMs - a.atMs || a.partition - b.partition || a.offset - b.offset);
}
