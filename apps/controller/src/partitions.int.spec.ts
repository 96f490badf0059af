/** Issue 13 item 5: input partitions added after a pipeline was created are processed, exactly once. */
import { TaskState, type GetPipelineStatusResponse } from '@eos/proto';
import {
  checkExactlyOnce,
  connectTestClients,
  createTopic,
  produceSequence,
  readTopic,
  seqValue,
  TestStack,
  testKafka,
  uniqueName,
  until,
  waitCaughtUp,
  type TestClients,
} from '@eos/testing';

let clients: TestClients;
let stack: TestStack;

beforeAll(async () => {
  clients = await connectTestClients();
});
afterAll(async () => {
  await clients.close();
});
afterEach(async () => {
  await stack.stop();
});

it('picks up partitions added to the input topic: the owning tasks get them, status shows them, records come out once', async () => {
  const { admin, producer } = clients;
  stack = new TestStack({ leaseMs: 2000 });
  await stack.startController();
  stack.startWorker('w1');
  const name = uniqueName('parts');
  const input = `${name}.in`;
  const output = `${name}.out`;
  await createTopic(admin, input, 2);
  await until(
    'w1',
    async () => (await stack.call<object, { workers: unknown[] }>('listWorkers', {})).workers.length === 1,
  );
  await stack.call('createPipeline', {
    spec: {
      name,
      inputTopic: input,
      outputTopic: output,
      tasks: 2,
      transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
    },
  });
  const before = await produceSequence(producer, input, { count: 200, keys: 4, partitions: 2 });
  await waitCaughtUp(admin, input, `eos.${name}`);

  await admin.createPartitions({ topicPartitions: [{ topic: input, count: 4 }] });
  // Keys 100-103 only into the new partitions 2 and 3, from a fresh producer (the shared one's
  // metadata cache still says 2 partitions).
  const after = Array.from({ length: 200 }, (_, i) => ({
    partition: 2 + (i % 2),
    key: `k${100 + (i % 4)}`,
    value: seqValue(100 + (i % 4), Math.floor(i / 4)),
  }));
  const fresh = testKafka().producer({ idempotent: true });
  await fresh.connect();
  try {
    await fresh.send({ topic: input, acks: -1, messages: after });
  } finally {
    await fresh.disconnect();
  }

  const st = await until(
    'new partitions owned and drained',
    async () => {
      const s = await stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
      const parts = s.tasks.flatMap((t) => t.partitions.map((p) => [t.taskIndex, p.partition, p.endOffset]));
      const ok =
        JSON.stringify(parts) ===
          JSON.stringify([
            [0, 0, 100],
            [0, 2, 100],
            [1, 1, 100],
            [1, 3, 100],
          ]) &&
        s.lag === 0 &&
        s.tasks.every((t) => t.state === TaskState.PROCESSING);
      return ok ? s : undefined;
    },
    90_000,
  );
  expect(st.tasks.map((t) => t.ownerWorkerId)).toEqual(['w1', 'w1']);
  const freshAdmin = testKafka().admin();
  await freshAdmin.connect();
  try {
    await waitCaughtUp(freshAdmin, input, `eos.${name}`);
  } finally {
    await freshAdmin.disconnect();
  }
  const out = await readTopic(output);
  const r = checkExactlyOnce([...before, ...after], out, (v) => `${v}|a`);
  expect({
    missing: r.missing.length,
    duplicates: r.duplicates.slice(0, 5),
    unexpected: r.unexpected.slice(0, 5),
    order: r.orderViolations.slice(0, 5),
  }).toEqual({ missing: 0, duplicates: [], unexpected: [], order: [] });
  expect(out).toHaveLength(400);
  expect(stack.controller!.output).toMatch(/grew from 2 to 4 partitions/);
});
