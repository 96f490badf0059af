/** The HTTP layer alone: each domain error code's status, and the admin UI's static files. */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlError, type ControlErrorCode, type FleetController } from '@eos/control-plane';
import { Registry } from 'prom-client';
import type { AdminApi } from './admin-api';
import { createHttpServer, HTTP_STATUS } from './http-api';

class FakeFleet extends EventEmitter {
  audits: { action: string; outcome: string }[] = [];
  currentEpoch = () => 7;
  recordAudit = async (a: { action: string; outcome: string }) => {
    this.audits.push(a);
  };
}

let server: http.Server;
let base: string;
let fleet: FakeFleet;
let failWith: unknown;
let uiDir: string;

beforeAll(async () => {
  uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-ui-'));
  fs.mkdirSync(path.join(uiDir, 'assets'));
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><div id="app"></div>');
  fs.writeFileSync(path.join(uiDir, 'assets/index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(os.tmpdir(), 'eos-ui-secret.txt'), 'secret');
  fleet = new FakeFleet();
  const failing = {
    action: 'PausePipeline',
    target: (r: { name: string }) => r.name,
    run: () => {
      throw failWith;
    },
  };
  const api = { pausePipeline: failing, getPipeline: { run: failing.run } } as unknown as AdminApi;
  server = createHttpServer({
    fleet: fleet as unknown as FleetController,
    api,
    metrics: new Registry(),
    staticDir: uiDir,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(uiDir, { recursive: true, force: true });
});

const CASES: [ControlErrorCode, number][] = [
  ['INVALID_ARGUMENT', 400],
  ['FAILED_PRECONDITION', 400],
  ['NOT_FOUND', 404],
  ['ALREADY_EXISTS', 409],
  ['UNAVAILABLE', 503],
  ['INTERNAL', 500],
];

it('maps every domain error code (the codes AdminService answers) to its HTTP status', () => {
  expect(Object.keys(HTTP_STATUS).sort()).toEqual(CASES.map(([c]) => c).sort());
});

it.each(CASES)('answers %s as HTTP %i with code, message and field, and audits it', async (code, status) => {
  failWith = new ControlError(code, `boom ${code}`, code === 'INVALID_ARGUMENT' ? 'spec.tasks' : undefined);
  fleet.audits = [];
  const res = await fetch(`${base}/api/pipelines/p1/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({
    code,
    message: `boom ${code}`,
    ...(code === 'INVALID_ARGUMENT' ? { field: 'spec.tasks' } : {}),
  });
  expect(fleet.audits).toEqual([expect.objectContaining({ action: 'PausePipeline', outcome: code })]);
});

it('answers an unexpected error as 500 INTERNAL with a generic message and an id, the detail in the log', async () => {
  failWith = new TypeError('x is undefined at redis://:pw@h:1');
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const res = await fetch(`${base}/api/pipelines/p1`);
  const logged = spy.mock.calls.map((c) => String(c[0]));
  spy.mockRestore();
  expect(res.status).toBe(500);
  const body = (await res.json()) as { id: string };
  expect(body).toEqual({
    code: 'INTERNAL',
    message: `internal error (id ${body.id}; the controller log has the detail)`,
    id: body.id,
  });
  expect(logged.join('\n')).toContain(`internal error ${body.id}`);
  expect(logged.join('\n')).toContain('x is undefined at redis://:***@h:1');
});

it('redacts URL passwords in the messages of domain errors', async () => {
  failWith = new ControlError(
    'UNAVAILABLE',
    'the rollout queue (Redis at redis://u:secret@r:6379) is unavailable',
  );
  const res = await fetch(`${base}/api/pipelines/p1/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({
    code: 'UNAVAILABLE',
    message: 'the rollout queue (Redis at redis://u:***@r:6379) is unavailable',
  });
});

it('answers 400 to every malformed request target and keeps serving (raw sockets: fetch would normalise them)', async () => {
  const { port } = new URL(base);
  const raw = (target: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1', () =>
        s.write(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`),
      );
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out.split('\r\n')[0] ?? ''));
      s.on('error', reject);
    });
  for (const target of [
    '//',
    '///',
    '//[',
    '/%00',
    '/assets/%00x',
    '/%zz',
    '/api/pipelines/%zz',
    'http://x/api/pipelines',
    `/${'a'.repeat(3000)}`,
  ])
    expect({ target: target.slice(0, 20), line: await raw(target) }).toEqual({
      target: target.slice(0, 20),
      line: 'HTTP/1.1 400 Bad Request',
    });
  expect((await fetch(`${base}/`)).status).toBe(200);
});

it('answers 400 to a JSON body nested too deep for the decoders', async () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  const res = await fetch(`${base}/api/pipelines/p1/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"a":${deep}}`,
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'body' });
});

it('serves the UI: index.html, cached hashed assets, index.html for unknown paths, nothing outside', async () => {
  const index = await fetch(`${base}/`);
  expect(index.status).toBe(200);
  expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(index.headers.get('cache-control')).toBe('no-cache');
  expect(await index.text()).toContain('<div id="app">');

  const js = await fetch(`${base}/assets/index-abc.js`);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(js.headers.get('cache-control')).toContain('immutable');
  expect(await js.text()).toBe('console.log(1)');

  expect(await (await fetch(`${base}/workers`)).text()).toContain('<div id="app">');
  for (const escape of ['/..%2feos-ui-secret.txt', '/%2e%2e/eos-ui-secret.txt']) {
    const res = await fetch(`${base}${escape}`);
    expect(await res.text()).not.toContain('secret');
  }
  // A malformed escape is a 400, not a crash, for UI and API paths alike.
  for (const bad of ['/%', '/assets/%E0%A4%A', '/api/pipelines/%zz']) {
    const res = await fetch(`${base}${bad}`);
    expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
  }
  expect((await fetch(`${base}/`)).status).toBe(200);
  // API paths never fall back to the UI.
  expect((await fetch(`${base}/api/nope`)).status).toBe(404);
});

it('answers a refused request that expects 100-continue at once, without inviting its body', async () => {
  const { port } = new URL(base);
  const first = await new Promise<string>((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1', () =>
      s.write(
        `TRACE /api/pipelines/p1 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-length: 1000000\r\nexpect: 100-continue\r\n\r\n`,
      ),
    );
    s.once('data', (d) => {
      resolve(d.toString().split('\r\n')[0] ?? '');
      s.destroy();
    });
    s.on('error', reject);
  });
  expect(first).toBe('HTTP/1.1 405 Method Not Allowed');
});
