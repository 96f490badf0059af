/**
 * Two fleets on one broker and one Redis (EOS_FLEET_ID): each with its own controller and
 * workers, both running a pipeline of the same name over the same input topic. Without
 * namespaces they would share the tasks' transactional ids (and fence each other all the time),
 * the offsets group (and each see only part of the input) and the rollout queue. Outputs are read
 * with kcat, transactional ids listed with Kafka's own TransactionsCommand.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import { FleetNames } from '@eos/fleet-names';
import { defaultKafkaVersion, kafkaClasspath, kafkaLogArgs } from '@eos/infra';
import { Rollout_State, TaskState, type GetPipelineStatusResponse, type Rollout } from '@eos/proto';
import {
  checkExactlyOnce,
  connectTestClients,
  createTopic,
  produceSequence,
  readTopic,
  testBrokers,
  testKafkaVersion,
  testRedisUrl,
  TestStack,
  uniqueName,
  until,
  waitCaughtUp,
  type TestClients,
} from '@eos/testing';

const run = promisify(execFile);
let clients: TestClients;
let admin: Admin;
let producer: Producer;
const stacks: TestStack[] = [];

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
});
afterAll(async () => {
  await clients.close();
});
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.stop();
});

it('two fleets run a pipeline of the same name on one broker and one Redis without touching each other', async () => {
  const tag = randomBytes(3).toString('hex');
  const fleets = [new FleetNames(`blue-${tag}`), new FleetNames(`green-${tag}`)];
  const name = uniqueName('twin');
  const input = `${name}.in`;
  await createTopic(admin, input, 4);
  const fleet = fleets.map((names) => {
    const stack = new TestStack({ leaseMs: 2000, env: { EOS_FLEET_ID: names.fleetId } });
    stacks.push(stack);
    return { names, stack, output: `${name}.${names.fleetId}.out` };
  });
  for (const f of fleet) {
    await f.stack.startController();
    f.stack.startWorker(`${f.names.fleetId}-w1`);
    f.stack.startWorker(`${f.names.fleetId}-w2`);
    await f.stack.call('createPipeline', {
      spec: {
        name,
        inputTopic: input,
        outputTopic: f.output,
        tasks: 4,
        transform: { name: 'suffix', version: 1, config: { suffix: `|${f.names.fleetId}` } },
      },
    });
  }
  const status = (f: (typeof fleet)[number]) =>
    f.stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
  for (const f of fleet)
    await until(`${f.names.fleetId}: 4 tasks processing`, async () =>
      (await status(f)).tasks.every((t) => t.state === TaskState.PROCESSING),
    );
  const inputs = await produceSequence(producer, input, {
    count: 8_000,
    keys: 40,
    partitions: 4,
    batch: 400,
  });
  for (const f of fleet) {
    await waitCaughtUp(admin, input, f.names.pipelineGroup(name));
    const out = await readTopic(f.output);
    const r = checkExactlyOnce(inputs, out, (v) => `${v}|${f.names.fleetId}`);
    expect({
      fleet: f.names.fleetId,
      missing: r.missing.length,
      duplicates: r.duplicates.slice(0, 5),
      unexpected: r.unexpected.slice(0, 5),
    }).toEqual({
      fleet: f.names.fleetId,
      missing: 0,
      duplicates: [],
      unexpected: [],
    });
    expect(out).toHaveLength(inputs.length);
  }

  // Each fleet's tasks hold their own transactional ids; no fleet used the default fleet's.
  const version = testKafkaVersion() ?? defaultKafkaVersion();
  const { stdout } = await run(
    'java',
    [
      ...kafkaLogArgs(version, true),
      '-cp',
      kafkaClasspath(version),
      'org.apache.kafka.tools.TransactionsCommand',
      '--bootstrap-server',
      testBrokers().join(','),
      'list',
    ],
    { maxBuffer: 1 << 26, timeout: 120_000 },
  );
  const ids = new Set(stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]));
  for (const f of fleet)
    for (let t = 0; t < 4; t++) expect(ids.has(f.names.transactionalId(name, t))).toBe(true);
  for (let t = 0; t < 4; t++) expect(ids.has(new FleetNames().transactionalId(name, t))).toBe(false);

  // A rollout in one fleet runs on that fleet's queue in the shared Redis only.
  const [blue, green] = fleet as [(typeof fleet)[number], (typeof fleet)[number]];
  const { rolloutId } = await blue.stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: {
      name,
      inputTopic: input,
      outputTopic: blue.output,
      tasks: 4,
      transform: { name: 'suffix', version: 1, config: { suffix: `|${blue.names.fleetId}-v2` } },
    },
    strategy: { canaryTasks: 1, stepTasks: 3, gateCommits: 1, gateTimeoutMs: 30_000 },
  });
  const done = await until('the blue rollout to succeed', async () => {
    const r = await blue.stack.call<{ rolloutId: string }, Rollout>('getRollout', { rolloutId });
    return r.state === Rollout_State.SUCCEEDED ? r : undefined;
  });
  expect(done.tasksOnNew).toEqual([0, 1, 2, 3]);
  const redis = new IORedis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  try {
    expect(await redis.exists(`bull:${blue.names.rolloutQueue}:${rolloutId}`)).toBe(1);
    expect(await redis.exists(`bull:${green.names.rolloutQueue}:${rolloutId}`)).toBe(0);
    expect(await redis.exists(`bull:${new FleetNames().rolloutQueue}:${rolloutId}`)).toBe(0);
  } finally {
    redis.disconnect();
  }
  const greenStatus = await status(green);
  expect(greenStatus.tasks.map((t) => t.specVersion)).toEqual([1, 1, 1, 1]);
}, 240_000);
