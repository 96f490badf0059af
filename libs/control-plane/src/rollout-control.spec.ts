/** Starting and steering rollouts: the rules that used to live in the app's rollout queue. */
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { FleetController } from './fleet-controller';
import { DEFAULT_STRATEGY } from './rollout-control';
import { Channel, MemoryState, MemoryTopics } from './testing';

const spec = (suffix: string) => ({
  name: 'p',
  inputTopic: 'in',
  outputTopic: 'out',
  tasks: 2,
  transform: { name: 'suffix', version: 1, config: { suffix } },
  deadLetterTopic: '',
});

describe('rollouts: start and requests', () => {
  let fleet: FleetController;
  let state: MemoryState;
  afterEach(() => fleet.stop());

  beforeEach(async () => {
    state = new MemoryState();
    fleet = new FleetController({
      state,
      topics: new MemoryTopics(new Map([['in', 2]])),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
    });
    await fleet.start();
    await fleet.hello(
      {
        workerId: 'w1',
        host: 'h',
        capacity: 8,
        transforms: [{ name: 'suffix', version: 1 }],
        running: [],
        pid: 1,
      },
      new Channel(),
    );
    await fleet.createPipeline(spec('|a'));
  });

  it('checks the request before asking whether rollouts can start, and changes nothing when they cannot', async () => {
    let asked = 0;
    const ready = () => {
      asked++;
      throw new Error('queue down');
    };
    await expect(fleet.startRollout(spec('|b'), { canaryTasks: -1 }, ready)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'strategy.canaryTasks',
    });
    await expect(fleet.startRollout({ ...spec('|b'), tasks: 3 }, undefined, ready)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'spec.tasks',
    });
    expect(asked).toBe(0);
    const saves = state.saves.length;
    await expect(fleet.startRollout(spec('|b'), undefined, ready)).rejects.toThrow('queue down');
    expect(asked).toBe(1);
    expect(state.saves.length).toBe(saves);
    expect(fleet.listRolloutRecords()).toEqual([]);
  });

  it('stores a PENDING rollout with the default strategy filled in, one per pipeline at a time', async () => {
    const r = await fleet.startRollout(spec('|b'), { stepTasks: 1 });
    expect(r).toMatchObject({
      pipeline: 'p',
      fromVersion: 1,
      toVersion: 2,
      state: 'PENDING',
      strategy: { ...DEFAULT_STRATEGY, stepTasks: 1 },
      moved: [],
    });
    expect(r.id).toMatch(/^ro-[0-9a-f]{8}$/);
    expect(fleet.activeRollouts().map((x) => x.id)).toEqual([r.id]);
    expect(fleet.rolloutView(r)).toMatchObject({ rolloutId: r.id, tasksOnOld: [0, 1], tasksOnNew: [] });
    await expect(fleet.startRollout(spec('|c'), undefined)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('one at a time') as unknown,
    });
  });

  it('records pause, resume and abort; refuses what does not apply', async () => {
    const { id } = await fleet.startRollout(spec('|b'), undefined);
    await expect(fleet.requestRollout(id, 'RESUME')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: `rollout ${id} is not paused (PENDING)`,
    });
    await fleet.requestRollout(id, 'PAUSE');
    expect(fleet.getRolloutRecord(id).requested).toBe('PAUSE');
    await fleet.requestRollout(id, 'RESUME'); // a pause not yet applied can be taken back
    expect(fleet.getRolloutRecord(id).requested).toBe('RESUME');
    await fleet.updateRollout(id, (r) => ({ ...r, state: 'ABORTED' }));
    await expect(fleet.requestRollout(id, 'ABORT')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: `rollout ${id} is ABORTED already`,
    });
    await expect(fleet.requestRollout('ro-none', 'ABORT')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
