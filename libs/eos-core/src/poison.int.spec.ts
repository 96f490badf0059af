/**
 * Poison records against the real broker: an output over the topic's max.message.bytes and a
 * transform returning garbage go to the dead-letter topic in the same transaction; the rest is
 * produced exactly once. Outputs are read with kcat, read_committed.
 */
import { FleetNames } from '@eos/fleet-names';
import type { Admin, Producer } from 'kafkajs';
import { logLevel } from 'kafkajs';
import type { TransformFn } from '@eos/transforms';
import {
  checkExactlyOnce,
  connectTestClients,
  createTopic,
  endOffsets,
  groupOffsets,
  produceSequence,
  readTopic,
  testBrokers,
  uniqueName,
  waitCaughtUp,
  type TestClients,
} from '@eos/testing';
import { EosTask, createKafkaJsPort, type KafkaPort } from './index';

let clients: TestClients;
let admin: Admin;
let producer: Producer;
let kafka: KafkaPort;
const tasks: EosTask[] = [];

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
  kafka = createKafkaJsPort({ brokers: testBrokers(), clientId: 'poison-int', logLevel: logLevel.NOTHING });
});
afterEach(async () => {
  await Promise.all(tasks.splice(0).map((t) => t.stop({ graceful: false })));
});
afterAll(async () => {
  await kafka.close();
  await clients.close();
});

const suffixA = (v: string) => `${v}|a`;
const names = new FleetNames();

async function setup(transform: TransformFn, outputMaxBytes?: number) {
  const name = uniqueName('poison');
  const p = {
    name,
    input: `${name}.in`,
    output: `${name}.out`,
    dlq: `${name}.dlq`,
    group: names.pipelineGroup(name),
  };
  await createTopic(admin, p.input, 2);
  await createTopic(admin, p.dlq, 1);
  if (outputMaxBytes === undefined) await createTopic(admin, p.output, 2);
  else
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: p.output,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(outputMaxBytes) }],
        },
      ],
    });
  const task = new EosTask({
    pipeline: name,
    taskIndex: 0,
    inputTopic: p.input,
    partitions: [0, 1],
    outputTopic: p.output,
    deadLetterTopic: p.dlq,
    transactionalId: names.transactionalId(name, 0),
    consumerGroup: p.group,
    transform,
    transformId: 'test@1',
    kafka,
  });
  tasks.push(task);
  const failed: string[] = [];
  task.on('failed', (f) => failed.push(f.error));
  await task.start();
  return { p, task, failed };
}

async function expectRestOnce(
  p: { input: string; output: string; group: string },
  inputs: { value: string }[],
) {
  await waitCaughtUp(admin, p.input, p.group);
  const out = await readTopic(p.output, 'read_committed');
  const r = checkExactlyOnce(inputs, out, suffixA);
  expect({
    missing: r.missing.length,
    duplicates: r.duplicates.length,
    unexpected: r.unexpected.slice(0, 3),
  }).toEqual({
    missing: 0,
    duplicates: 0,
    unexpected: [],
  });
  expect(out).toHaveLength(inputs.length);
  expect(await groupOffsets(admin, p.group, p.input)).toEqual(await endOffsets(admin, p.input));
}

it('an output over the output topic max.message.bytes is dead-lettered; the rest once, in batches within the limit', async () => {
  const transform: TransformFn = (r) => {
    const v = r.value?.toString() ?? '';
    return { value: v.startsWith('BIG') ? 'x'.repeat(5_000) : suffixA(v) };
  };
  const { p, failed } = await setup(transform, 2_048);
  const before = await produceSequence(producer, p.input, { count: 500, keys: 10, partitions: 2 });
  await producer.send({ topic: p.input, acks: -1, messages: [{ partition: 1, key: 'big', value: 'BIG-1' }] });
  const after = await produceSequence(producer, p.input, { count: 500, keys: 10, partitions: 2, from: 500 });
  await expectRestOnce(p, [...before, ...after]);
  expect(failed).toEqual([]);
  const dlq = await readTopic(p.dlq, 'read_committed');
  expect(dlq.map((d) => [d.value, d.headers['eos.reason'], d.headers['eos.source.partition']])).toEqual([
    ['BIG-1', 'too-large', '1'],
  ]);
  expect(dlq[0]?.headers['eos.error']).toMatch(/exceeds max\.message\.bytes 2048 of topic poison/);
});

it('a transform returning garbage is dead-lettered (no tombstone written); the rest once', async () => {
  const transform = ((r) => {
    const v = r.value?.toString() ?? '';
    if (v === 'GARBAGE-NUMBER') return 42;
    if (v === 'GARBAGE-NOVALUE') return { key: 'x' };
    return { value: suffixA(v) };
  }) as TransformFn;
  const { p } = await setup(transform);
  const inputs = await produceSequence(producer, p.input, { count: 300, keys: 6, partitions: 2 });
  await producer.send({
    topic: p.input,
    acks: -1,
    messages: [
      { partition: 0, key: 'g', value: 'GARBAGE-NUMBER' },
      { partition: 1, key: 'g', value: 'GARBAGE-NOVALUE' },
    ],
  });
  const more = await produceSequence(producer, p.input, { count: 300, keys: 6, partitions: 2, from: 300 });
  await expectRestOnce(p, [...inputs, ...more]);
  const dlq = await readTopic(p.dlq, 'read_committed');
  expect(dlq.map((d) => [d.value, d.headers['eos.reason']]).sort()).toEqual([
    ['GARBAGE-NOVALUE', 'invalid-result'],
    ['GARBAGE-NUMBER', 'invalid-result'],
  ]);
});
