/**
 * Broker restart under load: the task rides it out on its own and exactly once holds. Restarts
 * the broker through tools/kafka, so it runs only against the broker that tool manages.
 */
import { FleetNames } from '@eos/fleet-names';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  checkExactlyOnce,
  ChildTask,
  createTopic,
  endOffsets,
  groupOffsets,
  kafkaPaths,
  produceSequence,
  readLivePid,
  readTopic,
  startKafka,
  stopKafka,
  testBrokers,
  testKafka,
  testKafkaVersion,
  uniqueName,
} from '@eos/testing';

const port = Number((testBrokers()[0] ?? '').split(':')[1]);
const managed =
  testBrokers().length === 1 && readLivePid(kafkaPaths({ port }).pidFile, 'kafka.Kafka') !== undefined;
const maybe = managed ? it : it.skip;
if (!managed) console.warn('broker restart test skipped: the broker is not managed by tools/kafka');

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let child: ChildTask | undefined;

afterAll(async () => {
  await child?.dispose();
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
});

maybe('the task resumes by itself after a broker stop and start; exactly once holds', async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  const name = uniqueName('restart');
  const p = { name, input: `${name}.in`, output: `${name}.out`, group: new FleetNames().pipelineGroup(name) };
  await createTopic(admin, p.input, 2);
  await createTopic(admin, p.output, 2);
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const before = await produceSequence(producer, p.input, { count: 2_000, keys: 10, partitions: 2 });

  child = new ChildTask('libs/eos-core/src/int/run-task.ts', {
    brokers: testBrokers(),
    pipeline: p.name,
    taskIndex: 0,
    inputTopic: p.input,
    outputTopic: p.output,
    partitions: [0, 1],
    transform: 'slow',
    slowMs: 1,
    maxRecords: 100,
  });
  await child.waitFor((e) => e.event === 'committed', 'first commit');
  await producer.disconnect();
  await admin.disconnect();

  await stopKafka({ port }); // SIGTERM: a clean broker shutdown mid-stream
  await child.waitFor(
    (e) => e.event === 'state' && e['state'] === 'recovering',
    'the task noticing the outage',
    60_000,
  );
  await startKafka({ port, version: testKafkaVersion() });

  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const after = await produceSequence(producer, p.input, {
    count: 500,
    keys: 10,
    partitions: 2,
    from: 2_000,
  });

  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const [ends, committed] = await Promise.all([
        endOffsets(admin, p.input),
        groupOffsets(admin, p.group, p.input),
      ]);
      if ([...ends].every(([part, e]) => (committed.get(part) ?? -1) >= e)) break;
    } catch {
      // Right after a restart the group coordinator may still be loading (NOT_COORDINATOR): ask again.
    }
    if (Date.now() > deadline) throw new Error('the task did not catch up after the restart');
    await new Promise((r) => setTimeout(r, 250));
  }
  const out = await readTopic(p.output, 'read_committed');
  const report = checkExactlyOnce([...before, ...after], out, (v) => `${v}|a`);
  expect(report.missing).toEqual([]);
  expect(report.duplicates).toEqual([]);
  expect(report.orderViolations).toEqual([]);
  expect(out).toHaveLength(2_500);
  expect(
    child.count('aborted') +
      child.events.filter((e) => e.event === 'state' && e['state'] === 'recovering').length,
  ).toBeGreaterThan(0);
});
