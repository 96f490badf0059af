import * as http from 'node:http';
import { guardedHandler } from './guarded-handler';

let server: http.Server;
let base: string;
const logged: string[] = [];
let route: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

beforeAll(async () => {
  server = http.createServer(
    guardedHandler(
      (req, res) => route(req, res),
      (l) => logged.push(l),
    ),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

it.each([
  [
    'throws',
    () => {
      throw new Error('redis://:hunter2@db:6379 refused');
    },
  ],
  [
    'rejects',
    async () => {
      await Promise.resolve();
      throw new Error('redis://:hunter2@db:6379 refused');
    },
  ],
])('answers a route that %s with a generic 500 and an id, logging the redacted detail', async (_k, fn) => {
  route = fn;
  logged.length = 0;
  const res = await fetch(`${base}/x`);
  expect(res.status).toBe(500);
  const body = (await res.json()) as { code: string; message: string; id: string };
  expect(body.code).toBe('INTERNAL');
  expect(body.message).toBe(`internal error (id ${body.id}; the controller log has the detail)`);
  expect(JSON.stringify(body)).not.toContain('hunter2');
  expect(logged).toHaveLength(1);
  expect(logged[0]).toContain(`internal error ${body.id} in HTTP GET /x`);
  expect(logged[0]).toContain('redis://:***@db:6379 refused');
  expect(logged[0]).not.toContain('hunter2');
  // The server is still up.
  route = (_req, r) => void r.end('ok');
  expect(await (await fetch(`${base}/y`)).text()).toBe('ok');
});
