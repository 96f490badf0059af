/**
 * The UI's state logic, free of the DOM so unit tests cover it: what the overview shows, the
 * throughput/lag history behind the charts, drain and rollout progress, states in words and
 * colours, and the pipeline form (values <-> spec, API errors -> the field they name).
 */
import type {
  Guarantee,
  PipelineSpec,
  PipelineStatus,
  Rollout,
  RolloutState,
  RolloutStrategy,
  TaskStatus,
  Worker,
} from './model';

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
// Throughput and lag history (the pipeline page's chart)

export interface Sample {
  at: number;
  recordsPerSecond: number;
  lag: number;
}

/** Per pipeline, the samples of the last `windowMs`, oldest first. */
export type History = Record<string, Sample[]>;

export const HISTORY_WINDOW_MS = 5 * 60_000;

/** Adds one sample per pipeline at `at`; drops samples older than the window and gone pipelines. */
export function recordSamples(
  history: History,
  statuses: PipelineStatus[],
  at: number,
  windowMs = HISTORY_WINDOW_MS,
): History {
  const next: History = {};
  for (const s of statuses) {
    const row = pipelineRow(s);
    const kept = (history[row.name] ?? []).filter((x) => x.at > at - windowMs && x.at < at);
    kept.push({ at, recordsPerSecond: row.recordsPerSecond, lag: row.lag });
    next[row.name] = kept;
  }
  return next;
}

export interface ChartSeries {
  /** SVG path data in a `width` x `height` box (y grows downwards). */
  path: string;
  max: number;
  last: number;
  /** The time the x axis spans: the window, or less while the history is shorter. */
  spanMs: number;
}

/**
 * A polyline of `key` over the samples of the window, x from the first kept sample to the last
 * (so a young history fills the chart), y scaled to the series' max (at least 1, so a flat zero
 * line sits on the bottom edge).
 */
export function chartSeries(
  samples: Sample[],
  key: 'recordsPerSecond' | 'lag',
  width: number,
  height: number,
  windowMs = HISTORY_WINDOW_MS,
): ChartSeries {
  if (samples.length === 0) return { path: '', max: 0, last: 0, spanMs: 0 };
  const end = samples[samples.length - 1]!.at;
  const start = Math.max(end - windowMs, samples[0]!.at);
  const spanMs = end - start;
  const max = Math.max(1, ...samples.map((s) => s[key]));
  const pt = (s: Sample) => {
    const x = spanMs === 0 ? width : ((s.at - start) / spanMs) * width;
    const y = height - (s[key] / max) * height;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  };
  const path = samples
    .filter((s) => s.at >= start)
    .map((s, i) => `${i === 0 ? 'M' : 'L'}${pt(s)}`)
    .join(' ');
  return { path, max, last: samples[samples.length - 1]![key], spanMs };
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
// The pipeline form

/** The form's fields, as typed (strings), keyed by the names errors are shown against. */
export interface PipelineForm {
  name: string;
  inputTopic: string;
  outputTopic: string;
  tasks: string;
  transformName: string;
  transformVersion: string;
  transformConfig: string;
  deadLetterTopic: string;
  maxRecords: string;
  maxBytes: string;
  lingerMs: string;
  canaryTasks: string;
  stepTasks: string;
  gateCommits: string;
  guarantee: Guarantee;
}

export type FormField = keyof PipelineForm;
export type FormErrors = Partial<Record<FormField | 'form', string>>;

export const emptyForm = (): PipelineForm => ({
  name: '',
  inputTopic: '',
  outputTopic: '',
  tasks: '1',
  transformName: 'identity',
  transformVersion: '1',
  transformConfig: '{}',
  deadLetterTopic: '',
  maxRecords: '',
  maxBytes: '',
  lingerMs: '',
  canaryTasks: '',
  stepTasks: '',
  gateCommits: '',
  guarantee: 'EXACTLY_ONCE',
});

const str = (n: number | undefined) => (n ? String(n) : '');

/** The form filled from an existing pipeline (the update form). */
export function formFromSpec(spec: PipelineSpec): PipelineForm {
  return {
    ...emptyForm(),
    name: spec.name ?? '',
    inputTopic: spec.inputTopic ?? '',
    outputTopic: spec.outputTopic ?? '',
    tasks: str(spec.tasks) || '1',
    transformName: spec.transform?.name ?? '',
    transformVersion: str(spec.transform?.version) || '1',
    transformConfig: JSON.stringify(spec.transform?.config ?? {}),
    deadLetterTopic: spec.deadLetterTopic ?? '',
    maxRecords: str(spec.batching?.maxRecords),
    maxBytes: str(spec.batching?.maxBytes),
    lingerMs: str(spec.batching?.lingerMs),
    guarantee: spec.guarantee ?? 'EXACTLY_ONCE',
  };
}

export interface FormResult {
  spec?: PipelineSpec;
  strategy?: RolloutStrategy;
  errors: FormErrors;
}

/**
 * The spec (and rollout strategy) the form describes. Only what the browser must parse is checked
 * here (numbers, the config's JSON); names, topics and transforms are the controller's to judge,
 * and its errors come back through `errorsFromApi`.
 */
export function specFromForm(f: PipelineForm): FormResult {
  const errors: FormErrors = {};
  const int = (field: FormField, optional: boolean): number | undefined => {
    const raw = String(f[field]).trim();
    if (raw === '') {
      if (!optional) errors[field] = 'is required';
      return undefined;
    }
    if (!/^\d+$/.test(raw)) {
      errors[field] = `"${raw}" is not a whole number`;
      return undefined;
    }
    return Number(raw);
  };
  const tasks = int('tasks', false);
  const version = int('transformVersion', false);
  const maxRecords = int('maxRecords', true);
  const maxBytes = int('maxBytes', true);
  const lingerMs = int('lingerMs', true);
  const canaryTasks = int('canaryTasks', true);
  const stepTasks = int('stepTasks', true);
  const gateCommits = int('gateCommits', true);
  let config: Record<string, unknown> = {};
  const rawConfig = f.transformConfig.trim();
  if (rawConfig) {
    try {
      const v = JSON.parse(rawConfig) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) errors.transformConfig = 'must be a JSON object';
      else config = v as Record<string, unknown>;
    } catch (err) {
      errors.transformConfig = `not valid JSON (${(err as Error).message})`;
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  const spec: PipelineSpec = {
    name: f.name.trim(),
    inputTopic: f.inputTopic.trim(),
    outputTopic: f.outputTopic.trim(),
    tasks,
    transform: { name: f.transformName.trim(), version, config },
    deadLetterTopic: f.deadLetterTopic.trim(),
    guarantee: f.guarantee,
  };
  if (maxRecords || maxBytes || lingerMs) spec.batching = { maxRecords, maxBytes, lingerMs };
  const strategy: RolloutStrategy | undefined =
    canaryTasks || stepTasks || gateCommits ? { canaryTasks, stepTasks, gateCommits } : undefined;
  return { spec, strategy, errors };
}

const API_FIELDS: [RegExp, FormField][] = [
  [/^spec\.name$/, 'name'],
  [/^spec\.inputTopic$/, 'inputTopic'],
  [/^spec\.outputTopic$/, 'outputTopic'],
  [/^spec\.tasks$/, 'tasks'],
  [/^spec\.transform\.name$/, 'transformName'],
  [/^spec\.transform$/, 'transformName'],
  [/^spec\.transform\.version$/, 'transformVersion'],
  [/^spec\.transform\.config(\..*)?$/, 'transformConfig'],
  [/^spec\.deadLetterTopic$/, 'deadLetterTopic'],
  [/^spec\.guarantee$/, 'guarantee'],
  [/^spec\.batching\.maxRecords$/, 'maxRecords'],
  [/^spec\.batching\.maxBytes$/, 'maxBytes'],
  [/^spec\.batching\.lingerMs$/, 'lingerMs'],
  [/^strategy\.canaryTasks$/, 'canaryTasks'],
  [/^strategy\.stepTasks$/, 'stepTasks'],
  [/^strategy\.gateCommits$/, 'gateCommits'],
];

/** The form field an API error names (`spec.inputTopic` -> inputTopic); others go to the form. */
export function errorsFromApi(err: { message: string; field?: string }): FormErrors {
  const hit = err.field ? API_FIELDS.find(([re]) => re.test(err.field!)) : undefined;
  if (!hit) return { form: err.message };
  // Beside the field, its name in front of the message ("spec.inputTopic: ...") says nothing new.
  const prefix = `${err.field}: `;
  return { [hit[1]]: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message };
}
