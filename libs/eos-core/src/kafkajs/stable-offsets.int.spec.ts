/**
 * OffsetFetch with require_stable (stable-offsets.ts) against the real broker: an offsets commit
 * inside an open transaction is reported pending, where kafkajs's own OffsetFetch answers the
 * offsets before it; `settle` commits an empty transaction that leaves the offsets and the output
 * readable.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopic, testBrokers, uniqueName } from '@eos/testing';
import type { KafkaPort, TransactionalProducerPort } from '../kafka-port';
import { createKafkaJsPort } from './kafkajs-port';

const kafka = new Kafka({
  clientId: 'stable-offsets-test',
  brokers: testBrokers(),
  logLevel: logLevel.NOTHING,
});
let admin: Admin;
let port: KafkaPort;
const producers: TransactionalProducerPort[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  port = createKafkaJsPort({ brokers: testBrokers(), logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
  await port.close();
  await admin.disconnect();
});

async function setup() {
  const input = uniqueName('stable-in');
  const output = uniqueName('stable-out');
  await createTopic(admin, input, 2);
  await createTopic(admin, output, 2);
  const group = uniqueName('stable-group');
  const producer = await port.transactionalProducer({
    transactionalId: uniqueName('stable-tx'),
    transactionTimeoutMs: 20_000,
  });
  producers.push(producer);
  /** Begins a transaction writing one record to the output partition and the input offsets given. */
  const write = async (partition: number, value: string, offsets: [number, number]) => {
    const tx = await producer.begin();
    await tx.write([{ topic: output, partition, key: 'k', value }], {
      groupId: group,
      topic: input,
      offsets: new Map([offsets]),
    });
    return tx;
  };
  return { input, output, group, producer, write };
}

/**
 * The stable offsets once nothing is pending (at most 5 s). EndTxn returns once the coordinator has
 * logged the commit; the markers that end the pending state are written after that, so a read
 * right after a commit may still meet it (CI did).
 */
async function onceMarkersWritten(group: string, topic: string, partitions: number[]) {
  let stable = await port.stableCommittedOffsets(group, topic, partitions);
  for (let i = 0; i < 100 && stable.pending.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    stable = await port.stableCommittedOffsets(group, topic, partitions);
  }
  return stable;
}

it('reports offsets committed inside an open transaction as pending, then the committed ones', async () => {
  const { input, group, write } = await setup();
  await (await write(0, 'a', [0, 5])).commit();
  expect(await onceMarkersWritten(group, input, [0, 1])).toEqual({
    offsets: new Map([[0, 5]]),
    pending: [],
  });

  const open = await write(0, 'b', [0, 9]);
  // kafkajs's OffsetFetch (no require_stable) answers the offsets before the open transaction.
  expect(await port.committedOffsets(group, input, [0, 1])).toEqual(new Map([[0, 5]]));
  expect(await port.stableCommittedOffsets(group, input, [0, 1])).toEqual({
    offsets: new Map(),
    pending: [0],
  });
  // Only the partitions asked for.
  expect(await port.stableCommittedOffsets(group, input, [1])).toEqual({ offsets: new Map(), pending: [] });

  await open.commit();
  expect(await onceMarkersWritten(group, input, [0, 1])).toEqual({
    offsets: new Map([[0, 9]]),
    pending: [],
  });
});

it('settle commits an empty transaction over the group and the output partitions, changing no offsets', async () => {
  const { input, output, group, producer, write } = await setup();
  await (await write(1, 'a', [1, 3])).commit();
  await producer.settle({ groupId: group, partitions: [{ topic: output, partitions: [0, 1] }] });
  expect(await onceMarkersWritten(group, input, [0, 1])).toEqual({
    offsets: new Map([[1, 3]]),
    pending: [],
  });
  // Its commit markers leave nothing open on the output: the last stable offset is the end.
  await (await write(0, 'b', [0, 1])).commit();
  const committedReader = kafka.consumer({ groupId: uniqueName('stable-reader'), readUncommitted: false });
  await committedReader.connect();
  await committedReader.subscribe({ topic: output, fromBeginning: true });
  const seen: string[] = [];
  await committedReader.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
  const end = Date.now() + 15_000;
  while (seen.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  await committedReader.disconnect();
  expect(seen.sort()).toEqual(['a', 'b']);
});
