import { FleetNames, atLeastOnceGroupOf } from '@eos/fleet-names';
import { PoisonRecordError, RetriableTransformError, type TransformFn } from '@eos/transforms';
import { EosTask, type CommitInfo, type EosTaskOptions } from './index';
import { AHEAD_PREPARE_DELAY_MS, commitStrategyFor } from './commit-strategy';
import { resolveTaskOptions } from './eos-task-options';
import type { ConsumerPort } from './kafka-port';
import { classifyError, FencedError, TaskFatalError } from './errors';
import { FakeKafka } from './testing';

const identity: TransformFn = (r) => ({ value: r.value });
const names = new FleetNames();
/** The pipeline's offsets group. */
const GROUP = names.pipelineGroup('p');

function setup(overrides: Partial<EosTaskOptions> = {}, partitions = 2) {
  const kafka = new FakeKafka();
  kafka.createTopic('in', partitions);
  kafka.createTopic('out', partitions);
  kafka.createTopic('dlq', 1);
  const options: EosTaskOptions = {
    pipeline: 'p',
    taskIndex: 0,
    inputTopic: 'in',
    partitions: Array.from({ length: partitions }, (_, i) => i),
    outputTopic: 'out',
    deadLetterTopic: 'dlq',
    transactionalId: names.transactionalId('p', 0),
    consumerGroup: GROUP,
    transform: identity,
    transformId: 'identity@1',
    kafka,
    batching: { lingerMs: 5 },
    retry: { initialMs: 1, maxMs: 5 },
    ...overrides,
  };
  const task = new EosTask(options);
  const commits: CommitInfo[] = [];
  const aborted: string[] = [];
  task.on('committed', (c) => commits.push(c));
  task.on('aborted', (a) => aborted.push(a.reason));
  return { kafka, task, commits, aborted, options };
}

/** Produce calls the fake's transactional producers made. */
const sends = (kafka: FakeKafka) => kafka.journal.filter((e) => e.startsWith('send ')).length;
const values = (kafka: FakeKafka, topic: string) => kafka.read(topic).map((r) => r.value?.toString());
const produceN = (kafka: FakeKafka, partition: number, n: number, from = 0) =>
  kafka.produce(
    'in',
    partition,
    Array.from({ length: n }, (_, i) => ({ key: `k${partition}`, value: `p${partition}-${from + i}` })),
  );

async function until(cond: () => boolean, what = 'condition', ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const tasks: EosTask[] = [];
afterEach(async () => {
  await Promise.all(tasks.splice(0).map((t) => t.stop({ graceful: false })));
});
function track<T extends { task: EosTask }>(s: T): T {
  tasks.push(s.task);
  return s;
}

/**
 * A first owner commits `n` records of partition 0 in a transaction whose offsets commit marker
 * the broker loses (Kafka 4.4 after a SIGKILL), then stops; `b` is the next owner, not started.
 */
async function strandedOwnerThenNext(n: number) {
  const a = track(setup({}, 1));
  produceN(a.kafka, 0, n);
  a.kafka.strandNextCommitOffsets();
  await a.task.start();
  await until(() => a.kafka.read('out').length === n, "the first owner's outputs");
  await a.task.stop({ graceful: false });
  const b = new EosTask({ ...a.options });
  tasks.push(b);
  return { a, b };
}

describe('EosTask on the fake port', () => {
  it('commits every record once, offsets = last offset + 1, order kept per partition', async () => {
    const { kafka, task, commits } = track(setup());
    produceN(kafka, 0, 5);
    produceN(kafka, 1, 3);
    await task.start();
    await until(() => kafka.read('out').length === 8, 'outputs');
    expect(
      kafka
        .read('out')
        .filter((r) => r.partition === 0)
        .map((r) => r.value?.toString()),
    ).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4']);
    expect(kafka.groups.get(GROUP)?.get('in')).toEqual(
      new Map([
        [0, 5],
        [1, 3],
      ]),
    );
    expect(commits.reduce((n, c) => n + c.records, 0)).toBe(8);
    expect(task.positions()).toEqual(
      new Map([
        [0, 5],
        [1, 3],
      ]),
    );
  });

  it('bounds a batch by maxRecords and by maxBytes', async () => {
    const a = track(setup({ batching: { maxRecords: 3, lingerMs: 5 } }, 1));
    produceN(a.kafka, 0, 10);
    await a.task.start();
    await until(() => a.kafka.read('out').length === 10);
    expect(Math.max(...a.commits.map((c) => c.records))).toBeLessThanOrEqual(3);
    expect(a.commits.map((c) => c.records).reduce((x, y) => x + y)).toBe(10);

    const b = track(setup({ batching: { maxBytes: 20, lingerMs: 5 } }, 1));
    b.kafka.produce(
      'in',
      0,
      Array.from({ length: 6 }, () => ({ value: 'x'.repeat(8) })),
    ); // 8 bytes each, no key
    await b.task.start();
    await until(() => b.kafka.read('out').length === 6);
    expect(b.commits.every((c) => c.bytes <= 20)).toBe(true);
    expect(b.commits.map((c) => c.records)).toEqual([2, 2, 2]);
  });

  it('lingers for a fuller batch, up to lingerMs, after the first batch', async () => {
    const { kafka, task, commits } = track(setup({ batching: { lingerMs: 200 } }, 1));
    await task.start();
    produceN(kafka, 0, 1);
    await until(() => kafka.read('out').length === 1);
    produceN(kafka, 0, 1, 1);
    setTimeout(() => produceN(kafka, 0, 1, 2), 30);
    await until(() => kafka.read('out').length === 3);
    expect(commits.map((c) => c.records)).toEqual([1, 2]);
  });

  it("counts the linger from the oldest record's arrival: a record that waited through a transaction does not wait a linger more", async () => {
    const slow: TransformFn = async (r) => {
      if (r.value?.toString() === 'p0-0') await new Promise((res) => setTimeout(res, 300));
      return { value: r.value };
    };
    const { kafka, task, commits } = track(setup({ transform: slow, batching: { lingerMs: 200 } }, 1));
    const committedAt: number[] = [];
    task.on('committed', () => committedAt.push(Date.now()));
    await task.start();
    produceN(kafka, 0, 1); // the first batch (no linger): its transform takes 300 ms
    await new Promise((r) => setTimeout(r, 50));
    produceN(kafka, 0, 1, 1); // arrives during that transaction
    await until(() => commits.length === 2);
    expect(commits.map((c) => c.records)).toEqual([1, 1]);
    // It had waited 250 ms (> lingerMs) when the first transaction ended: taken at once, not
    // after another 200 ms.
    expect((committedAt[1] as number) - (committedAt[0] as number)).toBeLessThan(150);
  });

  it('takes the first batch after a start without lingering (a handoff backlog is output paused)', async () => {
    const { kafka, task, commits } = track(setup({ batching: { lingerMs: 60_000 } }, 2));
    produceN(kafka, 0, 3);
    produceN(kafka, 1, 2);
    await task.start();
    await until(() => commits.length === 1, 'the first commit, long before lingerMs');
    expect(commits[0]?.records).toBe(5);
    // Later batches linger again (60 s here): nothing more is committed for now.
    produceN(kafka, 0, 1, 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(commits).toHaveLength(1);
  });

  it('sends a poison record to the dead-letter topic with its headers, once, and goes on', async () => {
    const transform: TransformFn = (r) => {
      if (r.value?.toString() === 'p0-2') throw new PoisonRecordError('bad record');
      return { value: r.value };
    };
    const { kafka, task, commits } = track(setup({ transform }, 1));
    produceN(kafka, 0, 5);
    await task.start();
    await until(() => kafka.read('out').length === 4);
    const dlq = kafka.read('dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.value?.toString()).toBe('p0-2');
    expect(dlq[0]?.headers).toMatchObject({
      'eos.source.topic': 'in',
      'eos.source.partition': '0',
      'eos.source.offset': '2',
      'eos.error': 'bad record',
      'eos.transform': 'identity@1',
    });
    expect(commits.reduce((n, c) => n + c.deadLettered, 0)).toBe(1);
    expect(values(kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-3', 'p0-4']);
  });

  it('fails the task (loses nothing) on a poison record without a dead-letter topic', async () => {
    const transform: TransformFn = () => {
      throw new Error('nope');
    };
    const { kafka, task } = track(setup({ transform, deadLetterTopic: undefined }, 1));
    const failed: string[] = [];
    task.on('failed', (f) => failed.push(f.error));
    produceN(kafka, 0, 1);
    await task.start();
    await expect(task.done()).resolves.toMatchObject({ kind: 'failed' });
    expect(failed[0]).toBe(
      'pipeline p: record in/0@0 (partition 0, offset 0) is poison for transform identity@1 (transform-error: nope) and the pipeline has no dead-letter topic',
    );
    expect(kafka.groups.get(GROUP)).toBeUndefined();
  });

  it.each(['send', 'sendOffsets'] as const)(
    'aborts, rewinds and retries after a %s failure: exactly once',
    async (op) => {
      const { kafka, task, aborted } = track(setup({}, 1));
      produceN(kafka, 0, 20);
      kafka.failNext(op);
      await task.start();
      await until(() => kafka.read('out').length >= 20);
      await until(() => task.state === 'running');
      expect(values(kafka, 'out')).toEqual(Array.from({ length: 20 }, (_, i) => `p0-${i}`));
      expect(aborted).toEqual([`injected ${op} failure`]);
      expect(kafka.stats.aborts).toBe(1);
      expect(kafka.stats.consumers).toBe(2); // rewound by a fresh consumer at the committed offsets
    },
  );

  it('aborts and retries a batch when the transform throws a retriable error', async () => {
    let failures = 1;
    const transform: TransformFn = (r) => {
      if (failures > 0) {
        failures--;
        throw new RetriableTransformError('lookup timed out');
      }
      return { value: r.value };
    };
    const { kafka, task, aborted } = track(setup({ transform }, 1));
    produceN(kafka, 0, 3);
    await task.start();
    await until(() => kafka.read('out').length === 3);
    expect(aborted).toEqual(['transform failed on in/0@0 (attempt 1 of 5): lookup timed out']);
    expect(kafka.read('dlq')).toHaveLength(0);
  });

  it('recreates the producer and re-reads offsets when a commit outcome is unknown', async () => {
    const { kafka, task, aborted } = track(setup({}, 1));
    produceN(kafka, 0, 10);
    kafka.failNext('commit', new Error('Request timed out'), true); // it landed, the answer was lost
    await task.start();
    await until(() => kafka.groups.get(GROUP)?.get('in')?.get(0) === 10);
    produceN(kafka, 0, 2, 10);
    await until(() => kafka.read('out').length >= 12);
    await new Promise((r) => setTimeout(r, 30));
    expect(values(kafka, 'out')).toEqual(Array.from({ length: 12 }, (_, i) => `p0-${i}`));
    expect(aborted[0]).toMatch(/commit outcome unknown: Request timed out/);
    expect(kafka.stats.inits).toBe(4); // two producer starts, each fencing the task's two transactional ids
  });

  it('starts fetching at the committed offsets while it fences, and keeps that fetch when they hold', async () => {
    const { kafka, task } = track(setup({}, 1));
    produceN(kafka, 0, 4);
    const started: { earlyFetch?: boolean }[] = [];
    task.on('started', (s) => started.push(s.steps ?? {}));
    await task.start();
    await until(() => kafka.read('out').length === 4);
    expect(values(kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3']);
    expect(started).toEqual([expect.objectContaining({ earlyFetch: true })]);
    expect(kafka.stats.consumers).toBe(1);
  });

  it("drops the early fetch when the last owner's commit lands during the fence: nothing twice", async () => {
    const { kafka, task } = track(setup({}, 1));
    produceN(kafka, 0, 10);
    // The last owner's final transaction (records 0-5 and their offsets) commits while this
    // task's producer fences: the offsets read before the fence (none) are stale after it.
    const init = kafka.transactionalProducer.bind(kafka);
    let lastOwnerCommitted = false;
    kafka.transactionalProducer = async (o) => {
      if (!lastOwnerCommitted) {
        lastOwnerCommitted = true;
        const old = await init({ transactionalId: 'last-owner' });
        const tx = await old.begin();
        await tx.write(
          Array.from({ length: 6 }, (_, i) => ({ topic: 'out', partition: 0, key: 'k0', value: `p0-${i}` })),
          { groupId: GROUP, topic: 'in', offsets: new Map([[0, 6]]) },
        );
        await tx.commit();
      }
      return init(o);
    };
    const started: { earlyFetch?: boolean }[] = [];
    task.on('started', (s) => started.push(s.steps ?? {}));
    await task.start();
    await until(() => kafka.read('out').length >= 10);
    await new Promise((r) => setTimeout(r, 30));
    expect(values(kafka, 'out')).toEqual(Array.from({ length: 10 }, (_, i) => `p0-${i}`));
    expect(started[0]?.earlyFetch).toBeUndefined();
    expect(kafka.stats.consumers).toBe(2); // the early fetch (from 0), then one from 6
    expect(task.positions().get(0)).toBe(10);
  });

  it('settles offsets the broker left pending after a committed transaction, instead of processing it twice', async () => {
    // Kafka 4.4 after a SIGKILL: the last owner's transaction committed (its outputs are
    // visible) but its offsets commit marker never reached the offsets partition. Read without
    // require_stable, the offsets are those from before it (none here): the next owner would
    // write p0-0..p0-5 again.
    const { a, b } = await strandedOwnerThenNext(6);
    expect(await a.kafka.committedOffsets(GROUP, 'in', [0])).toEqual(new Map());
    const started: { settledPartitions?: number[] }[] = [];
    b.on('started', (s) => started.push(s.steps ?? {}));
    produceN(a.kafka, 0, 2, 6);
    await b.start();
    await until(() => a.kafka.read('out').length >= 8, "the second owner's outputs");
    await new Promise((r) => setTimeout(r, 30));
    expect(values(a.kafka, 'out')).toEqual(Array.from({ length: 8 }, (_, i) => `p0-${i}`));
    expect(started[0]?.settledPartitions).toEqual([0]);
    expect(a.kafka.stats.settles).toBe(2); // each of the task's two transactional ids settles its own
    expect(b.positions().get(0)).toBe(8);
  });

  it('a settle that fails starts over with a fresh producer, and settles then', async () => {
    const { a, b } = await strandedOwnerThenNext(4);
    a.kafka.failNext('settle', new Error('injected settle failure'));
    const retrying: string[] = [];
    b.on('retrying', (r) => retrying.push(r.error));
    produceN(a.kafka, 0, 1, 4);
    const inits = a.kafka.stats.inits;
    await b.start();
    await until(() => a.kafka.read('out').length >= 5, "the second owner's output");
    await new Promise((r) => setTimeout(r, 30));
    expect(values(a.kafka, 'out')).toEqual(Array.from({ length: 5 }, (_, i) => `p0-${i}`));
    expect(retrying).toEqual(['injected settle failure']);
    expect(a.kafka.stats.inits - inits).toBe(4); // the failed settle's producers were replaced (two ids each time)
    expect(a.kafka.stats.settles).toBe(3); // the other id's settle of the failed attempt, then both again
  });

  it('does not settle anything when no offsets are pending after the fence', async () => {
    const { kafka, task } = track(setup({}, 1));
    produceN(kafka, 0, 3);
    const started: { settledPartitions?: number[] }[] = [];
    task.on('started', (s) => started.push(s.steps ?? {}));
    await task.start();
    await until(() => kafka.read('out').length === 3);
    expect(kafka.stats.settles).toBe(0);
    expect(started[0]?.settledPartitions).toBeUndefined();
  });

  it('waits for offsets pending under another transactional id, then fails the start with a message naming them', async () => {
    const { kafka, task, options } = track(setup({ transactionTimeoutMs: 200 }, 1));
    // Another producer (a partition that moved between tasks) left a commit pending on partition 0.
    const other = await kafka.transactionalProducer({ transactionalId: 'other' });
    kafka.strandNextCommitOffsets();
    const tx = await other.begin();
    await tx.write([{ topic: 'out', partition: 0, key: 'k', value: 'x' }], {
      groupId: GROUP,
      topic: 'in',
      offsets: new Map([[0, 3]]),
    });
    await tx.commit();
    const retrying: string[] = [];
    task.on('retrying', (r) => retrying.push(r.error));
    void task.start(); // resolves once running: it never gets there
    await until(() => retrying.length > 0, 'a retry');
    expect(retrying[0]).toMatch(
      new RegExp(
        `partitions 0 in group ${options.consumerGroup} are still pending 200 ms after this task's fence`,
      ),
    );
    expect(kafka.stats.settles).toBeGreaterThanOrEqual(1);
  });

  it('stops for good when fenced by a newer owner of its transactional id', async () => {
    const a = track(setup({}, 1));
    produceN(a.kafka, 0, 3);
    await a.task.start();
    await until(() => a.kafka.read('out').length === 3);
    const fenced: string[] = [];
    a.task.on('fenced', (f) => fenced.push(f.error));
    // B takes the task over with the same transactional id.
    const b = new EosTask({ ...a.options, kafka: a.kafka });
    tasks.push(b);
    await b.start();
    produceN(a.kafka, 0, 2, 3);
    await until(() => fenced.length === 1 || a.kafka.read('out').length === 5);
    await until(() => a.kafka.read('out').length === 5);
    await until(() => a.task.state === 'fenced', 'A fenced');
    expect(values(a.kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4']);
    await expect(a.task.done()).resolves.toMatchObject({ kind: 'fenced' });
    const initsAfter = a.kafka.stats.inits;
    await new Promise((r) => setTimeout(r, 30));
    expect(a.kafka.stats.inits).toBe(initsAfter); // never retried
  });

  it('pauses between transactions and resumes', async () => {
    const { kafka, task } = track(setup({}, 1));
    await task.start();
    produceN(kafka, 0, 2);
    await until(() => kafka.read('out').length === 2);
    task.pause();
    await until(() => task.state === 'paused');
    produceN(kafka, 0, 3, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(kafka.read('out')).toHaveLength(2);
    task.resume();
    await until(() => kafka.read('out').length === 5);
  });

  it('graceful stop commits what is buffered, without waiting out the linger; a fast stop does not', async () => {
    for (const graceful of [true, false]) {
      const { kafka, task } = setup({ batching: { lingerMs: 60_000 } }, 1);
      produceN(kafka, 0, 2);
      await task.start();
      await until(() => kafka.read('out').length === 2, 'the first batch (taken without lingering)');
      produceN(kafka, 0, 3, 2); // lingering: the next batch would wait a minute
      await new Promise((r) => setTimeout(r, 20));
      const t0 = Date.now();
      const outcome = await task.stop({ graceful });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(outcome).toMatchObject({ kind: 'stopped', graceful });
      expect(values(kafka, 'out')).toEqual(
        graceful ? ['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4'] : ['p0-0', 'p0-1'],
      );
      expect(kafka.groups.get(GROUP)?.get('in')?.get(0)).toBe(graceful ? 5 : 2);
    }
  });

  it('graceful stop commits the transaction in flight', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const transform: TransformFn = async (r) => {
      await gate;
      return { value: r.value };
    };
    const { kafka, task } = track(setup({ transform }, 1));
    produceN(kafka, 0, 3);
    await task.start();
    await until(() => task.state === 'running');
    await new Promise((r) => setTimeout(r, 20)); // the batch is in the transform now
    const stopping = task.stop({ graceful: true });
    release();
    const outcome = await stopping;
    expect(outcome).toMatchObject({ kind: 'stopped', graceful: true });
    expect(kafka.read('out')).toHaveLength(3);
    expect(kafka.groups.get(GROUP)?.get('in')?.get(0)).toBe(3);
  });

  it('fast stop aborts the transaction in flight', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const transform: TransformFn = async (r) => {
      await gate;
      return { value: r.value };
    };
    const { kafka, task, aborted } = track(setup({ transform }, 1));
    produceN(kafka, 0, 3);
    await task.start();
    await new Promise((r) => setTimeout(r, 20));
    const stopping = task.stop({ graceful: false });
    release();
    await expect(stopping).resolves.toMatchObject({ kind: 'stopped', graceful: false });
    expect(kafka.read('out')).toHaveLength(0);
    expect(aborted).toEqual(['fast stop']);
    expect(kafka.groups.get(GROUP)).toBeUndefined();
  });

  it('rejects invalid options naming the option', () => {
    const kafka = new FakeKafka();
    expect(() => setup({ partitions: [] })).toThrow(/partitions must be a non-empty list/);
    expect(() => setup({ outputTopic: 'in' })).toThrow(/inputTopic and outputTopic must differ/);
    expect(() => setup({ batching: { maxRecords: 0 } })).toThrow(/batching.maxRecords must be >= 1/);
    void kafka;
  });
});

describe('EosTask at-least-once', () => {
  const aloGroup = atLeastOnceGroupOf(GROUP, 0);

  it('produces without transactions and commits to a group of its own', async () => {
    const { kafka, task, commits } = track(setup({ mode: 'at-least-once' }, 1));
    produceN(kafka, 0, 5);
    await task.start();
    await until(() => kafka.groups.get(aloGroup)?.get('in')?.get(0) === 5, 'offsets committed');
    expect(values(kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4']);
    expect(commits.reduce((n, c) => n + c.records, 0)).toBe(5);
    expect(kafka.stats).toMatchObject({ inits: 0, commits: 0, aborts: 0 });
    expect(kafka.groups.get(GROUP)).toBeUndefined();
  });

  it('starts from its own group, and repeats a batch whose offset commit failed', async () => {
    const { kafka, task, aborted } = track(setup({ mode: 'at-least-once' }, 1));
    produceN(kafka, 0, 3);
    kafka.failNext('commit');
    await task.start();
    await until(() => kafka.groups.get(aloGroup)?.get('in')?.get(0) === 3, 'offsets committed');
    expect(aborted).toEqual(['commit outcome unknown: injected commit failure']);
    // Written once before the failed commit, once more after the rewind: at least once.
    expect(values(kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-0', 'p0-1', 'p0-2']);
    await task.stop();

    const next = track(setup({ mode: 'at-least-once' }, 1));
    next.kafka.groups.set(aloGroup, new Map([['in', new Map([[0, 2]])]]));
    next.kafka.produce('in', 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    await next.task.start();
    await until(() => next.kafka.read('out').length === 1);
    expect(values(next.kafka, 'out')).toEqual(['c']);
  });
});

describe('classifyError', () => {
  it('sorts errors by what the loop must do', () => {
    expect(classifyError(Object.assign(new Error('x'), { type: 'INVALID_PRODUCER_EPOCH' }))).toBe('fenced');
    expect(classifyError(Object.assign(new Error('x'), { type: 'PRODUCER_FENCED' }))).toBe('fenced');
    expect(
      classifyError(
        new Error('retries exceeded', { cause: Object.assign(new Error('y'), { type: 'PRODUCER_FENCED' }) }),
      ),
    ).toBe('fenced');
    expect(classifyError(Object.assign(new Error('wrapper'), { originalError: new FencedError('f') }))).toBe(
      'fenced',
    );
    expect(classifyError(new TaskFatalError('bad'))).toBe('fatal');
    expect(classifyError(Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }))).toBe('fatal');
    expect(classifyError(Object.assign(new Error('timeout'), { type: 'REQUEST_TIMED_OUT' }))).toBe(
      'retriable',
    );
    expect(classifyError(new Error('Connection error: ECONNREFUSED'))).toBe('retriable');
  });
});

describe('the transactional producer', () => {
  it("is told what the transactions write to: the output topic (not the dead-letter one, which may not exist) and the pipeline's group", async () => {
    const { kafka, task } = setup();
    const connect = jest.spyOn(kafka, 'transactionalProducer');
    tasks.push(task);
    await task.start();
    expect(connect).toHaveBeenCalledWith(
      expect.objectContaining({
        transactionalId: names.transactionalId('p', 0),
        prepare: { topics: ['out'], groupId: GROUP },
      }),
    );
  });
});

describe('transaction steps', () => {
  /** FakeKafka whose transactions take `ms` per step: write tells a prepare of `prepareMs`. */
  function slowed(kafka: FakeKafka, ms: { write: number; prepareMs?: number; commit: number }): void {
    const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
    const make = kafka.transactionalProducer.bind(kafka);
    kafka.transactionalProducer = async (o) => {
      const p = await make(o);
      return {
        ...p,
        begin: async () => {
          const tx = await p.begin();
          return {
            write: async (records, offsets) => {
              await sleep(ms.write);
              await tx.write(records, offsets);
              return ms.prepareMs === undefined ? undefined : { prepareMs: ms.prepareMs };
            },
            commit: async () => {
              await sleep(ms.commit);
              await tx.commit();
            },
            abort: () => tx.abort(),
          };
        },
      };
    };
  }

  it("times each step of a committed batch: the transform, the adapter's prepare, the produce and the commit", async () => {
    const transform: TransformFn = async (r) => {
      await new Promise((res) => setTimeout(res, 40));
      return { value: r.value };
    };
    const s = track(setup({ transform, batching: { lingerMs: 5, maxRecords: 1 } }, 1));
    slowed(s.kafka, { write: 60, prepareMs: 15, commit: 30 });
    produceN(s.kafka, 0, 1);
    await s.task.start();
    await until(() => s.commits.length === 1, 'the commit');
    const st = s.commits[0]!.steps;
    expect(st.transformMs).toBeGreaterThanOrEqual(35);
    expect(st.prepareMs).toBe(15);
    // write took >= 60 ms, of which the adapter said 15 were preparing
    expect(st.produceMs).toBeGreaterThanOrEqual(40);
    expect(st.produceMs).toBeLessThan(200);
    expect(st.commitMs).toBeGreaterThanOrEqual(25);
    // the steps from begin on are the transaction's duration
    const inTx = st.beginMs + st.transformMs + st.prepareMs + st.produceMs + st.commitMs;
    expect(Math.abs(inTx - s.commits[0]!.durationMs)).toBeLessThanOrEqual(5);
  });

  it('counts the wait for input and, without an adapter that tells, no prepare', async () => {
    const s = track(setup({ batching: { lingerMs: 5, maxRecords: 1 } }, 1));
    slowed(s.kafka, { write: 1, commit: 1 });
    produceN(s.kafka, 0, 1);
    await s.task.start();
    await until(() => s.commits.length === 1, 'the first commit');
    await new Promise((r) => setTimeout(r, 80));
    produceN(s.kafka, 0, 1, 1);
    await until(() => s.commits.length === 2, 'the second commit');
    const st = s.commits[1]!.steps;
    expect(st.waitMs).toBeGreaterThanOrEqual(70);
    expect(st.prepareMs).toBe(0);
  });
});

describe('a batch commits while the next one is written', () => {
  const ID = names.transactionalId('p', 0);

  /**
   * A task of 2-record batches started on `n` records with its commits held, once it has written
   * two batches (the first commit held in flight, the second batch written behind it).
   */
  async function twoBatchesWritten(n: number) {
    const s = track(setup({ batching: { lingerMs: 0, maxRecords: 2 } }, 1));
    const release = s.kafka.holdCommits();
    produceN(s.kafka, 0, n);
    await s.task.start();
    await until(() => sends(s.kafka) === 2, 'two batches written');
    return { ...s, release };
  }

  it("writes the next batch on the task's second transactional id while the first commits, and commits in batch order", async () => {
    const { release, ...s } = await twoBatchesWritten(6);
    await new Promise((r) => setTimeout(r, 30));
    // One commit in flight at most: the third batch waits for the first commit's producer.
    expect(s.kafka.journal.filter((e) => !e.startsWith('begin'))).toEqual([
      `send ${ID}`,
      `sendOffsets ${ID}`,
      `send ${ID}.b`,
      `sendOffsets ${ID}.b`,
    ]);
    expect(s.kafka.read('out')).toHaveLength(0);
    release();
    await until(() => s.kafka.groups.get(GROUP)?.get('in')?.get(0) === 6, 'all offsets committed');
    expect(values(s.kafka, 'out')).toEqual(Array.from({ length: 6 }, (_, i) => `p0-${i}`));
    expect(s.kafka.journal.filter((e) => e.startsWith('commit'))).toEqual([
      `commit ${ID}`,
      `commit ${ID}.b`,
      `commit ${ID}`,
    ]);
    expect(s.commits.map((c) => c.offsets.get(0))).toEqual([2, 4, 6]);
    expect(s.task.positions().get(0)).toBe(6);
  });

  it('aborts the batch written behind a commit that failed, and redoes both once', async () => {
    const s = track(setup({ batching: { lingerMs: 0, maxRecords: 2 } }, 1));
    const release = s.kafka.holdCommits();
    produceN(s.kafka, 0, 4);
    s.kafka.failNext('commit', new Error('injected commit failure'));
    await s.task.start();
    await until(
      () => s.kafka.journal.filter((e) => e.startsWith('send ')).length === 2,
      'two batches written',
    );
    release();
    await until(() => s.kafka.groups.get(GROUP)?.get('in')?.get(0) === 4, 'all offsets committed');
    await new Promise((r) => setTimeout(r, 30));
    expect(values(s.kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3']);
    expect(s.aborted).toEqual([
      'commit outcome unknown: injected commit failure',
      'injected commit failure', // the batch behind it, written on the other id, never committed
    ]);
    expect(s.kafka.stats.aborts).toBeGreaterThanOrEqual(1);
  });

  it('a graceful stop and a pause wait for the commit in flight', async () => {
    const { release, ...s } = await twoBatchesWritten(4);
    s.task.pause();
    await new Promise((r) => setTimeout(r, 30));
    expect(s.task.state).not.toBe('paused');
    release();
    await until(() => s.task.state === 'paused', 'paused');
    expect(s.task.positions().get(0)).toBe(4);
    produceN(s.kafka, 0, 2, 4);
    const release2 = s.kafka.holdCommits();
    s.task.resume();
    await until(
      () => s.kafka.journal.filter((e) => e.startsWith('send ')).length === 3,
      'the third batch written',
    );
    const stopped = s.task.stop({ graceful: true });
    await new Promise((r) => setTimeout(r, 30));
    expect(s.task.state).toBe('stopping');
    release2();
    const outcome = await stopped;
    expect(outcome).toMatchObject({ kind: 'stopped', graceful: true });
    expect(s.task.positions().get(0)).toBe(6);
    expect(values(s.kafka, 'out')).toEqual(Array.from({ length: 6 }, (_, i) => `p0-${i}`));
  });

  it("a new owner fences both of the task's transactional ids: the old owner's batches in flight never commit", async () => {
    const { release, ...a } = await twoBatchesWritten(4);
    const fenced: string[] = [];
    a.task.on('fenced', (f) => fenced.push(f.error));
    const b = new EosTask({ ...a.options });
    tasks.push(b);
    const startB = b.start();
    release(); // the old owner's held commit now meets the fence
    await startB;
    await until(() => a.kafka.groups.get(GROUP)?.get('in')?.get(0) === 4, "the new owner's commits");
    await new Promise((r) => setTimeout(r, 30));
    expect(a.task.state).toBe('fenced');
    expect(values(a.kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3']);
    expect(a.kafka.stats.inits).toBe(4);
  });

  it('with overlapCommits off, one transactional id and one transaction at a time', async () => {
    const s = track(setup({ overlapCommits: false, batching: { lingerMs: 0, maxRecords: 2 } }, 1));
    const release = s.kafka.holdCommits();
    produceN(s.kafka, 0, 4);
    await s.task.start();
    await until(() => s.kafka.journal.length === 3, 'the first batch written');
    await new Promise((r) => setTimeout(r, 30));
    expect(s.kafka.journal).toEqual([`begin ${ID}`, `send ${ID}`, `sendOffsets ${ID}`]);
    release();
    await until(() => s.kafka.groups.get(GROUP)?.get('in')?.get(0) === 4, 'all offsets committed');
    expect(s.kafka.journal.some((e) => e.includes(`${ID}.b`))).toBe(false);
    expect(s.kafka.stats.inits).toBe(1);
  });
});

describe('the next transaction begun ahead', () => {
  const ID = names.transactionalId('p', 0);
  const consumer = {} as ConsumerPort;

  it("begins on the id whose turn is next, adds the last batch's partitions and the offsets, and is the one the next batch takes", async () => {
    const { kafka, options } = setup({}, 1);
    const writer = await commitStrategyFor(resolveTaskOptions(options)).connect();
    const w1 = await writer.begin(consumer);
    await w1.write([{ topic: 'out', partition: 0, key: null, value: 'a' }], new Map([[0, 1]]));
    await w1.commit(new Map([[0, 1]]));
    writer.prepareNext!(); // the turn is the second id's
    await new Promise((r) => setTimeout(r, AHEAD_PREPARE_DELAY_MS + 30));
    expect(kafka.journal.slice(-2)).toEqual([`begin ${ID}.b`, `prepare ${ID}.b out:0 ${GROUP}`]);
    const w2 = await writer.begin(consumer); // takes it: no second begin
    expect(kafka.journal.filter((e) => e.startsWith('begin'))).toEqual([`begin ${ID}`, `begin ${ID}.b`]);
    writer.prepareNext!(); // the first id is free again: begun ahead there
    await w2.write([{ topic: 'out', partition: 0, key: null, value: 'b' }], new Map([[0, 2]]));
    await w2.commit(new Map([[0, 2]]));
    await new Promise((r) => setTimeout(r, AHEAD_PREPARE_DELAY_MS + 30));
    await writer.release!(); // nothing took it: aborted
    expect(kafka.journal).toContain(`prepare ${ID} out:0 ${GROUP}`);
    expect(kafka.journal.filter((e) => e.startsWith('begin')).length).toBe(3);
    expect(kafka.journal[kafka.journal.length - 1]).toBe(`abort ${ID}`);
    expect(values(kafka, 'out')).toEqual(['a', 'b']);
    await writer.close();
  });

  it('never begins ahead on an id a batch is using', async () => {
    const { kafka, options } = setup({ overlapCommits: false }, 1);
    const writer = await commitStrategyFor(resolveTaskOptions(options)).connect();
    const w1 = await writer.begin(consumer);
    writer.prepareNext!();
    await new Promise((r) => setTimeout(r, 5));
    expect(kafka.journal).toEqual([`begin ${ID}`]);
    await w1.abort();
    await writer.close();
  });

  // A property over a whole run: with the fake, no transaction begun ahead is left untaken when the
  // input runs dry (the next batch takes it); the spec below drives the case where one is.
  it('every transaction a task began is committed or aborted once its input runs dry', async () => {
    const s = track(setup({ batching: { lingerMs: 0, maxRecords: 2 } }, 1));
    produceN(s.kafka, 0, 20);
    await s.task.start();
    await until(() => s.kafka.groups.get(GROUP)?.get('in')?.get(0) === 20, 'all offsets committed');
    await new Promise((r) => setTimeout(r, 50));
    const count = (op: string) => s.kafka.journal.filter((e) => e.startsWith(`${op} `)).length;
    expect(count('begin')).toBe(count('commit') + count('abort'));
    expect(count('prepare')).toBeGreaterThan(0); // with a batch waiting, the next one was begun ahead
    expect(values(s.kafka, 'out')).toEqual(Array.from({ length: 20 }, (_, i) => `p0-${i}`));
  });

  it('every transaction a task began is committed or aborted when it pauses under load', async () => {
    const s = track(setup({ batching: { lingerMs: 0, maxRecords: 2 } }, 1));
    produceN(s.kafka, 0, 40);
    await s.task.start();
    await until(() => s.kafka.journal.some((e) => e.startsWith('prepare')), 'a transaction begun ahead');
    s.task.pause();
    await until(() => s.task.state === 'paused', 'paused');
    const count = (op: string) => s.kafka.journal.filter((e) => e.startsWith(`${op} `)).length;
    expect(count('begin')).toBe(count('commit') + count('abort'));
  });

  it('a pause aborts the transaction begun ahead that no batch took', async () => {
    // 5 records, batches of 2, a long linger: batches 1 and 2 go at once, the fifth record waits
    // for a fuller batch. Batch 1's commit is held until batch 2 is written; when it lands, a
    // record is waiting, so the next transaction begins ahead on the first id, and the loop waits
    // in the linger with it untaken.
    const s = track(setup({ batching: { lingerMs: 10_000, maxRecords: 2 } }, 1));
    const releaseFirst = s.kafka.holdCommits();
    produceN(s.kafka, 0, 5);
    await s.task.start();
    await until(() => s.kafka.journal.includes(`sendOffsets ${ID}.b`), 'batch 2 written on the second id');
    const releaseSecond = s.kafka.holdCommits(); // batch 2's commit waits (batch 1's holds the first)
    releaseFirst();
    const begins = () => s.kafka.journal.filter((e) => e.startsWith('begin '));
    await until(() => begins().length === 3, 'the next transaction begun ahead');
    expect(begins()).toEqual([`begin ${ID}`, `begin ${ID}.b`, `begin ${ID}`]);
    s.task.pause();
    releaseSecond();
    await until(() => s.task.state === 'paused', 'paused');
    expect(s.kafka.journal.slice(-2)).toEqual([`commit ${ID}.b`, `abort ${ID}`]);
    expect(values(s.kafka, 'out')).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3']);
    expect(s.kafka.groups.get(GROUP)?.get('in')?.get(0)).toBe(4);
  });
});
