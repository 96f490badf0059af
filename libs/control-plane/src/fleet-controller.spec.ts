import { DeliveryGuarantee, type ControllerMessage } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { FleetController } from './fleet-controller';
import type { StateChange, StatePort, StoredState, TopicsPort, WorkerChannel } from './ports';

/** Durable state in memory: what was saved, in order. */
class MemoryState implements StatePort {
  readonly saves: StateChange[][] = [];
  async load(): Promise<StoredState> {
    return { epoch: 0, pipelines: new Map(), assignments: new Map(), audit: [], rollouts: new Map() };
  }
  async save(changes: StateChange[]): Promise<void> {
    this.saves.push(changes);
  }
}

/** Topics in memory: `partitions` per known topic. */
class MemoryTopics implements TopicsPort {
  constructor(readonly topics = new Map<string, number>()) {}
  async partitions(topic: string) {
    return this.topics.get(topic);
  }
  async ensureTopic(topic: string, partitions: number) {
    if (!this.topics.has(topic)) this.topics.set(topic, partitions);
  }
  async committedOffsets(_group: string, _topic: string) {
    return new Map<number, number>();
  }
  async endOffsets() {
    return new Map<number, number>();
  }
  async earliestOffsets() {
    return new Map<number, number>();
  }
  async offsetsForTimestamp() {
    return new Map<number, number>();
  }
  async deleteGroup(_group: string) {}
  async commitOffsetsInTransaction(
    _tx: string,
    _group: string,
    _topic: string,
    _offsets: Map<number, number>,
  ) {}
}

/** A worker session that records what the controller sent it. */
class Channel implements WorkerChannel {
  readonly sent: ControllerMessage[] = [];
  closed = false;
  send(m: ControllerMessage): void {
    this.sent.push(m);
  }
  close(): void {
    this.closed = true;
  }
  assigned(): string[] {
    return this.sent.flatMap((m) =>
      m.body?.$case === 'assign' ? [`${m.body.value.task?.pipeline}/${m.body.value.task?.taskIndex}`] : [],
    );
  }
}

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
    fleet.commits(
      'w1',
      [{ task, epoch, offsets: [], records: 5, bytes: 5, durationMs: 1, deadLettered: 0, committedAtMs: 1 }],
      s1,
    );
    await fleet.released('w1', { task, epoch, offsets: [] }, s1);
    await fleet.lost('w1', { task, epoch, reason: 0, message: 'stale' }, s1);
    expect(await status()).toMatchObject({ ownerWorkerId: 'w1', epoch });
    expect(fleet.metricsSnapshot().recordsCommitted).toBe(0);
    fleet.commits(
      'w1',
      [{ task, epoch, offsets: [], records: 5, bytes: 5, durationMs: 1, deadLettered: 0, committedAtMs: 1 }],
      s2,
    );
    expect(fleet.metricsSnapshot().recordsCommitted).toBe(5);
    await fleet.released('w1', { task, epoch, offsets: [] }, s2);
    await until(() => ch2.assigned().length === 1); // released for real, then placed again
    expect((await status())?.epoch).toBeGreaterThan(epoch);
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
    const tick = () => (fleet as unknown as { tick(): Promise<void> }).tick();
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
});
