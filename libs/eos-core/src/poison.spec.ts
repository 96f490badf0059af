import { FleetNames } from '@eos/fleet-names';
import { RetriableTransformError, type InputRecord, type TransformFn } from '@eos/transforms';
import { EosTask, type EosTaskOptions, type TaskEvents } from './index';
import { classifyError } from './errors';
import { transformOutputs } from './poison';
import { FakeKafka } from './testing';

const names = new FleetNames();
/** The pipeline's offsets group. */
const GROUP = names.pipelineGroup('p');

function setup(overrides: Partial<EosTaskOptions> = {}, topics: { outMax?: number } = {}) {
  const kafka = new FakeKafka();
  kafka.createTopic('in', 1);
  kafka.createTopic('out', 1, { maxMessageBytes: topics.outMax });
  kafka.createTopic('dlq', 1);
  const task = new EosTask({
    pipeline: 'p',
    taskIndex: 0,
    inputTopic: 'in',
    partitions: [0],
    outputTopic: 'out',
    deadLetterTopic: 'dlq',
    transactionalId: names.transactionalId('p', 0),
    consumerGroup: GROUP,
    transform: (r) => ({ value: r.value }),
    transformId: 't@1',
    kafka,
    batching: { lingerMs: 5 },
    retry: { initialMs: 1, maxMs: 5 },
    ...overrides,
  });
  tasks.push(task);
  const failed: string[] = [];
  const fenced: string[] = [];
  const retrying: TaskEvents['retrying'][0][] = [];
  task.on('failed', (f) => failed.push(f.error));
  task.on('fenced', (f) => fenced.push(f.error));
  task.on('retrying', (r) => retrying.push(r));
  return { kafka, task, failed, fenced, retrying };
}

const tasks: EosTask[] = [];
afterEach(async () => {
  await Promise.all(tasks.splice(0).map((t) => t.stop({ graceful: false })));
});

const produce = (kafka: FakeKafka, values: string[]) =>
  kafka.produce(
    'in',
    0,
    values.map((value) => ({ key: 'k', value })),
  );
const values = (kafka: FakeKafka, topic: string) => kafka.read(topic).map((r) => r.value?.toString());
const header = (kafka: FakeKafka, topic: string, name: string) =>
  kafka.read(topic).map((r) => r.headers[name]?.toString());

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
const committedAt = (kafka: FakeKafka) => kafka.groups.get(GROUP)?.get('in')?.get(0);

describe('poison records', () => {
  it('dead-letters a record whose transform result is not an output record; the rest once', async () => {
    const garbage: Record<string, unknown> = {
      str: 'just a string',
      num: 42,
      novalue: { key: 'x' },
      badlist: [{ value: 'ok' }, 7],
      badheader: { value: 'v', headers: { h: 1 } },
    };
    const transform = ((r: InputRecord) => {
      const v = r.value?.toString() ?? '';
      return v in garbage ? garbage[v] : { value: `${v}!` };
    }) as TransformFn;
    const { kafka, task } = setup({ transform });
    produce(kafka, ['a', 'str', 'b', 'num', 'novalue', 'badlist', 'badheader', 'c']);
    await task.start();
    await until(() => committedAt(kafka) === 8, 'all committed');
    expect(values(kafka, 'out')).toEqual(['a!', 'b!', 'c!']);
    expect(values(kafka, 'dlq')).toEqual(['str', 'num', 'novalue', 'badlist', 'badheader']);
    expect(new Set(header(kafka, 'dlq', 'eos.reason'))).toEqual(new Set(['invalid-result']));
    expect(header(kafka, 'dlq', 'eos.error')).toEqual([
      'transform returned a string; expected { value } (an output record), a list of them, or null',
      'transform returned a number; expected { value } (an output record), a list of them, or null',
      'transform returned an output record whose value is missing; expected a string, a Buffer or null (a tombstone)',
      'transform returned a number (item 1); expected { value } (an output record), a list of them, or null',
      'transform returned an output record whose header "h" is a number; expected a string or a Buffer',
    ]);
    expect(header(kafka, 'dlq', 'eos.source.offset')).toEqual(['1', '3', '4', '5', '6']);
    // No tombstone reached the output.
    expect(kafka.read('out').every((r) => r.value !== null)).toBe(true);
  });

  it('keeps explicit tombstones, drops on null and [], and accepts lists', () => {
    expect(transformOutputs({ value: null })).toEqual([{ value: null }]);
    expect(transformOutputs(null)).toEqual([]);
    expect(transformOutputs(undefined)).toEqual([]);
    expect(transformOutputs([])).toEqual([]);
    expect(transformOutputs([{ value: 'a' }, { key: 'k', value: Buffer.from('b') }])).toHaveLength(2);
    expect(() => transformOutputs({ value: 'v', key: 3 })).toThrow(/key is a number/);
  });

  it('dead-letters a record whose output exceeds the output topic max.message.bytes, in the same transaction', async () => {
    const transform: TransformFn = (r) => {
      const v = r.value?.toString() ?? '';
      return { value: v === 'big' ? 'x'.repeat(5000) : `${v}!` };
    };
    const { kafka, task, failed } = setup({ transform }, { outMax: 1000 });
    produce(kafka, ['a', 'b', 'big', 'c']);
    await task.start();
    await until(() => committedAt(kafka) === 4, 'all committed');
    expect(failed).toEqual([]);
    expect(values(kafka, 'out')).toEqual(['a!', 'b!', 'c!']);
    expect(values(kafka, 'dlq')).toEqual(['big']);
    expect(header(kafka, 'dlq', 'eos.reason')).toEqual(['too-large']);
    expect(header(kafka, 'dlq', 'eos.error')[0]).toMatch(
      /^an output record of about 5\d{3} bytes exceeds max\.message\.bytes 1000 of topic out$/,
    );
    expect(kafka.stats.aborts).toBe(0);
  });

  it('without a dead-letter topic, fails naming pipeline, partition, offset and transform', async () => {
    const transform = (() => 'garbage') as unknown as TransformFn;
    const { kafka, task, failed } = setup({ transform, deadLetterTopic: undefined });
    produce(kafka, ['a']);
    await task.start();
    await expect(task.done()).resolves.toMatchObject({ kind: 'failed' });
    expect(failed).toEqual([
      'pipeline p: record in/0@0 (partition 0, offset 0) is poison for transform t@1 (invalid-result: transform returned a string; expected { value } (an output record), a list of them, or null) and the pipeline has no dead-letter topic',
    ]);
    expect(kafka.read('out')).toHaveLength(0);
    expect(committedAt(kafka)).toBeUndefined();
  });

  it('bounds RetriableTransformError: visible attempts, then dead-lettered as retries-exhausted', async () => {
    const transform: TransformFn = (r) => {
      if (r.value?.toString() === 'flaky') throw new RetriableTransformError('lookup timed out');
      return { value: r.value };
    };
    const { kafka, task, retrying } = setup({ transform, transformMaxAttempts: 3 });
    produce(kafka, ['a', 'flaky', 'b']);
    await task.start();
    await until(() => committedAt(kafka) === 3, 'all committed');
    expect(retrying.map((r) => [r.record, r.attempt, r.maxAttempts])).toEqual([
      [{ partition: 0, offset: '1' }, 1, 3],
      [{ partition: 0, offset: '1' }, 2, 3],
    ]);
    expect(values(kafka, 'out')).toEqual(['a', 'b']);
    expect(values(kafka, 'dlq')).toEqual(['flaky']);
    expect(header(kafka, 'dlq', 'eos.reason')).toEqual(['retries-exhausted']);
    expect(header(kafka, 'dlq', 'eos.error')).toEqual(['gave up after 3 attempts: lookup timed out']);
  });

  it('an async transform past its deadline is a failed attempt; bounded like a retriable error', async () => {
    const transform: TransformFn = (r) =>
      r.value?.toString() === 'stuck' ? new Promise(() => undefined) : { value: r.value };
    const { kafka, task, retrying } = setup({ transform, transformMaxAttempts: 2, transformTimeoutMs: 20 });
    produce(kafka, ['a', 'stuck', 'b']);
    await task.start();
    await until(() => committedAt(kafka) === 3, 'all committed');
    expect(retrying).toHaveLength(1);
    expect(retrying[0]?.error).toBe(
      'transform failed on in/0@1 (attempt 1 of 2): transform t@1 did not settle within 20 ms on in/0@1',
    );
    expect(values(kafka, 'out')).toEqual(['a', 'b']);
    expect(header(kafka, 'dlq', 'eos.error')).toEqual([
      'gave up after 2 attempts: transform t@1 did not settle within 20 ms on in/0@1',
    ]);
  });

  it('dead-letters a quarantined record without calling the transform', async () => {
    const seen: string[] = [];
    const transform: TransformFn = (r) => {
      seen.push(r.offset);
      return { value: r.value };
    };
    const { kafka, task } = setup({
      transform,
      quarantined: [{ partition: 0, offset: '1', reason: 'crashed or hung workers 2 times' }],
    });
    produce(kafka, ['a', 'poison', 'b']);
    await task.start();
    await until(() => committedAt(kafka) === 3, 'all committed');
    expect(seen).toEqual(['0', '2']);
    expect(values(kafka, 'out')).toEqual(['a', 'b']);
    expect(values(kafka, 'dlq')).toEqual(['poison']);
    expect(header(kafka, 'dlq', 'eos.reason')).toEqual(['quarantined']);
    expect(header(kafka, 'dlq', 'eos.error')).toEqual(['crashed or hung workers 2 times']);
  });

  it('without a dead-letter topic, a quarantined record fails the task with the quarantine reason', async () => {
    const { kafka, task, failed } = setup({
      deadLetterTopic: undefined,
      quarantined: [{ partition: 0, offset: '1', reason: 'crashed or hung its worker 2 times' }],
    });
    produce(kafka, ['a', 'poison']);
    await task.start();
    await expect(task.done()).resolves.toMatchObject({ kind: 'failed' });
    expect(failed).toEqual([
      'pipeline p: record in/0@1 (partition 0, offset 1) is poison for transform t@1 (quarantined: crashed or hung its worker 2 times) and the pipeline has no dead-letter topic',
    ]);
    expect(kafka.read('out')).toHaveLength(0); // 'a' was in the same batch: nothing committed
  });

  it('tells the probe around each transform call, and waits for a promise from announce', async () => {
    const log: string[] = [];
    let release: (() => void) | undefined;
    const transform: TransformFn = (r) => {
      log.push(`transform ${r.offset}`);
      return { value: r.value };
    };
    const { kafka, task } = setup({
      transform,
      probe: {
        announce: (r) => {
          log.push(`announce ${r.offset}`);
          return r.offset === '1' ? new Promise<void>((res) => (release = res)) : undefined;
        },
        before: (r) => log.push(`before ${r.offset}`),
        after: () => log.push('after'),
        settled: (r) => log.push(`settled ${r.offset}`),
      },
    });
    produce(kafka, ['a', 'b']);
    await task.start();
    await until(() => release !== undefined, 'announcement');
    expect(log).toEqual(['announce 0', 'before 0', 'transform 0', 'after', 'settled 0', 'announce 1']);
    release?.();
    await until(() => committedAt(kafka) === 2, 'all committed');
    expect(log.slice(6)).toEqual(['before 1', 'transform 1', 'after', 'settled 1']);
  });
});

describe('authorization failures', () => {
  const denied = (type: string) => Object.assign(new Error('not authorized'), { type });

  it('are not fencing', () => {
    expect(classifyError(denied('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'))).toBe('fatal');
    expect(classifyError(denied('CLUSTER_AUTHORIZATION_FAILED'))).toBe('fatal');
  });

  it.each([
    ['init', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'Write on TransactionalId eos.p.0'],
    ['send', 'TOPIC_AUTHORIZATION_FAILED', 'Write on Topic out and Topic dlq'],
    ['sendOffsets', 'GROUP_AUTHORIZATION_FAILED', 'Read on Group eos.p'],
    ['init', 'CLUSTER_AUTHORIZATION_FAILED', 'IdempotentWrite on Cluster'],
  ] as const)('%s refused with %s: the task fails naming %s', async (op, type, needs) => {
    const { kafka, task, failed, fenced } = setup();
    produce(kafka, ['a']);
    kafka.failNext(op, denied(type));
    await task.start();
    await expect(task.done()).resolves.toMatchObject({ kind: 'failed' });
    expect(fenced).toEqual([]);
    expect(failed).toEqual([`pipeline p task 0 is not authorized: needs ${needs} (${type})`]);
    expect(kafka.read('out')).toHaveLength(0);
  });
});
