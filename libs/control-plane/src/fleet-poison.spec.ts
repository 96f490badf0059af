/** FleetController: failure backoff in status, careful mode and quarantine over worker sessions. */
import { LossReason, type Assign } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { FleetController } from './fleet-controller';
import { Channel, MemoryState, MemoryTopics } from './testing';

const hello = (pid: number) => ({
  workerId: 'w1',
  host: 'h',
  capacity: 8,
  transforms: [{ name: 'identity', version: 1 }],
  running: [],
  pid,
});

/** Lets queued operations (the reconcile a Hello requests) run until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('FleetController: failing and poison tasks', () => {
  let fleet: FleetController;
  let state: MemoryState;
  const now = 1_000_000;
  afterEach(() => fleet.stop());

  const start = async () => {
    state = new MemoryState();
    fleet = new FleetController({
      state,
      topics: new MemoryTopics(new Map([['in', 1]])),
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
      now: () => now,
      quarantineAfterCrashes: 2,
    });
    await fleet.start();
    await fleet.createPipeline({
      name: 'p',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 1,
      transform: { name: 'identity', version: 1, config: {} },
      deadLetterTopic: '',
    });
  };
  const task = { pipeline: 'p', taskIndex: 0 };

  it('a failed task waits with exponential backoff, its error and retry time in status', async () => {
    await start();
    const c = new Channel();
    await fleet.hello(hello(1), c);
    await until(() => c.assigns().length === 1);
    const a = c.assigns().at(-1) as Assign;
    const message = 'pipeline p task 0 is not authorized: needs Write on TransactionalId eos.p.0';
    await fleet.lost('w1', { task, epoch: a.epoch, reason: LossReason.FAILED, message });
    const s = (await fleet.pipelineStatus('p')).tasks[0];
    expect(s).toMatchObject({ failures: 1, lastError: message, retryAtMs: now + 2_000, ownerWorkerId: '' });
    expect(c.assigns()).toHaveLength(1); // not reassigned before the backoff
  });

  it('a task whose worker keeps dying goes careful at the second death, and the record in flight is quarantined after 2 deaths there', async () => {
    await start();
    const c = new Channel();
    await fleet.hello(hello(1), c);
    await until(() => c.assigns().length === 1);
    expect(c.assigns().at(-1)?.careful).toBe(false);
    // The process restarts (new pid): the task died with it. One death is no evidence: full speed.
    await fleet.hello(hello(2), c);
    await until(() => c.assigns().length === 2);
    expect(c.assigns().at(-1)).toMatchObject({ careful: false, quarantined: [] });
    // It dies again before committing anything: careful mode, record unknown yet.
    await fleet.hello(hello(3), c);
    await until(() => c.assigns().length === 3);
    let a = c.assigns().at(-1) as Assign;
    expect(a).toMatchObject({ careful: true, quarantined: [] });
    for (const pid of [4, 5]) {
      fleet.inFlight('w1', { task, epoch: a.epoch, partition: 0, offset: 7, done: false });
      const n = c.assigns().length;
      await fleet.hello(hello(pid), c);
      await until(() => c.assigns().length === n + 1);
      a = c.assigns().at(-1) as Assign;
    }
    expect(a.quarantined).toEqual([
      {
        partition: 0,
        offset: 7,
        reason:
          'quarantined by the controller: crashed or hung its worker 2 times (last: worker w1 restarted (pid 4 -> 5))',
        atMs: now,
      },
    ]);
    // Durable before the worker was told, and shown in status.
    const saved = state.saves.flat().filter((ch) => ch.kind === 'pipeline' && ch.value?.quarantined?.length);
    expect(saved).toHaveLength(1);
    const s = (await fleet.pipelineStatus('p')).tasks[0];
    expect(s?.quarantined.map((q) => [q.partition, q.offset])).toEqual([[0, 7]]);
    expect(s?.careful).toBe(true);
  });
});
