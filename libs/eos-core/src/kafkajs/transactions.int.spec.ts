/**
 * A transactional producer's start against the real broker: the fence (the transactional
 * InitProducerId) is its only InitProducerId; kafkajs's connect() also ran an idempotent one, a
 * round trip on every new owner's critical path, which the kafkajs patch drops.
 */
import { Kafka, logLevel, type Admin, type Producer, type ProducerConfig } from 'kafkajs';
import { createTopic, testBrokers, uniqueName } from '@eos/testing';
import { connectTransactionalProducer } from './transactions';

const kafka = new Kafka({ clientId: 'txn-start-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
const producers: Producer[] = [];
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
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
    const producer = await connectTransactionalProducer(kafka, {
      transactionalId: uniqueName('txn-start-id'),
      transactionTimeout: 10_000,
    });
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
    const producer = await connectTransactionalProducer(kafka, {
      transactionalId: uniqueName('txn-start-id'),
      transactionTimeout: 10_000,
    });
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
