/** The rollout job against an in-memory fleet: steps, gates, and operator requests mid-gate. */
import type { RolloutFleetPort, RolloutRecord } from './ports';
import { runRollout } from './rollout-runner';

/** The slice of FleetController the job uses, in memory; tasks commit when `commit()` says so. */
class FakeFleet implements RolloutFleetPort {
  record: RolloutRecord;
  versions = [1, 1, 1];
  commits = [0, 0, 0];
  states: string[] = [];
  completed = false;
  cancelled = false;
  constructor(strategy: Partial<RolloutRecord['strategy']> = {}) {
    this.record = {
      id: 'ro-1',
      pipeline: 'p',
      fromVersion: 1,
      toVersion: 2,
      state: 'PENDING',
      strategy: {
        canaryTasks: 1,
        stepTasks: 1,
        gateCommits: 3,
        maxFailedRecords: 0,
        gateTimeoutMs: 60_000,
        ...strategy,
      },
      moved: [],
      step: 0,
      gates: [],
      reason: '',
      createdAtMs: 0,
      updatedAtMs: 0,
    };
  }
  getRolloutRecord = () => this.record;
  updateRollout = async (_id: string, change: (r: RolloutRecord) => RolloutRecord) => {
    this.record = change(this.record);
    if (this.states[this.states.length - 1] !== this.record.state) this.states.push(this.record.state);
    return this.record;
  };
  request = (what: RolloutRecord['requested']) =>
    void this.updateRollout('ro-1', (r) => ({ ...r, requested: what }));
  taskIndexes = () => [0, 1, 2];
  setTaskVersion = async (_p: string, t: number, v: number) => {
    if (this.versions[t] !== v) this.commits[t] = 0; // a moved task starts counting again
    this.versions[t] = v;
  };
  taskHealth = (_p: string, t: number) => ({
    specVersion: this.versions[t]!,
    running: true,
    commits: this.commits[t]!,
    deadLettered: 0,
    owner: 'w1',
  });
  // Never idle: input keeps coming, so gates are judged on commits only.
  taskLags = async () => new Map([0, 1, 2].map((t) => [t, 5]));
  completeUpdate = async () => void (this.completed = true);
  cancelUpdate = async () => void (this.cancelled = true);
  commitAll = () => (this.commits = this.commits.map((c) => c + 1));
}

const until = async (what: string, f: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const run = (fleet: FakeFleet) => runRollout(fleet, 'ro-1', { pollMs: 5 });

it('moves tasks step by step, each behind a gate of commits on the new version', async () => {
  const fleet = new FakeFleet();
  const done = run(fleet);
  for (let i = 0; i < 3; i++) {
    await until(`task ${i} on v2`, () => fleet.versions[i] === 2);
    expect(fleet.versions.filter((v) => v === 2)).toHaveLength(i + 1); // one task per step
    for (let c = 0; c < 3; c++) fleet.commitAll();
  }
  const r = await done;
  expect(r.state).toBe('SUCCEEDED');
  expect(r.gates.map((g) => [g.step, g.tasks, g.passed])).toEqual([
    [1, [0], true],
    [2, [1], true],
    [3, [2], true],
  ]);
  expect(fleet.completed).toBe(true);
});

it('pauses at once in the middle of a gate, moves nothing while paused, and judges the step afresh on resume', async () => {
  const fleet = new FakeFleet();
  const done = run(fleet);
  await until('canary moved', () => fleet.versions[0] === 2);
  fleet.commits[0] = 2; // one commit short of the gate
  fleet.request('PAUSE');
  await until('paused', () => fleet.record.state === 'PAUSED');
  expect(fleet.record.requested).toBeUndefined();
  // Paused: enough commits now would pass the gate, but nothing is judged and nothing moves.
  fleet.commits[0] = 10;
  await new Promise((r) => setTimeout(r, 100));
  expect(fleet.record.gates).toEqual([]);
  expect(fleet.versions).toEqual([2, 1, 1]);

  fleet.request('RESUME');
  await until('running again', () => fleet.record.state === 'RUNNING');
  await until('gate passed', () => fleet.record.gates.length === 1);
  expect(fleet.record.gates[0]).toMatchObject({ step: 1, tasks: [0], passed: true });
  // Let the remaining steps pass.
  const pump = setInterval(() => fleet.commitAll(), 2);
  const r = await done;
  clearInterval(pump);
  expect(r.state).toBe('SUCCEEDED');
  expect(fleet.states).toEqual(['RUNNING', 'PAUSED', 'RUNNING', 'SUCCEEDED']);
});

it('aborts while paused mid-gate: every moved task goes back and the rollout ends ABORTED', async () => {
  const fleet = new FakeFleet();
  const done = run(fleet);
  await until('canary moved', () => fleet.versions[0] === 2);
  fleet.request('PAUSE');
  await until('paused', () => fleet.record.state === 'PAUSED');
  fleet.request('ABORT');
  const r = await done;
  expect(r.state).toBe('ABORTED');
  expect(fleet.versions).toEqual([1, 1, 1]);
  expect(fleet.cancelled).toBe(true);
  expect(fleet.states).toEqual(['RUNNING', 'PAUSED', 'ROLLING_BACK', 'ABORTED']);
});
