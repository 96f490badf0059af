import * as http from 'node:http';
import * as net from 'node:net';
import { SseHub } from './sse-hub';

let server: http.Server;
let port: number;
let hub: SseHub;
const sockets: net.Socket[] = [];

beforeEach(async () => {
  hub = new SseHub({ maxClients: 2, pingMs: 60_000 });
  server = http.createServer((req, res) => hub.add(req, res, 'event: hello\ndata: {}\n\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  hub.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A client that reads its stream (or, with `read: false`, never does). */
function connect(read = true): Promise<{ sock: net.Socket; first: string }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () =>
      sock.write('GET /api/events HTTP/1.1\r\nhost: x\r\n\r\n'),
    );
    sockets.push(sock);
    sock.once('data', (d: Buffer) => {
      if (!read) sock.pause();
      resolve({ sock, first: d.toString() });
    });
  });
}

it('caps the clients: one more is answered 503 with a reason', async () => {
  expect((await connect()).first).toMatch(/^HTTP\/1.1 200/);
  expect((await connect()).first).toMatch(/^HTTP\/1.1 200/);
  const third = await connect();
  expect(third.first).toMatch(/^HTTP\/1.1 503/);
  expect(third.first).toContain('too many live-update clients (at most 2)');
  expect(hub.size).toBe(2);
});

it('holds events for a client that does not read instead of buffering them without bound', async () => {
  await connect(false);
  const res = [...(hub as unknown as { clients: Map<http.ServerResponse, unknown> }).clients.keys()][0]!;
  const event = `event: change\ndata: ${'x'.repeat(10_000)}\n\n`;
  for (let i = 0; i < 2_000; i++) hub.broadcast(event); // 20 MB if written blindly
  expect(res.writableLength).toBeLessThan(256 * 1024);
  expect(hub.size).toBe(1); // held, not dropped: it gets the latest event once it drains
});
