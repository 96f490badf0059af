/**
 * The group-less fetcher against the real broker: read_committed, markers counted in the
 * position, no consumer group joined, pause/resume, and a position below the log start.
 */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import {
  connectTestClients,
  createTopic,
  testBrokers,
  uniqueName,
  until,
  type TestClients,
} from '@eos/testing';
import { AssignedFetcher, createFetcherCluster, type FetchedMessage } from './assigned-fetcher';

let clients: TestClients;
let admin: Admin;
let producer: Producer;
const kafka = new Kafka({ clientId: 'fetcher-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
const fetchers: AssignedFetcher[] = [];
const txProducers: Producer[] = [];

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
});
afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  await Promise.all(txProducers.splice(0).map((p) => p.disconnect()));
});
afterAll(async () => {
  await clients.close();
});

interface Seen {
  values: Map<number, string[]>;
  positions: Map<number, number>;
  errors: Error[];
}

async function startFetcher(topic: string, partitions: number[], startOffsets = new Map<number, number>()) {
  const seen: Seen = { values: new Map(), positions: new Map(), errors: [] };
  const f = new AssignedFetcher(createFetcherCluster(kafka), {
    topic,
    partitions,
    startOffsets,
    maxWaitMs: 100,
    maxBytesPerPartition: 1 << 20,
    onFetched(partition: number, messages: FetchedMessage[], nextOffset: number) {
      const list = seen.values.get(partition) ?? [];
      list.push(...messages.map((m) => m.value?.toString() ?? ''));
      seen.values.set(partition, list);
      seen.positions.set(partition, nextOffset);
    },
    onError: (err) => seen.errors.push(err),
  });
  fetchers.push(f);
  await f.start();
  return { f, seen };
}

async function transactionalProducer(): Promise<Producer> {
  const p = kafka.producer({
    transactionalId: uniqueName('fetcher-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await p.connect();
  txProducers.push(p);
  return p;
}

async function endOf(topic: string, partition: number): Promise<number> {
  const o = await admin.fetchTopicOffsets(topic);
  return Number(o.find((x) => x.partition === partition)?.high);
}

it('reads committed records only, its position passes the trailing markers, and it joins no consumer group', async () => {
  const topic = uniqueName('fetch');
  await createTopic(admin, topic, 2);
  const groupsBefore = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
  const tx = await transactionalProducer();
  const t1 = await tx.transaction();
  await t1.send({
    topic,
    messages: [
      { value: 'c1', partition: 0 },
      { value: 'c2', partition: 0 },
    ],
  });
  await t1.commit();
  const t2 = await tx.transaction();
  await t2.send({ topic, messages: [{ value: 'aborted', partition: 0 }] });
  await t2.abort();
  const t3 = await tx.transaction();
  await t3.send({ topic, messages: [{ value: 'c3', partition: 0 }] });
  await t3.commit();
  await producer.send({ topic, messages: [{ value: 'plain', partition: 1 }] });

  const { seen } = await startFetcher(topic, [0, 1]);
  const end0 = await endOf(topic, 0); // 2 records + marker, 1 aborted + marker, 1 record + marker = 7
  expect(end0).toBe(7);
  await until(
    'the position of partition 0 at its end, markers included',
    () => seen.positions.get(0) === end0,
  );
  await until('partition 1 read', () => seen.positions.get(1) === 1);
  expect(seen.values.get(0)).toEqual(['c1', 'c2', 'c3']);
  expect(seen.values.get(1)).toEqual(['plain']);
  expect(seen.errors).toEqual([]);
  const groupsAfter = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((g) => !groupsBefore.has(g));
  expect(groupsAfter).toEqual([]);
});

it('starts at the given offsets, holds while paused, and goes on after resume', async () => {
  const topic = uniqueName('fetch');
  await createTopic(admin, topic, 1);
  await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ value, partition: 0 })) });
  const { f, seen } = await startFetcher(topic, [0], new Map([[0, 1]]));
  await until('b and c read', () => seen.positions.get(0) === 3);
  expect(seen.values.get(0)).toEqual(['b', 'c']);

  f.pause();
  await producer.send({ topic, messages: [{ value: 'd', partition: 0 }] });
  // A fetch in flight when pausing may still deliver d; afterwards nothing more arrives.
  await new Promise((r) => setTimeout(r, 400));
  const heldAt = seen.positions.get(0);
  await producer.send({ topic, messages: [{ value: 'e', partition: 0 }] });
  await new Promise((r) => setTimeout(r, 400));
  expect(seen.positions.get(0)).toBe(heldAt);
  expect(seen.values.get(0)).not.toContain('e');

  f.resume();
  await until('d and e read after resume', () => seen.positions.get(0) === 5);
  expect(seen.values.get(0)).toEqual(['b', 'c', 'd', 'e']);
});

it('a start below the log start (records deleted) goes on from the log start and reports that position', async () => {
  const topic = uniqueName('fetch');
  await createTopic(admin, topic, 1);
  await producer.send({ topic, messages: ['a', 'b', 'c', 'd'].map((value) => ({ value, partition: 0 })) });
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] });
  const { seen } = await startFetcher(topic, [0], new Map([[0, 0]]));
  await until('c and d read', () => seen.positions.get(0) === 4);
  expect(seen.values.get(0)).toEqual(['c', 'd']);
  expect(seen.errors).toEqual([]);
});

it('a topic it may not read (deleted) ends in onError, not a silent stop', async () => {
  const topic = uniqueName('fetch');
  await createTopic(admin, topic, 1);
  const { seen } = await startFetcher(topic, [0]);
  await admin.deleteTopics({ topics: [topic] });
  await until('an error reported', () => seen.errors.length > 0, 30_000);
  expect(seen.errors[0]?.message).toMatch(/leader|partition|topic/i);
});
