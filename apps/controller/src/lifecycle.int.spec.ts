/**
 * Drain, SIGTERM, pipeline lifecycle and offsets on the real stack (processes from dist/, real
 * broker, gRPC). Outputs are read with kcat.
 */
import { FleetNames } from '@eos/fleet-names';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Admin, Producer } from 'kafkajs';
import {
  TaskState,
  WorkerState,
  type GetPipelineStatusResponse,
  type ListAuditRecordsResponse,
  type PipelineOffsetsResponse,
  type Worker,
} from '@eos/proto';
import {
  background,
  checkExactlyOnce,
  createTopic,
  produceSequence,
  readTopic,
  connectTestClients,
  type TestClients,
  TestStack,
  uniqueName,
  until,
  waitCaughtUp,
} from '@eos/testing';

let clients: TestClients;
let admin: Admin;
let producer: Producer;
let stack: TestStack;
let transformsDir: string;

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
  transformsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-transforms-'));
  // A slow suffix: sleeps `ms` per record, so a batch takes long.
  fs.writeFileSync(
    path.join(transformsDir, 'sleepy.js'),
    `module.exports = { name: 'sleepy', version: 1, create: (c) => async (r) => { await new Promise((res) => setTimeout(res, c.ms)); return { value: String(r.value) + '|a' }; } };`,
  );
});
afterAll(async () => {
  await clients.close();
  fs.rmSync(transformsDir, { recursive: true, force: true });
});
beforeEach(() => {
  stack = new TestStack({ leaseMs: 2000 });
});
afterEach(async () => {
  await stack.stop();
});

async function pipeline(partitions = 6, extra: object = {}) {
  const name = uniqueName('lc');
  const t = { name, input: `${name}.in`, output: `${name}.out`, group: new FleetNames().pipelineGroup(name) };
  await createTopic(admin, t.input, partitions);
  await stack.call('createPipeline', {
    spec: {
      name,
      inputTopic: t.input,
      outputTopic: t.output,
      tasks: partitions,
      transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
      deadLetterTopic: `${name}.dlq`,
      ...extra,
    },
  });
  return t;
}

const status = (name: string) =>
  stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
const worker = (workerId: string) =>
  stack.call<{ workerId: string }, { worker: Worker }>('getWorker', { workerId }).then((r) => r.worker);
const allProcessing = async (name: string) =>
  (await status(name)).tasks.every((x) => x.state === TaskState.PROCESSING);

async function expectExactlyOnce(
  t: { input: string; output: string; group: string },
  inputs: { value: string }[],
) {
  await waitCaughtUp(admin, t.input, t.group);
  const out = await readTopic(t.output);
  const r = checkExactlyOnce(inputs, out, (v) => `${v}|a`);
  expect({
    missing: r.missing.length,
    duplicates: r.duplicates.slice(0, 5),
    order: r.orderViolations.slice(0, 5),
  }).toEqual({ missing: 0, duplicates: [], order: [] });
  expect(out).toHaveLength(inputs.length);
}

/** Records visible to read_uncommitted but not read_committed: aborted transactions' output. */
async function abortedRecords(topic: string): Promise<number> {
  return (
    (await readTopic(topic, 'read_uncommitted')).length - (await readTopic(topic, 'read_committed')).length
  );
}

/** Controller, workers w1-w3 with 2 tasks each of a 6-task pipeline, and 30,000 records being produced. */
async function threeWorkersUnderLoad() {
  await stack.startController();
  const procs = ['w1', 'w2', 'w3'].map((id) => stack.startWorker(id));
  const t = await pipeline();
  await until(
    '6 tasks processing on 3 workers',
    async () =>
      (await allProcessing(t.name)) &&
      new Set((await status(t.name)).tasks.map((x) => x.ownerWorkerId)).size === 3,
  );
  const producing = background(
    produceSequence(producer, t.input, {
      count: 30_000,
      keys: 60,
      partitions: 6,
      batch: 200,
    }),
  );
  await until('commits', async () => (await status(t.name)).tasks.some((x) => x.recordsCommitted > 0));
  return { procs, t, producing };
}

it('DrainWorker under load: the worker exits 0, its tasks run elsewhere, exactly once, and no transaction is aborted', async () => {
  const { procs, t, producing } = await threeWorkersUnderLoad();
  const w2Tasks = (await worker('w2')).tasks.length;
  expect(w2Tasks).toBe(2);
  const drained = await stack.call<object, { worker: Worker }>('drainWorker', { workerId: 'w2' });
  expect(drained.worker.state).toBe(WorkerState.DRAINING);
  expect(await procs[1]!.exit()).toBe(0);
  expect((await worker('w2')).state).toBe(WorkerState.DRAINED);
  expect((await worker('w2')).tasksLeft).toBe(0);
  const s = await until('all processing on w1 and w3', async () =>
    (await allProcessing(t.name)) ? status(t.name) : undefined,
  );
  expect(new Set(s.tasks.map((x) => x.ownerWorkerId))).toEqual(new Set(['w1', 'w3']));
  await expectExactlyOnce(t, await producing);
  expect(await abortedRecords(t.output)).toBe(0);
});

it('SIGTERM on a worker under load: it drains itself through the controller and exits 0; exactly once, nothing aborted', async () => {
  const { procs, t, producing } = await threeWorkersUnderLoad();
  procs[2]!.kill('SIGTERM');
  expect(await procs[2]!.exit()).toBe(0);
  expect(procs[2]!.output).toMatch(/drained by the controller/);
  await until(
    'all processing on w1 and w2',
    async () =>
      (await allProcessing(t.name)) && (await status(t.name)).tasks.every((x) => x.ownerWorkerId !== 'w3'),
  );
  await expectExactlyOnce(t, await producing);
  expect(await abortedRecords(t.output)).toBe(0);
  const audit = await stack.call<object, ListAuditRecordsResponse>('listAuditRecords', {});
  expect(audit.records.find((r) => r.action === 'DrainWorker')).toMatchObject({
    actor: 'worker:w3',
    target: 'w3',
    detail: 'SIGTERM',
    outcome: 'OK',
  });
});

it('a drain deadline shorter than a slow batch: the drain finishes by the deadline and exactly once still holds', async () => {
  await stack.startController();
  const env = { TRANSFORMS_DIR: transformsDir };
  const procs = ['w1', 'w2'].map((id) => stack.startWorker(id, env));
  await until(
    'workers announce sleepy@1',
    async () => (await stack.call<object, { workers: Worker[] }>('listWorkers', {})).workers.length === 2,
  );
  // 2 partitions; batches of 400 records at 10 ms each: a batch takes 4 s.
  const t = await pipeline(2, {
    transform: { name: 'sleepy', version: 1, config: { ms: 10 } },
    batching: { maxRecords: 400, maxBytes: 0, lingerMs: 0 },
  });
  await until('2 tasks processing', () => allProcessing(t.name));
  const inputs = await produceSequence(producer, t.input, { count: 2000, keys: 2, partitions: 2 });
  const victim = (await status(t.name)).tasks[0]!.ownerWorkerId;
  await until('a batch under way', async () =>
    (await status(t.name)).tasks.some((x) => x.recordsCommitted > 0),
  );
  const t0 = Date.now();
  await stack.call('drainWorker', { workerId: victim, deadlineMs: 1000 });
  expect(await procs[victim === 'w1' ? 0 : 1]!.exit()).toBe(0);
  const took = Date.now() - t0;
  expect(took).toBeLessThan(1000 + 2500); // deadline + the fast stop of a batch in the transform
  console.log(`drain with a 1000 ms deadline finished in ${took} ms`);
  await expectExactlyOnce(t, inputs);
}, 240_000);

it('pause stops the output while input grows; resume catches up; exactly once', async () => {
  await stack.startController();
  ['w1', 'w2'].forEach((id) => stack.startWorker(id));
  const t = await pipeline(2);
  await until('processing', () => allProcessing(t.name));
  const first = await produceSequence(producer, t.input, { count: 1000, keys: 4, partitions: 2 });
  await until('first caught up', async () => (await readTopic(t.output)).length === 1000);
  const paused = await stack.call<object, { pipeline: { state: number } }>('pausePipeline', { name: t.name });
  expect(paused.pipeline.state).toBe(2);
  await until('tasks suspended', async () =>
    (await status(t.name)).tasks.every((x) => x.state === TaskState.SUSPENDED),
  );
  const second = await produceSequence(producer, t.input, {
    count: 1000,
    keys: 4,
    partitions: 2,
    from: 1000,
  });
  await new Promise((r) => setTimeout(r, 1500)); // the output must stay put for a while
  expect(await readTopic(t.output)).toHaveLength(1000);
  expect(
    (
      await stack.call<object, PipelineOffsetsResponse>('getPipelineOffsets', { name: t.name })
    ).partitions.reduce((a, p) => a + p.lag, 0),
  ).toBe(1000);
  await stack.call('resumePipeline', { name: t.name });
  await expectExactlyOnce(t, [...first, ...second]);
});

it('stop, reset offsets to an explicit point, resume: the output continues from that point', async () => {
  await stack.startController();
  stack.startWorker('w1');
  const t = await pipeline(1);
  await until('processing', () => allProcessing(t.name));
  const inputs = await produceSequence(producer, t.input, { count: 100, keys: 1, partitions: 1 });
  await until('caught up', async () => (await readTopic(t.output)).length === 100);
  const refused = (await stack
    .call('resetPipelineOffsets', {
      name: t.name,
      target: { $case: 'explicit', value: { offsets: [{ partition: 0, offset: 50 }] } },
    })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect([refused.code, refused.details]).toEqual([
    grpc.status.FAILED_PRECONDITION,
    `pipeline ${t.name} is RUNNING; stop it before resetting offsets`,
  ]);
  await stack.call('stopPipeline', { name: t.name });
  const reset = await until('reset accepted once released', () =>
    stack.call<object, PipelineOffsetsResponse>('resetPipelineOffsets', {
      name: t.name,
      target: { $case: 'explicit', value: { offsets: [{ partition: 0, offset: 50 }] } },
    }),
  );
  expect(reset.partitions).toEqual([{ partition: 0, committedOffset: 50, endOffset: 100, lag: 50 }]);
  const bad = (await stack
    .call('resetPipelineOffsets', {
      name: t.name,
      target: { $case: 'explicit', value: { offsets: [{ partition: 0, offset: 500 }] } },
    })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect([bad.code, bad.details]).toEqual([
    grpc.status.INVALID_ARGUMENT,
    'explicit.offsets: offset 500 for partition 0 is outside [0, 100]',
  ]);
  await stack.call('resumePipeline', { name: t.name });
  const out = await until('reprocessed', async () => {
    const o = await readTopic(t.output);
    return o.length === 150 ? o : undefined;
  });
  expect(out.slice(100).map((r) => r.value)).toEqual(inputs.slice(50).map((i) => `${i.value}|a`));
});

it('answers precondition violations and unknown names with the right codes, and audits who did what', async () => {
  await stack.startController();
  stack.startWorker('w1');
  const t = await pipeline(1);
  // The worker process registers on its own time; CreatePipeline may well answer before it has.
  await until('w1 registered', () => worker('w1'));
  const meta = new grpc.Metadata();
  meta.set('x-actor', 'alice');
  const codeOf = (method: string, req: object) =>
    stack.call(method, req).then(
      () => 'OK',
      (e: grpc.ServiceError) => grpc.status[e.code],
    );
  expect(await codeOf('drainWorker', { workerId: 'ghost' })).toBe('NOT_FOUND');
  expect(await codeOf('undrainWorker', { workerId: 'w1' })).toBe('FAILED_PRECONDITION');
  expect(await codeOf('pausePipeline', { name: 'ghost' })).toBe('NOT_FOUND');
  expect(
    await codeOf('resetPipelineOffsets', { name: t.name, target: { $case: 'earliest', value: true } }),
  ).toBe('FAILED_PRECONDITION');
  expect(await codeOf('resetPipelineOffsets', { name: t.name })).toBe('FAILED_PRECONDITION');
  await new Promise<void>((resolve, reject) =>
    stack.admin().pausePipeline({ name: t.name }, meta, (err) => (err ? reject(err) : resolve())),
  );
  const audit = await stack.call<object, ListAuditRecordsResponse>('listAuditRecords', { limit: 10 });
  expect(audit.records[0]).toMatchObject({
    actor: 'alice',
    action: 'PausePipeline',
    target: t.name,
    outcome: 'OK',
  });
  expect(audit.records.map((r) => `${r.action}:${r.outcome}`)).toEqual(
    expect.arrayContaining([
      'DrainWorker:NOT_FOUND',
      'UndrainWorker:FAILED_PRECONDITION',
      'PausePipeline:NOT_FOUND',
      'ResetPipelineOffsets:FAILED_PRECONDITION',
      'CreatePipeline:OK',
    ]),
  );
  // The trail survives a controller restart.
  await stack.killController();
  await stack.startController();
  const after = await stack.call<object, ListAuditRecordsResponse>('listAuditRecords', { limit: 10 });
  expect(after.records[0]).toMatchObject({ actor: 'alice', action: 'PausePipeline' });
});

it('delete: stops the pipeline, keeps its topics, removes its offsets group; the name can be used again from scratch', async () => {
  await stack.startController();
  stack.startWorker('w1');
  const t = await pipeline(2);
  await until('processing', () => allProcessing(t.name));
  const inputs = await produceSequence(producer, t.input, { count: 100, keys: 2, partitions: 2 });
  await waitCaughtUp(admin, t.input, t.group);
  await stack.call('deletePipeline', { name: t.name });
  const nf = (await stack
    .call('getPipeline', { name: t.name })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect(nf.code).toBe(grpc.status.NOT_FOUND);
  expect((await admin.listTopics()).filter((x) => x.startsWith(t.name)).sort()).toEqual(
    [`${t.name}.dlq`, t.input, t.output].sort(),
  );
  expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(t.group);
  expect(await readTopic(t.output, 'read_uncommitted')).toHaveLength(100); // nothing left open or aborted
  // Created again: it starts from the beginning of the input (a fresh offsets group).
  await stack.call('createPipeline', {
    spec: {
      name: t.name,
      inputTopic: t.input,
      outputTopic: t.output,
      tasks: 2,
      transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
      deadLetterTopic: `${t.name}.dlq`,
    },
  });
  await until('reprocessed', async () => (await readTopic(t.output)).length === 200);
  const counts = new Map<string, number>();
  for (const r of await readTopic(t.output)) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  expect(inputs.filter((i) => counts.get(`${i.value}|a`) !== 2)).toEqual([]); // every input once per incarnation
});
