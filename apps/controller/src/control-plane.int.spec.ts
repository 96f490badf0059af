/**
 * The control plane for real: controller and workers as processes from dist/, gRPC, the real
 * broker. Outputs are checked with kcat.
 */
import { FleetNames } from '@eos/fleet-names';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { Admin, Producer } from 'kafkajs';
import { TaskState, WorkerState, type GetPipelineStatusResponse } from '@eos/proto';
import {
  background,
  checkExactlyOnce,
  createTopic,
  freePort,
  groupOffsets,
  produceSequence,
  readTopic,
  connectTestClients,
  type TestClients,
  TestStack,
  uniqueName,
  until,
  waitCaughtUp,
} from '@eos/testing';

const run = promisify(execFile);
const GRPCURL = process.env['GRPCURL'] ?? 'grpcurl';
const LEASE_MS = 2000;

let clients: TestClients;
let admin: Admin;
let producer: Producer;
let stack: TestStack;

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
});
afterAll(async () => {
  await clients.close();
});
beforeEach(() => {
  stack = new TestStack({ leaseMs: LEASE_MS });
});
afterEach(async () => {
  await stack.stop();
});

async function topics(partitions = 6) {
  const name = uniqueName('cp');
  const input = `${name}.in`;
  await createTopic(admin, input, partitions);
  return { name, input, output: `${name}.out`, group: new FleetNames().pipelineGroup(name) };
}

const spec = (t: { name: string; input: string; output: string }, extra: object = {}) => ({
  name: t.name,
  inputTopic: t.input,
  outputTopic: t.output,
  tasks: 6,
  transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
  deadLetterTopic: `${t.name}.dlq`,
  ...extra,
});

const status = (name: string) =>
  stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });

async function caughtUp(t: { input: string; group: string }): Promise<void> {
  await waitCaughtUp(admin, t.input, t.group);
}

async function expectExactlyOnce(
  t: { input: string; output: string; group: string },
  inputs: { value: string }[],
) {
  await caughtUp(t);
  const out = await readTopic(t.output);
  const r = checkExactlyOnce(inputs, out, (v) => `${v}|a`);
  expect({
    missing: r.missing.length,
    duplicates: r.duplicates.slice(0, 5),
    unexpected: r.unexpected.slice(0, 5),
    order: r.orderViolations.slice(0, 5),
  }).toEqual({ missing: 0, duplicates: [], unexpected: [], order: [] });
  expect(out).toHaveLength(inputs.length);
}

const owners = (s: GetPipelineStatusResponse) => s.tasks.map((t) => t.ownerWorkerId);

it('grpcurl lists and describes the services without .proto files, creates a pipeline from the contract JSON and reads its status', async () => {
  const t = await topics();
  await stack.startController();
  const metricsPort = await freePort();
  stack.startWorker('w1', { WORKER_HTTP_PORT: String(metricsPort) });
  stack.startWorker('w2');
  const list = (await run(GRPCURL, ['-plaintext', stack.addr, 'list'])).stdout;
  expect(list.split('\n')).toEqual(
    expect.arrayContaining(['eos.v1.AdminService', 'eos.v1.WorkerService', 'grpc.health.v1.Health']),
  );
  const described = (await run(GRPCURL, ['-plaintext', stack.addr, 'describe', 'eos.v1.AdminService']))
    .stdout;
  expect(described).toMatch(
    /rpc CreatePipeline \( \.eos\.v1\.CreatePipelineRequest \) returns \( \.eos\.v1\.CreatePipelineResponse \)/,
  );
  await until(
    'two workers',
    async () => (await stack.call<object, { workers: unknown[] }>('listWorkers', {})).workers.length === 2,
  );

  const created = JSON.parse(
    (
      await run(GRPCURL, [
        '-plaintext',
        '-d',
        JSON.stringify({ spec: spec(t) }),
        stack.addr,
        'eos.v1.AdminService/CreatePipeline',
      ])
    ).stdout,
  );
  expect(created.pipeline).toMatchObject({
    state: 'RUNNING',
    spec: { name: t.name, tasks: 6, transform: { name: 'suffix', version: 1, config: { suffix: '|a' } } },
  });
  const st = await until('all tasks processing', async () => {
    const s = JSON.parse(
      (
        await run(GRPCURL, [
          '-plaintext',
          '-d',
          JSON.stringify({ name: t.name }),
          stack.addr,
          'eos.v1.AdminService/GetPipelineStatus',
        ])
      ).stdout,
    );
    return s.tasks.length === 6 && s.tasks.every((x: { state: string }) => x.state === 'PROCESSING')
      ? s
      : undefined;
  });
  expect(new Set(st.tasks.map((x: { ownerWorkerId: string }) => x.ownerWorkerId))).toEqual(
    new Set(['w1', 'w2']),
  );
  expect(st.tasks.map((x: { transactionalId: string }) => x.transactionalId)).toEqual(
    [0, 1, 2, 3, 4, 5].map((i) => `eos.${t.name}.${i}`),
  );
  const workers = JSON.parse(
    (await run(GRPCURL, ['-plaintext', '-d', '{}', stack.addr, 'eos.v1.AdminService/ListWorkers'])).stdout,
  );
  expect(workers.workers.map((w: { workerId: string; state: string }) => [w.workerId, w.state])).toEqual([
    ['w1', 'ACTIVE'],
    ['w2', 'ACTIVE'],
  ]);
  const health = JSON.parse(
    (await run(GRPCURL, ['-plaintext', stack.addr, 'grpc.health.v1.Health/Check'])).stdout,
  );
  expect(health).toEqual({ status: 'SERVING' });
});

it('answers bad input with the right code and a message naming the problem, and keeps serving', async () => {
  const t = await topics(3);
  await stack.startController();
  const cases: [object, grpc.status, RegExp][] = [
    [{ ...spec(t), name: '' }, grpc.status.INVALID_ARGUMENT, /spec\.name: is required/],
    [{ ...spec(t), name: 'bad name!' }, grpc.status.INVALID_ARGUMENT, /spec\.name: "bad name!" must be/],
    [{ ...spec(t), inputTopic: '' }, grpc.status.INVALID_ARGUMENT, /spec\.inputTopic: is required/],
    [
      { ...spec(t), outputTopic: t.input },
      grpc.status.INVALID_ARGUMENT,
      /spec\.outputTopic: must differ from spec\.inputTopic/,
    ],
    [{ ...spec(t), tasks: 0 }, grpc.status.INVALID_ARGUMENT, /spec\.tasks: must be at least 1/],
    [{ ...spec(t), tasks: 6 }, grpc.status.INVALID_ARGUMENT, /spec\.tasks: 6 tasks for 3 input partitions/],
    [
      { ...spec(t), transform: { name: 'nope', version: 1 } },
      grpc.status.INVALID_ARGUMENT,
      /unknown transform nope@1/,
    ],
    [
      { ...spec(t), transform: { name: 'suffix', version: 3 } },
      grpc.status.INVALID_ARGUMENT,
      /unknown transform suffix@3/,
    ],
    [
      { ...spec(t), transform: { name: 'suffix', version: 1, config: { suffix: 5 } } },
      grpc.status.INVALID_ARGUMENT,
      /spec\.transform\.config\.suffix: suffix@1 needs config\.suffix, a string/,
    ],
    [
      { ...spec(t), inputTopic: `${t.name}.missing` },
      grpc.status.INVALID_ARGUMENT,
      /spec\.inputTopic: topic ".*\.missing" does not exist/,
    ],
  ];
  for (const [s, code, msg] of cases) {
    const err = (await stack.call('createPipeline', { spec: s }).then(
      () => undefined,
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect({ code: err?.code, details: err?.details }).toEqual({ code, details: expect.stringMatching(msg) });
  }
  await stack.call('createPipeline', { spec: { ...spec(t), tasks: 3 } });
  const dup = (await stack
    .call('createPipeline', { spec: { ...spec(t), tasks: 3 } })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect([dup.code, dup.details]).toEqual([grpc.status.ALREADY_EXISTS, `pipeline ${t.name} already exists`]);
  const nf = (await stack
    .call('getPipeline', { name: 'nope' })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect([nf.code, nf.details]).toEqual([grpc.status.NOT_FOUND, 'pipeline nope does not exist']);
  const nw = (await stack
    .call('getWorker', { workerId: 'ghost' })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect(nw.code).toBe(grpc.status.NOT_FOUND);
  // Still serving.
  expect((await stack.call<object, { pipelines: unknown[] }>('listPipelines', {})).pipelines).toHaveLength(1);
  expect(await readTopic(`${t.name}.dlq`)).toEqual([]); // output and dead-letter topics were created
});

it('SIGKILL of one of 3 workers mid-stream: its tasks move within the lease plus a second; every input exactly once', async () => {
  const t = await topics();
  await stack.startController();
  const workers = ['w1', 'w2', 'w3'].map((id) => stack.startWorker(id));
  await stack.call('createPipeline', { spec: spec(t) });
  await until('6 tasks on 3 workers', async () => {
    const s = await status(t.name);
    return s.tasks.every((x) => x.state === TaskState.PROCESSING) && new Set(owners(s)).size === 3;
  });
  const producing = background(
    produceSequence(producer, t.input, {
      count: 50_000,
      keys: 60,
      partitions: 6,
      batch: 250,
    }),
  );
  await until('some commits', async () => (await status(t.name)).tasks.some((x) => x.recordsCommitted > 0));
  const victim = workers[1]!;
  const before = owners(await status(t.name));
  const moving = before.map((o, i) => (o === 'w2' ? i : -1)).filter((i) => i >= 0);
  const killedAt = Date.now();
  victim.kill('SIGKILL');
  const s = await until(
    'w2 tasks owned by survivors',
    async () => {
      const st = await status(t.name);
      return moving.every((i) => ['w1', 'w3'].includes(st.tasks[i]!.ownerWorkerId)) ? st : undefined;
    },
    30_000,
  );
  const movedWithin = Date.now() - killedAt;
  expect(movedWithin).toBeLessThanOrEqual(LEASE_MS + 1000);
  expect(owners(s).filter((o) => o === 'w2')).toEqual([]);
  const inputs = await producing;
  await expectExactlyOnce(t, inputs);
  console.log(
    `failover: w2's ${moving.length} tasks owned by survivors ${movedWithin} ms after SIGKILL (lease ${LEASE_MS} ms)`,
  );
});

it('a fourth worker joins under load: the fewest tasks move to it, with no duplicates', async () => {
  const t = await topics();
  await stack.startController();
  ['w1', 'w2', 'w3'].forEach((id) => stack.startWorker(id));
  // All three registered first (each checks Kafka before it connects), so the placement is final.
  await until(
    '3 workers active',
    async () =>
      (await stack.call<object, { workers: { state: WorkerState }[] }>('listWorkers', {})).workers.filter(
        (w) => w.state === WorkerState.ACTIVE,
      ).length === 3,
  );
  await stack.call('createPipeline', { spec: spec(t) });
  await until('6 tasks processing', async () =>
    (await status(t.name)).tasks.every((x) => x.state === TaskState.PROCESSING),
  );
  const before = owners(await status(t.name));
  const producing = background(
    produceSequence(producer, t.input, {
      count: 30_000,
      keys: 60,
      partitions: 6,
      batch: 250,
    }),
  );
  await until('some commits', async () => (await status(t.name)).tasks.some((x) => x.recordsCommitted > 0));
  stack.startWorker('w4');
  const after = await until('w4 owns a task and all process', async () => {
    const st = await status(t.name);
    return owners(st).includes('w4') && st.tasks.every((x) => x.state === TaskState.PROCESSING)
      ? owners(st)
      : undefined;
  });
  const moved = after.filter((o, i) => o !== before[i]);
  expect(moved).toEqual(['w4']); // 6 tasks on 4 workers: loads 2,2,1,1 need exactly one move
  await expectExactlyOnce(t, await producing);
  // A graceful handoff aborts nothing: every output record is committed.
  expect((await readTopic(t.output, 'read_uncommitted')).length).toBe(
    (await readTopic(t.output, 'read_committed')).length,
  );
});

it('controller SIGKILL and restart mid-stream: commits go on during the outage, state intact, exactly once', async () => {
  const t = await topics();
  await stack.startController();
  ['w1', 'w2', 'w3'].forEach((id) => stack.startWorker(id));
  // All three registered first (each checks Kafka before it connects), so the placement is final.
  await until(
    '3 workers active',
    async () =>
      (await stack.call<object, { workers: { state: WorkerState }[] }>('listWorkers', {})).workers.filter(
        (w) => w.state === WorkerState.ACTIVE,
      ).length === 3,
  );
  await stack.call('createPipeline', { spec: spec(t) });
  await until('6 tasks processing', async () =>
    (await status(t.name)).tasks.every((x) => x.state === TaskState.PROCESSING),
  );
  const before = await status(t.name);
  const producing = background(
    produceSequence(producer, t.input, {
      count: 30_000,
      keys: 60,
      partitions: 6,
      batch: 250,
    }),
  );
  await stack.killController();
  // While the controller is down, the workers keep committing.
  const c0 = [...(await groupOffsets(admin, t.group, t.input)).values()].reduce(
    (a, b) => a + Math.max(0, b),
    0,
  );
  await until(
    'commits during the outage',
    async () =>
      [...(await groupOffsets(admin, t.group, t.input)).values()].reduce((a, b) => a + Math.max(0, b), 0) >
      c0 + 1000,
    30_000,
  );
  const restartAt = Date.now();
  await stack.startController();
  const after = await until('steady state after restart', async () => {
    const s = await status(t.name);
    return s.tasks.every((x) => x.state === TaskState.PROCESSING) &&
      (await stack.call<object, { workers: { state: WorkerState }[] }>('listWorkers', {})).workers.filter(
        (w) => w.state === WorkerState.ACTIVE,
      ).length === 3
      ? s
      : undefined;
  });
  console.log(`controller restart to steady state: ${Date.now() - restartAt} ms`);
  expect(after.pipeline?.spec?.name).toBe(t.name);
  expect(owners(after)).toEqual(owners(before)); // reconciled, nothing moved
  expect(after.tasks.map((x) => Number(x.epoch))).toEqual(before.tasks.map((x) => Number(x.epoch)));
  await expectExactlyOnce(t, await producing);
});
