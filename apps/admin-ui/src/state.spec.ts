import type { PipelineStatus, Rollout, Worker } from './model';
import { parseRoute } from './route';
import {
  chartSeries,
  drainProgress,
  emptyForm,
  errorsFromApi,
  formFromSpec,
  overview,
  recordSamples,
  rolloutActions,
  rolloutProgress,
  specFromForm,
  stateLabel,
  toneOf,
  trackDrains,
  type Snapshot,
} from './state';

const status = (name: string, rates: number[], lag: number, state = 'RUNNING'): PipelineStatus => ({
  pipeline: {
    spec: { name, tasks: rates.length, transform: { name: 'suffix', version: 2 } },
    state: state as 'RUNNING',
    specVersion: 3,
  },
  tasks: rates.map((r, i) => ({
    taskIndex: i,
    recordsPerSecond: r,
    state: i === 0 ? 'PROCESSING' : 'STARTING',
  })),
  lag,
});

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

describe('history and chart', () => {
  it('keeps one sample per refresh within the window and forgets deleted pipelines', () => {
    let h = recordSamples({}, [status('a', [10], 100), status('b', [1], 0)], 1_000, 10_000);
    h = recordSamples(h, [status('a', [20], 50)], 6_000, 10_000);
    expect(h).toEqual({
      a: [
        { at: 1_000, recordsPerSecond: 10, lag: 100 },
        { at: 6_000, recordsPerSecond: 20, lag: 50 },
      ],
    });
    h = recordSamples(h, [status('a', [30], 0)], 12_000, 10_000);
    expect(h['a']!.map((s) => s.at)).toEqual([6_000, 12_000]);
  });

  it('draws each series scaled to its own max over the window', () => {
    const samples = [
      { at: 0, recordsPerSecond: 0, lag: 10 },
      { at: 5_000, recordsPerSecond: 50, lag: 5 },
      { at: 10_000, recordsPerSecond: 100, lag: 0 },
    ];
    expect(chartSeries(samples, 'recordsPerSecond', 100, 50, 10_000)).toEqual({
      path: 'M0.0,50.0 L50.0,25.0 L100.0,0.0',
      max: 100,
      last: 100,
      spanMs: 10_000,
    });
    // A history shorter than the window fills the chart.
    expect(chartSeries(samples.slice(1), 'recordsPerSecond', 100, 50, 60_000)).toMatchObject({
      path: 'M0.0,25.0 L100.0,0.0',
      spanMs: 5_000,
    });
    expect(chartSeries(samples, 'lag', 100, 50, 10_000).path).toBe('M0.0,0.0 L50.0,25.0 L100.0,50.0');
    // All zero: a flat line on the bottom edge, not a division by zero.
    expect(chartSeries([{ at: 0, recordsPerSecond: 0, lag: 0 }], 'lag', 100, 50, 10_000).path).toBe(
      'M100.0,50.0',
    );
    expect(chartSeries([], 'lag', 100, 50).path).toBe('');
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

describe('pipeline form', () => {
  const filled = {
    ...emptyForm(),
    name: ' orders ',
    inputTopic: 'orders.in',
    outputTopic: 'orders.out',
    tasks: '3',
    transformName: 'suffix',
    transformVersion: '1',
    transformConfig: '{"suffix":"|x"}',
  };

  it('builds the spec the API takes, batching and strategy only when given', () => {
    expect(specFromForm(filled)).toEqual({
      spec: {
        name: 'orders',
        inputTopic: 'orders.in',
        outputTopic: 'orders.out',
        tasks: 3,
        transform: { name: 'suffix', version: 1, config: { suffix: '|x' } },
        deadLetterTopic: '',
        guarantee: 'EXACTLY_ONCE',
      },
      strategy: undefined,
      errors: {},
    });
    const r = specFromForm({ ...filled, lingerMs: '20', canaryTasks: '2' });
    expect(r.spec?.batching).toEqual({ maxRecords: undefined, maxBytes: undefined, lingerMs: 20 });
    expect(r.strategy).toEqual({ canaryTasks: 2, stepTasks: undefined, gateCommits: undefined });
  });

  it('names the field for numbers and config the browser cannot parse', () => {
    expect(specFromForm({ ...filled, tasks: 'three', transformConfig: '{oops' })).toEqual({
      errors: {
        tasks: '"three" is not a whole number',
        transformConfig: expect.stringMatching(/^not valid JSON/),
      },
    });
    expect(specFromForm({ ...filled, tasks: '' }).errors).toEqual({ tasks: 'is required' });
    expect(specFromForm({ ...filled, transformConfig: '[1]' }).errors).toEqual({
      transformConfig: 'must be a JSON object',
    });
  });

  it('puts each API error beside the field it names, others above the form', () => {
    expect(errorsFromApi({ field: 'spec.inputTopic', message: 'spec.inputTopic: "a b" is bad' })).toEqual({
      inputTopic: '"a b" is bad',
    });
    expect(errorsFromApi({ field: 'spec.inputTopic', message: 'bad topic' })).toEqual({
      inputTopic: 'bad topic',
    });
    expect(errorsFromApi({ field: 'spec.transform.config.suffix', message: 'm' })).toEqual({
      transformConfig: 'm',
    });
    expect(errorsFromApi({ field: 'spec.transform', message: 'unknown' })).toEqual({
      transformName: 'unknown',
    });
    expect(errorsFromApi({ field: 'spec.tasks', message: 't' })).toEqual({ tasks: 't' });
    expect(errorsFromApi({ field: 'spec.guarantee', message: 'g' })).toEqual({ guarantee: 'g' });
    expect(errorsFromApi({ message: 'pipeline x already exists' })).toEqual({
      form: 'pipeline x already exists',
    });
    expect(errorsFromApi({ field: 'body', message: 'not JSON' })).toEqual({ form: 'not JSON' });
  });

  it('round-trips an existing spec through the update form, guarantee included', () => {
    const spec = specFromForm({ ...filled, guarantee: 'AT_LEAST_ONCE' }).spec!;
    expect(spec.guarantee).toBe('AT_LEAST_ONCE');
    expect(specFromForm(formFromSpec(spec)).spec).toEqual(spec);
    // A spec stored without one (proto default left out of JSON) is exactly once.
    expect(formFromSpec({ name: 'x' }).guarantee).toBe('EXACTLY_ONCE');
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
