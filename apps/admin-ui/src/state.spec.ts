import type { PipelineStatus, Rollout, Worker } from './model';
import { status, troubledStatus } from './spec-fixtures';
import { parseRoute } from './route';
import {
  drainProgress,
  overview,
  quarantinedRecords,
  rolloutActions,
  rolloutProgress,
  stateLabel,
  taskProblem,
  toneOf,
  trackDrains,
  type Snapshot,
} from './state';

describe('overview', () => {
  const snap: Snapshot = {
    at: 1,
    workers: [
      { workerId: 'w3', state: 'DEAD', tasks: [] },
      { workerId: 'w2', state: 'ACTIVE', tasks: ['a/0', 'a/1'], capacity: 8, lastHeartbeatAtMs: 5 },
      { workerId: 'w1', state: 'DRAINING', tasks: ['b/0'], capacity: 8 },
      { workerId: 'w0', state: 'ACTIVE' },
    ],
    pipelines: [status('b', [10, 20], 5), status('a', [1000, 234.5], 40, 'PAUSED')],
    rollouts: [{ state: 'RUNNING' }, { state: 'SUCCEEDED' }, { state: 'PAUSED' }, { state: 'ABORTED' }],
  };
  const o = overview(snap);

  it('lists workers live-first with their task counts, and counts them by state', () => {
    expect(o.workers.map((w) => [w.id, w.state, w.tasks])).toEqual([
      ['w0', 'ACTIVE', 0],
      ['w2', 'ACTIVE', 2],
      ['w1', 'DRAINING', 1],
      ['w3', 'DEAD', 0],
    ]);
    expect(o.workersByState).toEqual({ ACTIVE: 2, DRAINING: 1, DEAD: 1 });
  });

  it('sums each pipeline’s task rates and the fleet totals', () => {
    expect(o.pipelines).toEqual([
      {
        name: 'a',
        state: 'PAUSED',
        specVersion: 3,
        tasks: 2,
        tasksProcessing: 1,
        recordsPerSecond: 1234.5,
        lag: 40,
        transform: 'suffix@2',
      },
      expect.objectContaining({ name: 'b', recordsPerSecond: 30, lag: 5 }),
    ]);
    expect(o.totalRecordsPerSecond).toBe(1264.5);
    expect(o.totalLag).toBe(45);
    expect(o.activeRollouts).toBe(2);
  });

  it('adds task lags when the status has no pipeline total', () => {
    const s: PipelineStatus = { pipeline: { spec: { name: 'x' } }, tasks: [{ lag: 3 }, { lag: 4 }] };
    expect(overview({ at: 0, workers: [], pipelines: [s], rollouts: [] }).totalLag).toBe(7);
  });
});

describe('states in words and colour', () => {
  it.each([
    ['ACTIVE', 'ok', 'active'],
    ['PROCESSING', 'ok', 'processing'],
    ['DRAINING', 'warn', 'draining'],
    ['DEGRADED', 'warn', 'degraded'],
    ['PENDING', 'info', 'pending'],
    ['ROLLING_BACK', 'warn', 'rolling back'],
    ['STARTING', 'info', 'starting'],
    ['DEAD', 'bad', 'dead'],
    ['UNASSIGNED', 'bad', 'unassigned'],
    ['STOPPED', 'idle', 'stopped'],
  ])('%s is %s, read as "%s"', (state, tone, label) => {
    expect(toneOf(state)).toBe(tone);
    expect(stateLabel(state)).toBe(label);
  });
  it('reads a missing state as unknown', () => {
    expect(toneOf(undefined)).toBe('idle');
    expect(stateLabel(undefined)).toBe('unknown');
  });
});

describe('drain progress', () => {
  it('measures against the most tasks held since the drain began', () => {
    const w = (state: Worker['state'], tasks: number): Worker => ({
      workerId: 'w1',
      state,
      tasks: Array.from({ length: tasks }, (_, i) => `p/${i}`),
      tasksLeft: tasks,
    });
    let starts = trackDrains({}, [w('ACTIVE', 4)]);
    expect(starts).toEqual({});
    expect(drainProgress(w('ACTIVE', 4), starts)).toBeUndefined();
    starts = trackDrains(starts, [w('DRAINING', 4)]);
    expect(drainProgress(w('DRAINING', 4), starts)).toEqual({ left: 4, total: 4, fraction: 0 });
    starts = trackDrains(starts, [w('DRAINING', 1)]);
    expect(drainProgress(w('DRAINING', 1), starts)).toEqual({ left: 1, total: 4, fraction: 0.75 });
    starts = trackDrains(starts, [w('DRAINED', 0)]);
    expect(drainProgress(w('DRAINED', 0), starts)).toEqual({ left: 0, total: 4, fraction: 1 });
    // Undrained: forgotten, so a later drain starts a new bar.
    expect(trackDrains(starts, [w('ACTIVE', 2)])).toEqual({});
  });
  it('shows a worker that was draining before the page opened as done when drained', () => {
    expect(drainProgress({ workerId: 'x', state: 'DRAINED' }, {})).toEqual({
      left: 0,
      total: 0,
      fraction: 1,
    });
  });
});

describe('rollouts', () => {
  it('measures progress by tasks on the new version and counts gates', () => {
    const r: Rollout = {
      state: 'RUNNING',
      tasksOnOld: [2, 3, 4, 5],
      tasksOnNew: [0, 1],
      gates: [{ passed: true }, { passed: true }, { passed: false }],
    };
    expect(rolloutProgress(r)).toEqual({
      onNew: 2,
      total: 6,
      fraction: 2 / 6,
      finished: false,
      gatesPassed: 2,
      gatesFailed: 1,
    });
    expect(rolloutProgress({ state: 'SUCCEEDED', tasksOnNew: [0] }).fraction).toBe(1);
    expect(rolloutProgress({ state: 'ABORTED' })).toMatchObject({ finished: true, fraction: 0 });
  });
  it('offers pause/abort while running, resume/abort while paused, nothing when finished', () => {
    expect(rolloutActions('RUNNING')).toEqual(['pause', 'abort']);
    expect(rolloutActions('PENDING')).toEqual(['pause', 'abort']);
    expect(rolloutActions('PAUSED')).toEqual(['resume', 'abort']);
    expect(rolloutActions('ROLLING_BACK')).toEqual([]);
    expect(rolloutActions('SUCCEEDED')).toEqual([]);
  });
});

describe('task trouble', () => {
  const now = 1_000_000;
  it('reads failures as bad, a problem without failures as a warning, and nothing as no problem', () => {
    const [healthy, failed, careful, pending, working] = troubledStatus(now).tasks ?? [];
    expect(taskProblem(healthy!, now)).toBeUndefined();
    expect(taskProblem(pending!, now)).toBeUndefined();
    expect(taskProblem({ careful: true }, now)).toBeUndefined();
    expect(taskProblem(failed!, now)).toEqual({
      tone: 'bad',
      failures: 3,
      lastError: 'transform suffix@2 failed: TypeError: config.suffix is not a string',
      retryInMs: 12_000,
    });
    expect(taskProblem(careful!, now)).toMatchObject({ tone: 'bad', failures: 2, retryInMs: undefined });
    expect(taskProblem(working!, now)).toMatchObject({ tone: 'warn', failures: 0, retryInMs: undefined });
  });
  it('shows a retry wait only while it lies ahead', () => {
    expect(taskProblem({ failures: 1, retryAtMs: now + 1 }, now)?.retryInMs).toBe(1);
    expect(taskProblem({ failures: 1, retryAtMs: now }, now)?.retryInMs).toBeUndefined();
    expect(taskProblem({ failures: 1, retryAtMs: now - 5_000 }, now)?.retryInMs).toBeUndefined();
    expect(taskProblem({ retryAtMs: now + 2_000 }, now)).toEqual({
      tone: 'warn',
      failures: 0,
      lastError: '',
      retryInMs: 2_000,
    });
  });
  it('lists every task’s quarantined records, the latest first', () => {
    expect(quarantinedRecords(undefined)).toEqual([]);
    expect(
      quarantinedRecords([
        { taskIndex: 0, quarantined: [{ partition: 1, offset: 9, reason: 'a', atMs: 5 }] },
        { taskIndex: 1 },
        {
          taskIndex: 3,
          quarantined: [
            { partition: 3, offset: 2, atMs: 7 },
            { partition: 3, offset: 1, atMs: 5 },
          ],
        },
      ]).map((q) => [q.taskIndex, q.partition, q.offset, q.reason, q.atMs]),
    ).toEqual([
      [3, 3, 2, '', 7],
      [0, 1, 9, 'a', 5],
      [3, 3, 1, '', 5],
    ]);
  });
});

it('parses hash routes', () => {
  expect(parseRoute('')).toEqual({ page: 'overview' });
  expect(parseRoute('#/')).toEqual({ page: 'overview' });
  expect(parseRoute('#/pipelines/a%2Fb')).toEqual({ page: 'pipeline', name: 'a/b' });
  expect(parseRoute('#/pipelines/x/edit')).toEqual({ page: 'edit', name: 'x' });
  expect(parseRoute('#/workers')).toEqual({ page: 'workers' });
  expect(parseRoute('#/rollouts?focus=r1')).toEqual({ page: 'rollouts' });
  expect(parseRoute('#/new')).toEqual({ page: 'new' });
  expect(parseRoute('#/nope')).toEqual({ page: 'overview' });
});
