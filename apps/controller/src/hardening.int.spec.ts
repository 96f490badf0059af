/**
 * Issue 13, items 1-4 and 8, against a real controller process: requests that used to end it (or
 * wedge its workers) are answered with a documented 4xx / gRPC status, and it keeps running.
 */
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
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

/** One raw HTTP/1.1 request (fetch normalises `//` and refuses `%00`); resolves with the status line and body. */
function raw(
  port: number,
  target: string,
  method = 'GET',
  body = '',
): Promise<{ line: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () =>
      s.write(
        `${method} ${target} HTTP/1.0\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      ),
    );
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => {
      const [head = '', rest = ''] = out.split('\r\n\r\n');
      resolve({ line: head.split('\r\n')[0] ?? '', body: rest });
    });
    s.on('error', reject);
  });
}

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

it('survives malformed URLs, oversized specs, out-of-range numbers, reserved topics and garbage gRPC frames', async () => {
  const redisPort = await freePort();
  stack = new TestStack({ leaseMs: 2000, env: { REDIS_URL: `redis://:hunter2@127.0.0.1:${redisPort}` } });
  await stack.startController();
  stack.startWorker('w1');
  const name = uniqueName('hard');
  await createTopic(admin, `${name}.in`, 2);
  await until('w1 registered', async () => (await api('GET', '/api/workers')).body.workers?.length === 1);

  // Item 1: each of these ended the process before.
  for (const target of [
    '//',
    '///',
    '//[',
    '/%00',
    '/%zz',
    '/api/%00',
    'http://h/api/pipelines',
    `/${'x'.repeat(5000)}`,
  ]) {
    const r = await raw(stack.httpPort, target);
    expect({ target: target.slice(0, 12), line: r.line }).toEqual({
      target: target.slice(0, 12),
      line: 'HTTP/1.1 400 Bad Request',
    });
    expect(JSON.parse(r.body)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'url' });
  }
  expect(stack.controller!.running).toBe(true);

  // Item 2: a config a state record cannot hold, over HTTP and gRPC; an update that doubles a big record.
  const huge = spec(name, {
    transform: { name: 'suffix', version: 1, config: { suffix: 'x'.repeat(1_000_000) } },
  });
  expect(await api('POST', '/api/pipelines', { spec: huge })).toMatchObject({
    status: 400,
    body: { code: 'INVALID_ARGUMENT', field: 'spec.transform.config' },
  });
  await expect(stack.call('createPipeline', { spec: huge })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringContaining('spec.transform.config'),
  });

  // Item 4: numbers as HTTP JSON delivers them (negative, fractional, over uint32).
  for (const [batching, field] of [
    [{ maxRecords: -1 }, 'spec.batching.maxRecords'],
    [{ maxBytes: 1.5 }, 'spec.batching.maxBytes'],
    [{ lingerMs: 2 ** 32 + 5 }, 'spec.batching.lingerMs'],
  ] as const)
    expect(await api('POST', '/api/pipelines', { spec: spec(name, { batching }) })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', field },
    });
  expect(await api('POST', '/api/workers/w1/drain', { deadlineMs: -1 })).toMatchObject({
    status: 400,
    body: { field: 'deadlineMs' },
  });
  expect(await api('POST', '/api/workers/w1/drain', { maxConcurrent: 2 ** 40 })).toMatchObject({
    status: 400,
    body: { field: 'maxConcurrent' },
  });
  expect(await api('GET', '/api/audit?limit=-3')).toMatchObject({ status: 400, body: { field: 'limit' } });
  expect(await api('GET', '/api/audit?limit=abc')).toMatchObject({ status: 400, body: { field: 'limit' } });

  // Item 3: reserved and foreign topics.
  for (const [patch, field, rule] of [
    [{ outputTopic: '__consumer_offsets' }, 'spec.outputTopic', 'reserved'],
    [{ deadLetterTopic: stack.stateTopic }, 'spec.deadLetterTopic', 'reserved'],
  ] as const)
    expect(await api('POST', '/api/pipelines', { spec: spec(name, patch) })).toMatchObject({
      status: 400,
      body: { field, message: expect.stringContaining(rule) },
    });
  expect((await api('POST', '/api/pipelines', { spec: spec(name) })).status).toBe(200);
  const other = uniqueName('hard2');
  await createTopic(admin, `${other}.in`, 1);
  expect(
    await api('POST', '/api/pipelines', { spec: spec(other, { outputTopic: `${name}.in` }) }),
  ).toMatchObject({
    status: 400,
    body: { field: 'spec.outputTopic', message: expect.stringContaining(`input topic of pipeline ${name}`) },
  });

  // Item 2 again: an update whose strategy is out of range, and one with a config over the bound.
  expect(
    await api('PUT', `/api/pipelines/${name}`, {
      spec: spec(name, {
        transform: { name: 'suffix', version: 1, config: { suffix: 'y'.repeat(600_000) } },
      }),
    }),
  ).toMatchObject({ status: 400, body: { field: 'spec.transform.config' } });

  // Item 8: the Redis password never reaches a client (nor the log).
  const down = await api('PUT', `/api/pipelines/${name}`, { spec: spec(name) });
  expect(down).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
  expect(down.body.message).toContain(`redis://:***@127.0.0.1:${redisPort}`);
  expect(JSON.stringify(down.body)).not.toContain('hunter2');

  // Garbage gRPC frames: INVALID_ARGUMENT, not INTERNAL, and the worker stream too.
  const client = new grpc.Client(stack.addr, grpc.credentials.createInsecure());
  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x99]);
  const status = await new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest(
      '/eos.v1.AdminService/CreatePipeline',
      (b: Buffer) => b,
      (b: Buffer) => b,
      garbage,
      (err) => resolve(err),
    ),
  );
  expect(status).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  const stream = client.makeBidiStreamRequest(
    '/eos.v1.WorkerService/Session',
    (b: Buffer) => b,
    (b: Buffer) => b,
  );
  const ended = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
  stream.on('data', () => undefined);
  stream.write(garbage);
  expect(await ended).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  client.close();

  // Still the same process, serving.
  expect(stack.controller!.running).toBe(true);
  expect(await api('GET', `/api/pipelines/${name}`)).toMatchObject({ status: 200 });
  expect(stack.controller!.output).not.toContain('hunter2');
});
