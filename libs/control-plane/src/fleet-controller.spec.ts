import { DeliveryGuarantee, PipelineState, TaskState } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { StateStoreFatalError } from './errors';
import { FleetController } from './fleet-controller';
import type { FleetState } from './fleet-state';
import type { StateChange } from './ports';
import type { Reconciler } from './reconciler';
import { Channel, MemoryState, MemoryTopics } from './testing';

/** The facade's parts a test drives directly: the loop's tick, and the model. */
const internals = (f: FleetController) => f as unknown as { reconciler: Reconciler; state: FleetState };

const hello = (workerId: string, capacity = 8) => ({
  workerId,
  host: 'h',
  capacity,
  transforms: [{ name: 'identity', version: 1 }],
  running: [],
  pid: 1,
});

/** Lets queued operations run until `cond` holds (no clock involved: it yields to the event loop). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('FleetController', () => {
  let fleet: FleetController;
  let state: MemoryState;
  afterEach(() => fleet.stop());

  const start = async (topics = new Map([['in', 8]])) => {
    state = new MemoryState();
    fleet = new FleetController({
      state,
      topics: new MemoryTopics(topics),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
    });
    await fleet.start();
  };

  it('counts heartbeats of current sessions only', async () => {
    await start();
    const s1 = await fleet.hello(hello('w1'), new Channel());
    fleet.heartbeat('w1', s1);
    fleet.heartbeat('w1', s1);
    const s2 = await fleet.hello(hello('w1'), new Channel()); // reconnect: s1 is stale
    fleet.heartbeat('w1', s1);
    fleet.heartbeat('w1', s2);
    fleet.heartbeat('nobody', s2);
    expect(fleet.metricsSnapshot().heartbeats).toBe(3);
  });

  it('places a pipeline over the connected workers, balanced, persisting before it tells them', async () => {
    await start(new Map([['in', 12]]));
    const channels = ['a', 'b', 'c'].map(() => new Channel());
    for (const [i, c] of channels.entries()) await fleet.hello(hello(`w${i}`), c);
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 12,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    expect(channels.map((c) => c.assigned().length)).toEqual([4, 4, 4]);
    const persisted = state.saves.flat().filter((c) => c.kind === 'assignment');
    expect(persisted).toHaveLength(12);
  });

  it('places a burst of Hellos once: no task is assigned to one worker and then moved', async () => {
    await start(new Map([['in', 12]]));
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 12,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    const channels = ['a', 'b', 'c'].map(() => new Channel());
    // All at once, as after a controller restart: each Hello's reconcile is shared with the next.
    await Promise.all(channels.map((c, i) => fleet.hello(hello(`w${i}`), c)));
    await until(() => channels.every((c) => c.assigned().length === 4));
    expect(channels.flatMap((c) => c.sent).filter((m) => m.body?.$case === 'revoke')).toEqual([]);
  });

  it('keeps a pipeline at the guarantee it was created with: tasks get it, an update cannot change it', async () => {
    await start(new Map([['in', 2]]));
    const ch = new Channel();
    await fleet.hello(hello('w1'), ch);
    const spec = {
      name: 'alo',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 2,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
      guarantee: DeliveryGuarantee.AT_LEAST_ONCE,
    };
    await fleet.createPipeline(spec);
    const assigns = ch.sent.flatMap((m) => (m.body?.$case === 'assign' ? [m.body.value] : []));
    expect(assigns.map((a) => a.guarantee)).toEqual([
      DeliveryGuarantee.AT_LEAST_ONCE,
      DeliveryGuarantee.AT_LEAST_ONCE,
    ]);
    expect(fleet.getPipeline('alo').spec?.guarantee).toBe(DeliveryGuarantee.AT_LEAST_ONCE);

    // Leaving it out reads as exactly once: a change, refused, naming the field.
    const { guarantee: _dropped, ...withoutGuarantee } = spec;
    for (const g of [withoutGuarantee, { ...spec, guarantee: DeliveryGuarantee.EXACTLY_ONCE }])
      await expect(fleet.beginUpdate(g)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        field: 'spec.guarantee',
        message: 'spec.guarantee: cannot change in an update (is at-least-once)',
      });
  });

  it('reads, resets and deletes an at-least-once pipeline’s offsets in its per-task groups', async () => {
    /** Topics whose committed offsets live per group, with every reset and deletion recorded. */
    class OffsetTopics extends MemoryTopics {
      readonly offsets = new Map<string, Map<number, number>>();
      readonly deleted: string[] = [];
      readonly resets: [string, [number, number][]][] = [];
      override async committedOffsets(group: string) {
        return this.offsets.get(group) ?? new Map<number, number>();
      }
      override async endOffsets() {
        return new Map([0, 1, 2, 3].map((p) => [p, 100]));
      }
      override async earliestOffsets() {
        return new Map([0, 1, 2, 3].map((p) => [p, 0]));
      }
      override async deleteGroup(group: string) {
        this.deleted.push(group);
      }
      override async commitOffsetsInTransaction(
        _tx: string,
        group: string,
        _t: string,
        o: Map<number, number>,
      ) {
        this.resets.push([group, [...o]]);
      }
    }
    const topics = new OffsetTopics(new Map([['in', 4]]));
    state = new MemoryState();
    fleet = new FleetController({ state, topics, registry: new TransformRegistry(BUILTIN_TRANSFORMS) });
    await fleet.start();
    await fleet.createPipeline({
      name: 'alo',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 2,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
      guarantee: DeliveryGuarantee.AT_LEAST_ONCE,
    });
    // Task 0 owns partitions 0 and 2, task 1 owns 1 and 3; the pipeline group itself is never used.
    topics.offsets.set(
      'eos.alo.alo.0',
      new Map([
        [0, 90],
        [2, 100],
      ]),
    );
    topics.offsets.set('eos.alo.alo.1', new Map([[1, 40]]));
    topics.offsets.set(
      'eos.alo',
      new Map([
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ]),
    );
    const status = await fleet.pipelineStatus('alo');
    expect(status.tasks.map((t) => [t.taskIndex, t.lag])).toEqual([
      [0, 10],
      [1, 160],
    ]);
    expect(status.lag).toBe(170);

    await fleet.stopPipeline('alo');
    await fleet.resetPipelineOffsets({ name: 'alo', target: { $case: 'earliest', value: true } });
    expect(topics.resets).toEqual([
      [
        'eos.alo.alo.0',
        [
          [0, 0],
          [2, 0],
        ],
      ],
      [
        'eos.alo.alo.1',
        [
          [1, 0],
          [3, 0],
        ],
      ],
    ]);
    await fleet.deletePipeline('alo');
    expect(topics.deleted.sort()).toEqual(['eos.alo.alo.0', 'eos.alo.alo.1']);
  });

  it('forgets a dead worker after forgetWorkerAfterMs, and only a dead or drained one', async () => {
    let clock = 1_000_000;
    state = new MemoryState();
    fleet = new FleetController({
      state,
      topics: new MemoryTopics(),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
      leaseMs: 3_000,
      forgetWorkerAfterMs: 60_000,
      now: () => clock,
    });
    await fleet.start();
    const tick = () => internals(fleet).reconciler.tick();
    const s1 = await fleet.hello(hello('gone'), new Channel());
    const s2 = await fleet.hello(hello('alive'), new Channel());
    const states = () => Object.fromEntries(fleet.listWorkers().map((w) => [w.workerId, w.state]));
    clock += 4_000;
    fleet.heartbeat('alive', s2);
    await tick();
    expect(states()).toEqual({ gone: 4 /* DEAD */, alive: 1 /* ACTIVE */ });
    clock += 30_000;
    fleet.heartbeat('alive', s2);
    await tick();
    expect(Object.keys(states()).sort()).toEqual(['alive', 'gone']); // dead, still listed
    clock += 31_000;
    fleet.heartbeat('alive', s2);
    await tick();
    expect(states()).toEqual({ alive: 1 });
    // Coming back is a fresh registration.
    void s1;
    await fleet.hello(hello('gone'), new Channel());
    expect(states()).toEqual({ alive: 1, gone: 1 });
  });

  it('fails the request whose state write fails, not the controller; only a fenced store is fatal', async () => {
    /** Refuses records over `limit` bytes as a broker does (MESSAGE_TOO_LARGE), or fails as fenced. */
    class LimitedState extends MemoryState {
      fenced = false;
      override async save(changes: StateChange[]): Promise<void> {
        if (this.fenced) throw new StateStoreFatalError('fenced by another controller');
        if (changes.some((c) => JSON.stringify(c).length > 2_000)) throw new Error('MESSAGE_TOO_LARGE');
        await super.save(changes);
      }
    }
    const limited = new LimitedState();
    state = limited;
    fleet = new FleetController({
      state,
      topics: new MemoryTopics(new Map([['in', 2]])),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
    });
    const fatal: Error[] = [];
    fleet.on('fatal', (e) => fatal.push(e));
    await fleet.start();
    const spec = (suffix: string, name = 'p') => ({
      name,
      inputTopic: 'in',
      outputTopic: `${name}.out`,
      tasks: 2,
      transform: { name: 'suffix', version: 1, config: { suffix } },
      deadLetterTopic: '',
    });
    await expect(fleet.createPipeline(spec('x'.repeat(5_000)))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'controller state could not be written: MESSAGE_TOO_LARGE',
    });
    expect(fatal).toEqual([]);
    expect(fleet.listPipelines()).toEqual([]);
    // The next request works.
    await fleet.createPipeline(spec('|a'));
    expect(fleet.listPipelines().map((p) => p.spec?.name)).toEqual(['p']);
    limited.fenced = true;
    await expect(fleet.pausePipeline('p')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(fatal.map((e) => e.message)).toEqual(['fenced by another controller']);
  });

  /** A controller whose state writes fail while `flaky.failing`, on a clock the test moves. */
  async function flakyFleet(partitions: number) {
    class FlakyState extends MemoryState {
      failing = false;
      override async save(changes: StateChange[]): Promise<void> {
        if (this.failing) throw new Error('broker away');
        await super.save(changes);
      }
    }
    const clock = { now: 1_000_000 };
    const flaky = new FlakyState();
    state = flaky;
    fleet = new FleetController({
      state,
      topics: new MemoryTopics(new Map([['in', partitions]])),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
      now: () => clock.now,
    });
    await fleet.start();
    return { flaky, clock };
  }

  it('undoes assignments whose write failed and places them again once writes work', async () => {
    const { flaky, clock } = await flakyFleet(2);
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 2,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    flaky.failing = true;
    const ch = new Channel();
    await fleet.hello(hello('w1'), ch);
    await until(() => internals(fleet).reconciler.retryPending);
    expect(ch.assigned()).toEqual([]);
    expect((await fleet.pipelineStatus('p')).tasks.map((t) => t.ownerWorkerId)).toEqual(['', '']);
    flaky.failing = false;
    clock.now += 1_500;
    await internals(fleet).reconciler.tick();
    expect(ch.assigned().sort()).toEqual(['p/0', 'p/1']);
  });

  it("writes a released task's unassignment with its next assignment, in one state write; a failed write keeps both for the retry", async () => {
    const { flaky, clock } = await flakyFleet(1);
    const ch1 = new Channel();
    await fleet.hello(hello('w1'), ch1);
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 1,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    expect(ch1.assigned()).toEqual(['p/0']);
    const ch2 = new Channel();
    await fleet.hello(hello('w2'), ch2);
    await fleet.drainWorker('w1');
    const revoke = ch1.sent.find((m) => m.body?.$case === 'revoke');
    const epoch = revoke?.body?.$case === 'revoke' ? revoke.body.value.epoch : -1;
    const assignmentsOf = (changes: StateChange[]) =>
      changes.flatMap((c) =>
        c.kind === 'assignment' && c.key === 'p/0' ? [c.value?.owner ?? '(none)'] : [],
      );
    const before = flaky.saves.length;

    flaky.failing = true; // the first write of the handoff fails
    await fleet.released('w1', { task: { pipeline: 'p', taskIndex: 0 }, epoch, offsets: [] });
    await until(() => internals(fleet).reconciler.retryPending);
    expect(ch2.assigned()).toEqual([]);
    flaky.failing = false;
    clock.now += 1_500;
    await internals(fleet).reconciler.tick();
    expect(ch2.assigned()).toEqual(['p/0']);
    // One write since the release: the unassignment, then the new owner, in that order.
    expect(flaky.saves.slice(before).map(assignmentsOf)).toEqual([['(none)', 'w2']]);
  });

  it('refuses the state topic as an output, and drain numbers out of range', async () => {
    await start(new Map([['in', 2]]));
    await expect(
      fleet.createPipeline({
        name: 'p',
        inputTopic: 'in',
        outputTopic: '__eos_controller',
        tasks: 2,
        transform: { name: 'identity', version: 1, config: {} },
        deadLetterTopic: '',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'spec.outputTopic' });
    await fleet.hello(hello('w1'), new Channel());
    await expect(fleet.drainWorker('w1', { deadlineMs: -5 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'deadlineMs',
    });
    expect(fleet.getWorker('w1').state).toBe(1 /* ACTIVE */);
  });

  it('bounds what grows: audit and finished rollouts by retention, commit history by time, status reads by a cache', async () => {
    let clock = 1_000_000;
    class CountingTopics extends MemoryTopics {
      endReads = 0;
      override async endOffsets() {
        this.endReads++;
        return new Map([
          [0, 10],
          [1, 10],
        ]);
      }
    }
    const topics = new CountingTopics(new Map([['in', 2]]));
    state = new MemoryState();
    fleet = new FleetController({
      state,
      topics,
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
      auditRetention: 3,
      finishedRolloutsRetention: 1,
      now: () => clock,
    });
    await fleet.start();
    // Audit: the newest 3 kept, the older ones deleted from state.
    for (let i = 1; i <= 5; i++)
      await fleet.recordAudit({ actor: 'a', action: `A${i}`, target: '', detail: '', outcome: 'OK' });
    expect(fleet.auditRecords(100).map((r) => r.action)).toEqual(['A5', 'A4', 'A3']);
    expect(state.saves.flat().filter((c) => c.kind === 'auditDelete')).toEqual([
      { kind: 'auditDelete', seq: 1 },
      { kind: 'auditDelete', seq: 2 },
    ]);
    // Rollouts: every active one, and the newest finished one.
    const rollout = (id: string, st: 'RUNNING' | 'SUCCEEDED') => ({
      id,
      pipeline: 'p',
      fromVersion: 1,
      toVersion: 2,
      state: st,
      strategy: { canaryTasks: 1, stepTasks: 1, gateCommits: 1, maxFailedRecords: 0, gateTimeoutMs: 1000 },
      moved: [],
      step: 0,
      gates: [],
      reason: '',
      createdAtMs: clock,
      updatedAtMs: clock,
    });
    await fleet.saveRollout(rollout('r1', 'SUCCEEDED'));
    clock += 1;
    await fleet.saveRollout(rollout('r2', 'RUNNING'));
    clock += 1;
    await fleet.saveRollout(rollout('r3', 'SUCCEEDED'));
    expect(fleet.listRolloutRecords().map((r) => r.id)).toEqual(['r3', 'r2']);
    expect(state.saves.flat().filter((c) => c.kind === 'rolloutDelete')).toEqual([
      { kind: 'rolloutDelete', id: 'r1' },
    ]);

    // Commit history: at most one bucket per second of the last minute, however many reports.
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 1,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    const ch = new Channel();
    await fleet.hello(hello('w1'), ch);
    await until(() => ch.assigned().length === 1);
    const epoch = (await fleet.pipelineStatus('p')).tasks[0]!.epoch;
    const report = (records: number) => ({
      task: { pipeline: 'p', taskIndex: 0 },
      epoch,
      offsets: [],
      records,
      deadLettered: 0,
      committedAtMs: clock,
    });
    for (let s = 0; s < 120; s++) {
      for (let i = 0; i < 100; i++) fleet.commits('w1', [report(2)]);
      clock += 1_000;
    }
    const recent = internals(fleet).state.tasks.get('p/0')!.recent;
    expect(recent.length).toBeLessThanOrEqual(61);
    const st = (await fleet.pipelineStatus('p')).tasks[0]!;
    expect(st.commitsPerSecond).toBeCloseTo(100, -1);
    expect(st.recordsPerSecond).toBeCloseTo(200, -1);

    // Status: concurrent and repeated reads within a second share one Kafka read.
    clock += 1_000;
    const before = topics.endReads;
    await Promise.all([fleet.pipelineStatus('p'), fleet.pipelineStatus('p'), fleet.pipelineOffsets('p')]);
    expect(topics.endReads - before).toBe(1);
    clock += 1_000;
    await fleet.pipelineStatus('p');
    expect(topics.endReads - before).toBe(2);
  });

  it('shows tasks without a worker as PENDING with the reason, the pipeline DEGRADED, and lag over every partition', async () => {
    class LaggingTopics extends MemoryTopics {
      override async endOffsets() {
        return new Map([0, 1, 2, 3].map((p) => [p, 10]));
      }
    }
    state = new MemoryState();
    fleet = new FleetController({
      state,
      topics: new LaggingTopics(new Map([['in', 4]])),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
    });
    await fleet.start();
    await fleet.hello(hello('w1', 2), new Channel());
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 4,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    const st = await fleet.pipelineStatus('p');
    expect(st.pipeline?.state).toBe(PipelineState.DEGRADED);
    expect(st.pipeline?.tasksPending).toBe(2);
    expect(st.tasks.map((t) => [t.state, t.reason])).toEqual([
      [TaskState.STARTING, ''],
      [TaskState.STARTING, ''],
      [TaskState.PENDING, 'no worker with free capacity for identity@1'],
      [TaskState.PENDING, 'no worker with free capacity for identity@1'],
    ]);
    expect(st.lag).toBe(40); // every partition, owned or not
    expect(fleet.listPipelines()[0]?.state).toBe(PipelineState.DEGRADED);
    // Paused: not DEGRADED (nothing should run); a worker with room: RUNNING.
    await fleet.pausePipeline('p');
    expect(fleet.getPipeline('p').state).toBe(PipelineState.PAUSED);
    await fleet.resumePipeline('p');
    await fleet.hello(hello('w2', 2), new Channel());
    await until(() => fleet.getPipeline('p').state === PipelineState.RUNNING);
    expect((await fleet.pipelineStatus('p')).tasks.every((t) => t.reason === '')).toBe(true);
  });

  it('keeps a moved task’s slot: a rollout step’s task is placed again before another pipeline’s waiting task', async () => {
    await start(
      new Map([
        ['in', 2],
        ['other', 1],
      ]),
    );
    const ch = new Channel();
    await fleet.hello(hello('w1', 2), ch);
    const spec = (name: string, inputTopic: string, tasks: number) => ({
      name,
      inputTopic,
      outputTopic: `${name}.out`,
      tasks,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    await fleet.createPipeline(spec('a', 'in', 2));
    await fleet.createPipeline(spec('b', 'other', 1)); // waits: w1 is full
    expect((await fleet.pipelineStatus('b')).tasks[0]?.state).toBe(TaskState.PENDING);
    // A rollout step moves a/0 to a new spec version: revoke, the worker releases, it is placed again.
    await fleet.setTaskVersion('a', 0, 1_000);
    const revoke = ch.sent.find((m) => m.body?.$case === 'revoke');
    expect(revoke?.body?.$case === 'revoke' && revoke.body.value.task?.pipeline).toBe('a');
    const epoch = revoke?.body?.$case === 'revoke' ? revoke.body.value.epoch : 0;
    await fleet.released('w1', { task: { pipeline: 'a', taskIndex: 0 }, epoch, offsets: [] });
    await until(() => ch.assigned().filter((k) => k === 'a/0').length === 2);
    expect(ch.assigned()).not.toContain('b/0');
    expect((await fleet.pipelineStatus('b')).tasks[0]?.state).toBe(TaskState.PENDING);
  });

  it('picks up input partitions added after creation: the owning tasks restart with them under a new epoch', async () => {
    const topics = new MemoryTopics(new Map([['in', 2]]));
    state = new MemoryState();
    fleet = new FleetController({ state, topics, registry: new TransformRegistry(BUILTIN_TRANSFORMS) });
    await fleet.start();
    const ch = new Channel();
    await fleet.hello(hello('w1'), ch);
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 2,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    const assigns = () => ch.sent.flatMap((m) => (m.body?.$case === 'assign' ? [m.body.value] : []));
    expect(assigns().map((a) => a.partitions)).toEqual([[0], [1]]);
    const firstEpochs = assigns().map((a) => a.epoch);

    topics.topics.set('in', 5); // partitions 2, 3, 4 added: tasks 0 (2, 4) and 1 (3)
    await fleet.checkInputPartitions();
    const revokes = ch.sent.flatMap((m) => (m.body?.$case === 'revoke' ? [m.body.value] : []));
    expect(revokes.map((r) => [r.task?.taskIndex, r.graceful])).toEqual([
      [0, true],
      [1, true],
    ]);
    for (const r of revokes) await fleet.released('w1', { task: r.task, epoch: r.epoch, offsets: [] });
    await until(() => assigns().length === 4);
    const again = assigns().slice(2);
    expect(again.map((a) => [a.task?.taskIndex, a.partitions])).toEqual([
      [0, [0, 2, 4]],
      [1, [1, 3]],
    ]);
    expect(Math.min(...again.map((a) => a.epoch))).toBeGreaterThan(Math.max(...firstEpochs));
    const st = await fleet.pipelineStatus('p');
    expect(st.tasks.map((t) => t.partitions.map((x) => x.partition))).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(state.saves.flat().some((c) => c.kind === 'pipeline' && c.value?.inputPartitions === 5)).toBe(
      true,
    );
  });

  describe('failure detection in two speeds', () => {
    let clock = 1_000_000;
    const spec = {
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 4,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    };
    const setup = async () => {
      state = new MemoryState();
      fleet = new FleetController({
        state,
        topics: new MemoryTopics(new Map([['in', 4]])),
        registry: new TransformRegistry(BUILTIN_TRANSFORMS),
        leaseMs: 3_000,
        disconnectGraceMs: 500,
        now: () => clock,
      });
      await fleet.start();
      const c1 = new Channel();
      const c2 = new Channel();
      const s1 = await fleet.hello(hello('w1'), c1);
      const s2 = await fleet.hello(hello('w2'), c2);
      await fleet.createPipeline(spec);
      expect([c1.assigned().length, c2.assigned().length]).toEqual([2, 2]);
      const tick = () => internals(fleet).reconciler.tick();
      const beat = () => {
        fleet.heartbeat('w1', s1);
        fleet.heartbeat('w2', s2);
      };
      return { c1, c2, s1, s2, tick, beat };
    };

    it('a closed session frees the worker tasks after the grace, long before the lease', async () => {
      const { c2, s1, tick } = await setup();
      fleet.disconnected('w1', s1);
      clock += 400; // within the grace: nothing moves
      await tick();
      expect(c2.assigned()).toHaveLength(2);
      clock += 200; // 600 ms after the close, 2.4 s before the lease
      await tick();
      await until(() => c2.assigned().length === 4);
      expect(fleet.listWorkers().find((w) => w.workerId === 'w1')?.state).toBe(4 /* DEAD */);
    });

    it('a worker that reconnects within the grace keeps its tasks', async () => {
      const { c2, s1, tick } = await setup();
      fleet.disconnected('w1', s1);
      clock += 300;
      await fleet.hello(hello('w1'), new Channel());
      clock += 400;
      await tick();
      expect(c2.assigned()).toHaveLength(2);
      expect(fleet.listWorkers().find((w) => w.workerId === 'w1')?.state).toBe(1 /* ACTIVE */);
    });

    it('silence without a close waits for the whole lease', async () => {
      const { c2, s2, tick } = await setup();
      clock += 2_500; // w1 silent, stream open
      fleet.heartbeat('w2', s2);
      await tick();
      expect(c2.assigned()).toHaveLength(2);
      clock += 600; // past the lease
      fleet.heartbeat('w2', s2);
      await tick();
      await until(() => c2.assigned().length === 4);
    });
  });

  it('counts reports only from the session that owns the task', async () => {
    await start(new Map([['in', 1]]));
    const ch1 = new Channel();
    const s1 = await fleet.hello(hello('w1'), ch1);
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 1,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    const assign = ch1.sent.find((m) => m.body?.$case === 'assign');
    const epoch = assign?.body?.$case === 'assign' ? assign.body.value.epoch : 0;
    const task = { pipeline: 'p', taskIndex: 0 };
    // The same id in a second session (a reconnect) that still runs the task.
    const ch2 = new Channel();
    const s2 = await fleet.hello({ ...hello('w1'), running: [{ task, epoch, specVersion: 1 }] }, ch2);
    const status = async () => (await fleet.pipelineStatus('p')).tasks[0];
    fleet.commits('w1', [{ task, epoch, offsets: [], records: 5, deadLettered: 0, committedAtMs: 1 }], s1);
    await fleet.released('w1', { task, epoch, offsets: [] }, s1);
    await fleet.lost('w1', { task, epoch, reason: 0, message: 'stale' }, s1);
    expect(await status()).toMatchObject({ ownerWorkerId: 'w1', epoch });
    expect(fleet.metricsSnapshot().recordsCommitted).toBe(0);
    fleet.commits('w1', [{ task, epoch, offsets: [], records: 5, deadLettered: 0, committedAtMs: 1 }], s2);
    expect(fleet.metricsSnapshot().recordsCommitted).toBe(5);
    await fleet.released('w1', { task, epoch, offsets: [] }, s2);
    await until(() => ch2.assigned().length === 1); // released for real, then placed again
    expect((await status())?.epoch).toBeGreaterThan(epoch);
  });

  it('refuses reset offsets that are not whole numbers (HTTP JSON sends 1.5 as it is)', async () => {
    await start(new Map([['in', 2]]));
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 1,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
    await fleet.stopPipeline('p');
    await expect(
      fleet.resetPipelineOffsets({ name: 'p', target: { $case: 'timestampMs', value: 1.5 } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'timestampMs' });
    await expect(
      fleet.resetPipelineOffsets({
        name: 'p',
        target: { $case: 'explicit', value: { offsets: [{ partition: 0, offset: -0.5 }] } },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'explicit.offsets.offset' });
  });
});
