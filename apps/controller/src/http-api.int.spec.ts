/** The HTTP JSON API, SSE, /metrics and /healthz of a real controller process. */
import * as http from 'node:http';
import type { Admin } from 'kafkajs';
import { createTopic, freePort, testKafka, TestStack, uniqueName, until } from '@eos/testing';

let admin: Admin;
let stack: TestStack;

beforeAll(async () => {
  admin = testKafka().admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
});
afterEach(async () => {
  await stack.stop();
});

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  stack.http(method, path, body, headers);

const spec = (name: string, extra: object = {}) => ({
  name,
  inputTopic: `${name}.in`,
  outputTopic: `${name}.out`,
  tasks: 2,
  transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
  deadLetterTopic: `${name}.dlq`,
  ...extra,
});

it('mirrors AdminService over JSON with the same errors mapped to HTTP statuses, and streams live changes', async () => {
  stack = new TestStack({ leaseMs: 2000 });
  await stack.startController();
  stack.startWorker('w1');
  const name = uniqueName('http');
  await createTopic(admin, `${name}.in`, 2);
  expect(await api('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  await until('w1 registered', async () => (await api('GET', '/api/workers')).body.workers?.length === 1);

  // Live updates: an SSE stream that sees the create below.
  const events: string[] = [];
  const sse = http.get(`http://127.0.0.1:${stack.httpPort}/api/events`, (res) =>
    res.on('data', (d: Buffer) => events.push(d.toString())),
  );
  try {
    await until('sse hello', async () => events.join('').includes('event: hello'));

    // Each error code, as the gRPC API answers it.
    const bad = await api('POST', '/api/pipelines', { spec: spec(name, { tasks: 0 }) });
    expect(bad).toEqual({
      status: 400,
      body: {
        code: 'INVALID_ARGUMENT',
        message: 'spec.tasks: must be at least 1 (got 0)',
        field: 'spec.tasks',
      },
    });
    expect(await api('POST', '/api/pipelines', '{not json')).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', field: 'body' },
    });
    expect(await api('GET', '/api/pipelines/ghost')).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'pipeline ghost does not exist' },
    });
    expect(await api('GET', '/api/nope')).toMatchObject({ status: 404 });
    expect(await api('PATCH', '/api/pipelines')).toMatchObject({
      status: 405,
      body: { code: 'METHOD_NOT_ALLOWED' },
    });

    const created = await api('POST', '/api/pipelines', { spec: spec(name) }, { 'x-actor': 'bob' });
    expect(created).toMatchObject({
      status: 200,
      body: { pipeline: { state: 'RUNNING', spec: { name, tasks: 2 } } },
    });
    expect(await api('POST', '/api/pipelines', { spec: spec(name) })).toMatchObject({
      status: 409,
      body: { code: 'ALREADY_EXISTS' },
    });
    expect(await api('POST', `/api/pipelines/${name}/offsets/reset`, { earliest: true })).toMatchObject({
      status: 400,
      body: {
        code: 'FAILED_PRECONDITION',
        message: `pipeline ${name} is RUNNING; stop it before resetting offsets`,
      },
    });
    const st = await until('tasks processing over HTTP', async () => {
      const s = await api('GET', `/api/pipelines/${name}/status`);
      return s.body.tasks?.every((t: { state: string }) => t.state === 'PROCESSING') ? s.body : undefined;
    });
    expect(st.tasks.map((t: { ownerWorkerId: string }) => t.ownerWorkerId)).toEqual(['w1', 'w1']);
    await until('sse change', async () => /event: change\ndata: .*"reasons"/.test(events.join('')));

    // The same audit trail as gRPC, with the HTTP caller named.
    const audit = await api('GET', '/api/audit?limit=20');
    expect(
      audit.body.records.find(
        (r: { action: string; outcome: string }) => r.action === 'CreatePipeline' && r.outcome === 'OK',
      ),
    ).toMatchObject({ actor: 'bob', target: name });

    // Drain over HTTP: the worker exits 0 once its tasks are released.
    const drained = await api('POST', '/api/workers/w1/drain', { deadlineMs: 0 });
    expect(drained).toMatchObject({ status: 200, body: { worker: { workerId: 'w1', state: 'DRAINING' } } });
    expect(await stack.procs.find((p) => p.name === 'w1')!.exit()).toBe(0);

    // Metrics, read from the fleet at scrape time.
    const metrics = (await api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^eos_controller_pipelines\{state="RUNNING"\} 1$/m);
    expect(metrics).toMatch(/^eos_controller_workers\{state="DRAINED"\} 1$/m);
  } finally {
    sse.destroy();
  }
});

it('answers 503 UNAVAILABLE for UpdatePipeline when Redis is down', async () => {
  stack = new TestStack({ leaseMs: 2000, env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
  await stack.startController();
  stack.startWorker('w1');
  const name = uniqueName('http503');
  await createTopic(admin, `${name}.in`, 2);
  await until('w1', async () => (await api('GET', '/api/workers')).body.workers?.length === 1);
  expect((await api('POST', '/api/pipelines', { spec: spec(name) })).status).toBe(200);
  const res = await api('PUT', `/api/pipelines/${name}`, {
    spec: spec(name, { transform: { name: 'suffix', version: 1, config: { suffix: '|b' } } }),
  });
  expect(res).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
});
