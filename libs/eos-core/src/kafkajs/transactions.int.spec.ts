/**
 * A transactional producer's start against the real broker: the fence (the transactional
 * InitProducerId) is its only InitProducerId; kafkajs's connect() also ran an idempotent one, a
 * round trip on every new owner's critical path, which the kafkajs patch drops.
 */
import { Kafka, logLevel, type Admin, type Producer, type ProducerConfig } from 'kafkajs';
import { createTopic, testBrokers, uniqueName, until } from '@eos/testing';
import { kafkaJsTransactionalProducer } from './kafkajs-producers';
import { connectTransactionalProducer } from './transactions';

const kafka = new Kafka({ clientId: 'txn-start-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
const producers: Producer[] = [];
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  // A fresh broker creates __transaction_state and __consumer_offsets on their first use, and
  // their coordinators answer "not available" (retried: more InitProducerId, FindCoordinator and
  // TxnOffsetCommit requests) until loaded; the counts below are of a broker past that.
  const warm = await connectTransactionalProducer(kafka, {
    transactionalId: uniqueName('txn-start-warm'),
    transactionTimeout: 10_000,
  });
  const topic = await newTopic();
  const tx = await warm.transaction();
  await tx.sendOffsets({
    consumerGroupId: uniqueName('txn-start-warm'),
    topics: [{ topic, partitions: [{ partition: 0, offset: '0' }] }],
  });
  await tx.commit();
  await warm.disconnect();
});
afterAll(async () => {
  await admin.disconnect();
});

afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.disconnect()));
  jest.restoreAllMocks();
});

async function newTopic(): Promise<string> {
  const topic = uniqueName('txn-start');
  await createTopic(admin, topic, 1);
  return topic;
}

/** A transactional producer of a new transactional id, fenced and ready. */
const connectFresh = () =>
  connectTransactionalProducer(kafka, {
    transactionalId: uniqueName('txn-start-id'),
    transactionTimeout: 10_000,
  });

/** Every request the producers created from now on send, by API name, in order. */
function recordRequests(): string[] {
  const names: string[] = [];
  const make = kafka.producer.bind(kafka);
  jest.spyOn(kafka, 'producer').mockImplementation((config?: ProducerConfig) => {
    const p = make(config);
    p.on(p.events.REQUEST, (e) => names.push(e.payload.apiName));
    producers.push(p);
    return p;
  });
  return names;
}

describe('connectTransactionalProducer', () => {
  it('fences with one InitProducerId, the transactional one, and the transactions work after it', async () => {
    const topic = await newTopic();
    const names = recordRequests();
    const producer = await connectFresh();
    expect(names.filter((n) => n === 'InitProducerId')).toEqual(['InitProducerId']);
    // kafkajs names FindCoordinator GroupCoordinator.
    expect(names.indexOf('GroupCoordinator')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('GroupCoordinator')).toBeLessThan(names.indexOf('InitProducerId'));

    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ value: 'in a transaction' }] });
    await tx.commit();
    expect(names.filter((n) => n === 'InitProducerId')).toHaveLength(1);
  });

  it("initializes the idempotent producer id on a non-transactional send's first use", async () => {
    const topic = await newTopic();
    const names = recordRequests();
    const producer = await connectFresh();
    const [a, b] = await Promise.all([
      producer.send({ topic, acks: -1, messages: [{ value: 'plain 1' }] }),
      producer.send({ topic, acks: -1, messages: [{ value: 'plain 2' }] }),
    ]);
    expect(a?.[0]?.errorCode).toBe(0);
    expect(b?.[0]?.errorCode).toBe(0);
    // The fence's, then one for the plain sends however many waited for it.
    expect(names.filter((n) => n === 'InitProducerId')).toHaveLength(2);
  });
});

describe('kafkaJsTransactionalProducer with what its transactions will write to', () => {
  /** The requests of one transaction (records and offsets) of a producer started this way. */
  async function firstTransaction(prepare: boolean): Promise<string[]> {
    const topic = await newTopic();
    const groupId = uniqueName('txn-start-group');
    const names = recordRequests();
    const port = await kafkaJsTransactionalProducer(
      kafka,
      {
        transactionalId: uniqueName('txn-start-id'),
        transactionTimeoutMs: 10_000,
        ...(prepare ? { prepare: { topics: [topic], groupId } } : {}),
      },
      new Map(),
    );
    // The fence's FindCoordinator, then (prepared) the group's and the topic's Metadata.
    if (prepare)
      await until('the lookups in the background', async () =>
        names.filter((n) => n === 'GroupCoordinator').length >= 2 && names.includes('Metadata')
          ? true
          : undefined,
      );
    const from = names.length;
    const tx = await port.begin();
    await tx.write([{ topic, partition: 0, key: null, value: Buffer.from('v') }], {
      groupId,
      topic,
      offsets: new Map([[0, 1]]),
    });
    await tx.commit();
    await port.close();
    return names.slice(from);
  }

  /**
   * Whether `lookup` completed before the first `request` did (the events come at completion).
   * After the first try, a lookup may come again: Kafka 4 sometimes refuses a TxnOffsetCommit
   * verified beside the transaction's produce as "coordinator not available", and kafkajs looks
   * the coordinator up again before its retry.
   */
  const lookedUpFirst = (names: string[], lookup: string, request: string) => {
    expect(names).toContain(request);
    const l = names.indexOf(lookup);
    return l >= 0 && l < names.indexOf(request);
  };

  it("looks the topics' leaders and the group's coordinator up before the first transaction", async () => {
    const names = await firstTransaction(true);
    expect(names).toContain('EndTxn');
    expect(lookedUpFirst(names, 'GroupCoordinator', 'TxnOffsetCommit')).toBe(false);
    expect(lookedUpFirst(names, 'Metadata', 'Produce')).toBe(false);
  });

  it('otherwise the first transaction looks them up itself (what the test above would see)', async () => {
    const names = await firstTransaction(false);
    expect(lookedUpFirst(names, 'GroupCoordinator', 'TxnOffsetCommit')).toBe(true);
    expect(lookedUpFirst(names, 'Metadata', 'Produce')).toBe(true);
  });
});
