/**
 * Rollouts on the BullMQ queue (real Redis), with the real broker, controller and worker
 * processes. Outputs are read with kcat.
 */
import { FleetNames } from '@eos/fleet-names';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Admin, Producer } from 'kafkajs';
import { Rollout_State, TaskState, type GetPipelineStatusResponse, type Rollout } from '@eos/proto';
import {
  background,
  createTopic,
  freePort,
  produceSequence,
  type ReadRecord,
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
let dir: string;

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-rollout-transforms-'));
  fs.mkdirSync(path.join(dir, 'failing'));
  fs.writeFileSync(
    path.join(dir, 'failing', 'failing.js'),
    `module.exports = { name: 'failing', version: 1, create: () => () => { throw new Error('failing@1 rejects every record'); } };`,
  );
  fs.mkdirSync(path.join(dir, 'v2'));
  fs.writeFileSync(
    path.join(dir, 'v2', 'suffix2.js'),
    `module.exports = { name: 'suffix', version: 2, create: (c) => (r) => ({ value: String(r.value) + c.suffix + '!' }) };`,
  );
});
afterAll(async () => {
  await clients.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  stack = new TestStack({ leaseMs: 2000 });
});
afterEach(async () => {
  await stack.stop();
});

const spec = (name: string, transform: object) => ({
  name,
  inputTopic: `${name}.in`,
  outputTopic: `${name}.out`,
  tasks: 6,
  transform,
  deadLetterTopic: `${name}.dlq`,
});
const suffix = (s: string, version = 1) => ({ name: 'suffix', version, config: { suffix: s } });
const fast = { canaryTasks: 1, stepTasks: 2, gateCommits: 2, maxFailedRecords: 0, gateTimeoutMs: 30_000 };

async function pipeline(transform = suffix('|a')) {
  const name = uniqueName('ro');
  await createTopic(admin, `${name}.in`, 6);
  await stack.call('createPipeline', { spec: spec(name, transform) });
  await until('6 tasks processing', async () =>
    (await status(name)).tasks.every((t) => t.state === TaskState.PROCESSING),
  );
  return name;
}
/** Produces sequence-numbered records until stopped (rollout gates need traffic); resolves with what was acknowledged. */
function load(name: string) {
  let running = true;
  const acked: { partition: number; key: string; value: string }[] = [];
  const done = background(
    (async () => {
      let from = 0;
      while (running) {
        acked.push(
          ...(await produceSequence(producer, `${name}.in`, { count: 120, keys: 60, partitions: 6, from })),
        );
        from += 120;
        await new Promise((r) => setTimeout(r, 25));
      }
      return acked;
    })(),
  );
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}
const status = (name: string) =>
  stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
const rollout = (rolloutId: string) =>
  stack.call<{ rolloutId: string }, Rollout>('getRollout', { rolloutId });
const finished = (id: string) =>
  until('the rollout to finish', async () => {
    const r = await rollout(id);
    return [Rollout_State.SUCCEEDED, Rollout_State.FAILED, Rollout_State.ABORTED].includes(r.state)
      ? r
      : undefined;
  });

async function caughtUp(name: string) {
  await waitCaughtUp(admin, `${name}.in`, new FleetNames().pipelineGroup(name));
}

/** Every input exactly once, as input + one of the suffixes; per partition, no older suffix after a newer one. */
function checkRollout(inputs: { value: string; partition: number }[], out: ReadRecord[], order: string[]) {
  const seen = new Map<string, number>();
  for (const o of out) {
    const suffixAt = order.findIndex((s) => o.value.endsWith(s));
    expect(suffixAt).toBeGreaterThanOrEqual(0);
    const src = o.value.slice(0, o.value.length - (order[suffixAt] as string).length);
    seen.set(src, (seen.get(src) ?? 0) + 1);
  }
  expect(
    inputs
      .filter((i) => seen.get(i.value) !== 1)
      .map((i) => `${i.value} x${seen.get(i.value) ?? 0}`)
      .slice(0, 5),
  ).toEqual([]);
  expect(out).toHaveLength(inputs.length);
  // Per partition, the suffixes come in runs that follow `order` (no going back to an earlier phase).
  for (let p = 0; p < 6; p++) {
    const runs: string[] = [];
    for (const o of out.filter((x) => x.partition === p).sort((a, b) => a.offset - b.offset)) {
      const sfx = [...order].sort((a, b) => b.length - a.length).find((x) => o.value.endsWith(x)) as string;
      if (runs[runs.length - 1] !== sfx) runs.push(sfx);
    }
    let i = 0;
    for (const run of runs) {
      while (i < order.length && order[i] !== run) i++;
      expect(i).toBeLessThan(order.length); // this run is out of order
      i++;
    }
  }
}

it('suffix |a -> |b under continuous input: completes; every input exactly once; per partition no |a after a |b; headers name the spec', async () => {
  await stack.startController();
  ['w1', 'w2', 'w3'].forEach((id) => stack.startWorker(id));
  const name = await pipeline();
  const producing = load(name);
  await until('commits', async () => (await status(name)).tasks.every((t) => t.recordsCommitted > 0));
  const t0 = Date.now();
  const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: spec(name, suffix('|b')),
    strategy: fast,
  });
  const r = await finished(rolloutId);
  console.log(`rollout of 6 tasks under load: ${Date.now() - t0} ms, ${r.gates.length} gates`);
  expect(r).toMatchObject({
    state: Rollout_State.SUCCEEDED,
    fromSpecVersion: 1,
    toSpecVersion: 2,
    tasksOnNew: [0, 1, 2, 3, 4, 5],
    tasksOnOld: [],
  });
  expect(r.gates.map((g) => g.taskIndexes.length)).toEqual([1, 2, 2, 1]); // canary, then steps of 2
  expect(r.gates.every((g) => g.passed)).toBe(true);
  const s = await status(name);
  expect(s.pipeline?.specVersion).toBe(2);
  expect(s.pipeline?.spec?.transform?.config).toEqual({ suffix: '|b' });
  const inputs = await producing.stop();
  await caughtUp(name);
  const out = await readTopic(`${name}.out`);
  checkRollout(inputs, out, ['|a', '|b']);
  const last = out.find((o) => o.value.endsWith('|b'));
  expect(last?.headers).toMatchObject({ 'eos.spec-version': '2', 'eos.transform': 'suffix@1' });
  expect(out.find((o) => o.value.endsWith('|a'))?.headers).toMatchObject({ 'eos.spec-version': '1' });
  expect((await readTopic(`${name}.out`, 'read_uncommitted')).length).toBe(out.length); // handoffs abort nothing
});

it('a version that fails every record: the canary gate fails, it rolls back by itself, nothing is lost', async () => {
  await stack.startController();
  ['w1', 'w2'].forEach((id) => stack.startWorker(id, { TRANSFORMS_DIR: path.join(dir, 'failing') }));
  await until(
    'workers',
    async () => (await stack.call<object, { workers: unknown[] }>('listWorkers', {})).workers.length === 2,
  );
  const name = await pipeline();
  const producing = load(name);
  await until('commits', async () => (await status(name)).tasks.every((t) => t.recordsCommitted > 0));
  const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: spec(name, { name: 'failing', version: 1 }),
    strategy: fast,
  });
  const r = await finished(rolloutId);
  expect(r.state).toBe(Rollout_State.FAILED);
  expect(r.reason).toMatch(/gate of step 1 failed: task 0 dead-lettered \d+ record\(s\) on v2 \(allowed 0\)/);
  expect(r.tasksOnNew).toEqual([]);
  const s = await until('all back on v1 and processing', async () => {
    const st = await status(name);
    return st.tasks.every((t) => t.state === TaskState.PROCESSING && Number(t.specVersion) === 1)
      ? st
      : undefined;
  });
  expect(s.pipeline?.specVersion).toBe(1);
  const inputs = await producing.stop();
  await caughtUp(name);
  const out = await readTopic(`${name}.out`);
  const dlq = await readTopic(`${name}.dlq`);
  expect(dlq.length).toBeGreaterThan(0);
  expect(dlq[0]?.headers).toMatchObject({
    'eos.transform': 'failing@1',
    'eos.error': 'failing@1 rejects every record',
  });
  // Nothing lost: each input is either in the output (|a) or dead-lettered, exactly once.
  const got = [...out.map((o) => o.value.replace(/\|a$/, '')), ...dlq.map((d) => d.value)].sort();
  expect(got).toEqual(inputs.map((i) => i.value).sort());
});

it('controller SIGKILL mid-rollout: the restarted controller finishes it; exactly once holds', async () => {
  await stack.startController();
  ['w1', 'w2', 'w3'].forEach((id) => stack.startWorker(id));
  const name = await pipeline();
  const producing = load(name);
  await until('commits', async () => (await status(name)).tasks.every((t) => t.recordsCommitted > 0));
  const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: spec(name, suffix('|b')),
    strategy: { ...fast, gateCommits: 4 },
  });
  await until('the canary passed', async () => (await rollout(rolloutId)).gates.length >= 1);
  await stack.killController();
  await stack.startController();
  const r = await finished(rolloutId);
  expect(r.state).toBe(Rollout_State.SUCCEEDED);
  expect(r.gates.flatMap((g) => g.taskIndexes).sort()).toEqual([0, 1, 2, 3, 4, 5]); // each task handed off once
  const inputs = await producing.stop();
  await caughtUp(name);
  checkRollout(inputs, await readTopic(`${name}.out`), ['|a', '|b']);
});

it('pause holds a rollout after its step, resume continues it, abort moves tasks back', async () => {
  await stack.startController();
  ['w1', 'w2'].forEach((id) => stack.startWorker(id));
  const name = await pipeline();
  const producing = load(name);
  await until('commits', async () => (await status(name)).tasks.every((t) => t.recordsCommitted > 0));
  const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: spec(name, suffix('|b')),
    strategy: { ...fast, stepTasks: 1 },
  });
  await stack.call('pauseRollout', { rolloutId });
  const paused = await until('paused', async () =>
    (await rollout(rolloutId)).state === Rollout_State.PAUSED ? rollout(rolloutId) : undefined,
  );
  await new Promise((r) => setTimeout(r, 1500));
  expect((await rollout(rolloutId)).currentStep).toBe(paused.currentStep); // no progress while paused
  await stack.call('resumeRollout', { rolloutId });
  await until('another step', async () => (await rollout(rolloutId)).currentStep > paused.currentStep);
  await stack.call('abortRollout', { rolloutId });
  const r = await finished(rolloutId);
  expect(r.state).toBe(Rollout_State.ABORTED);
  expect(r.tasksOnNew).toEqual([]);
  const err = (await stack
    .call('resumeRollout', { rolloutId })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
  const inputs = await producing.stop();
  await caughtUp(name);
  checkRollout(inputs, await readTopic(`${name}.out`), ['|a', '|b', '|a']); // |b only between two |a phases
});

it('rolling upgrade: only the worker that announces suffix@2 gets tasks on version 2; one rollout at a time', async () => {
  await stack.startController();
  ['w1', 'w2'].forEach((id) => stack.startWorker(id));
  const name = await pipeline();
  const refused = (await stack
    .call('updatePipeline', { spec: spec(name, suffix('|b', 2)), strategy: fast })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect([refused.code, refused.details]).toEqual([
    grpc.status.INVALID_ARGUMENT,
    expect.stringMatching(/unknown transform suffix@2/),
  ]);
  stack.startWorker('w3-new', { TRANSFORMS_DIR: path.join(dir, 'v2') });
  await until('w3-new registered', async () =>
    (await stack.call<object, { workers: { workerId: string }[] }>('listWorkers', {})).workers.some(
      (w) => w.workerId === 'w3-new',
    ),
  );
  const producing = load(name);
  const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: spec(name, suffix('|b', 2)),
    strategy: fast,
  });
  const second = (await stack
    .call('updatePipeline', { spec: spec(name, suffix('|c')), strategy: fast })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect(second.code).toBe(grpc.status.FAILED_PRECONDITION);
  expect((await finished(rolloutId)).state).toBe(Rollout_State.SUCCEEDED);
  const s = await status(name);
  expect(new Set(s.tasks.map((t) => t.ownerWorkerId))).toEqual(new Set(['w3-new']));
  const inputs = await producing.stop();
  await caughtUp(name);
  checkRollout(inputs, await readTopic(`${name}.out`), ['|a', '|b!']);
});

it('Redis unavailable: UpdatePipeline answers UNAVAILABLE and the data plane keeps running', async () => {
  stack = new TestStack({ leaseMs: 2000, env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
  await stack.startController();
  stack.startWorker('w1');
  const name = await pipeline();
  const err = (await stack
    .call('updatePipeline', { spec: spec(name, suffix('|b')), strategy: fast })
    .catch((e: unknown) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.UNAVAILABLE);
  expect(err.details).toMatch(
    /rollout queue \(Redis at redis:\/\/127\.0\.0\.1:\d+\) is unavailable: rollouts cannot start now; running pipelines are not affected/,
  );
  const inputs = await produceSequence(producer, `${name}.in`, { count: 600, keys: 6, partitions: 6 });
  await caughtUp(name);
  checkRollout(inputs, await readTopic(`${name}.out`), ['|a']);
});

it('an idle pipeline (no input) still rolls out: idle tasks pass their gates on lag 0', async () => {
  await stack.startController();
  ['w1', 'w2'].forEach((id) => stack.startWorker(id));
  const name = await pipeline();
  const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
    spec: spec(name, suffix('|b')),
    strategy: fast,
  });
  const r = await finished(rolloutId);
  expect(r.state).toBe(Rollout_State.SUCCEEDED);
  expect(r.gates.every((g) => g.passed && /idle \(no input, lag 0\)/.test(g.reason))).toBe(true);
  // And records produced afterwards get the new suffix.
  const inputs = await produceSequence(producer, `${name}.in`, { count: 60, keys: 6, partitions: 6 });
  await caughtUp(name);
  expect((await readTopic(`${name}.out`)).map((o) => o.value).sort()).toEqual(
    inputs.map((i) => `${i.value}|b`).sort(),
  );
});
