/** The foundation's promises, checked against the real broker and Redis. */
import { Job, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { testRedisUrl } from './index';
import { createTopic, readTopic, testKafka, uniqueName } from './index';

describe('Kafka transactions on the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  const producers: Producer[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(producers.splice(0).map((p) => p.disconnect().catch(() => undefined)));
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  async function txProducer(transactionalId: string): Promise<Producer> {
    const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    producers.push(p);
    await p.connect();
    return p;
  }

  it('read_committed sees only the committed transaction; read_uncommitted sees both', async () => {
    const topic = uniqueName('tx');
    await createTopic(admin, topic, 1);
    const producer = await txProducer(uniqueName('tid'));

    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: [
        { key: 'k', value: 'committed-1' },
        { key: 'k', value: 'committed-2' },
      ],
    });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted-1' }] });
    await aborted.abort();

    const rc = await readTopic(topic, 'read_committed');
    const ru = await readTopic(topic, 'read_uncommitted');
    expect(rc.map((r) => r.value)).toEqual(['committed-1', 'committed-2']);
    expect(ru.map((r) => r.value)).toEqual(['committed-1', 'committed-2', 'aborted-1']);
  });

  it('a second producer with the same transactional.id fences the first', async () => {
    const topic = uniqueName('fence');
    await createTopic(admin, topic, 1);
    const tid = uniqueName('tid');
    const first = await txProducer(tid);
    const open = await first.transaction();
    await open.send({ topic, messages: [{ value: 'zombie' }] });

    const second = await txProducer(tid); // initTransactions bumps the epoch and aborts the open one
    const tx = await second.transaction();
    await tx.send({ topic, messages: [{ value: 'owner' }] });
    await tx.commit();

    const err: unknown = await open.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(String((err as { type?: string }).type ?? err)).toMatch(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/);
    expect((await readTopic(topic, 'read_committed')).map((r) => r.value)).toEqual(['owner']);
  });
});

describe('BullMQ on the real Redis', () => {
  it('runs a job round trip', async () => {
    const name = uniqueName('q');
    // BullMQ never closes connections it is given: whoever opens one closes it.
    const [connection, workerConnection] = [1, 2].map(
      () => new IORedis(testRedisUrl(), { maxRetriesPerRequest: null }),
    ) as [IORedis, IORedis];
    const queue = new Queue(name, { connection });
    const worker = new Worker(name, async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), {
      connection: workerConnection,
    });
    try {
      const completed = new Promise<string>((resolve) =>
        worker.on('completed', (job) => resolve(job.id as string)),
      );
      const job = await queue.add('double', { n: 21 });
      expect(await completed).toBe(job.id);
      // Read the outcome back from Redis, not from the worker's memory.
      const stored = await Job.fromId(queue, job.id as string);
      expect(await stored?.getState()).toBe('completed');
      expect(stored?.returnvalue).toEqual({ doubled: 42 });
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await Promise.all([connection.quit(), workerConnection.quit()]);
    }
  });
});
