import * as net from 'node:net';
import { FaultProxy } from './proxy';

/** A real echo server on loopback behind a real proxy. */
let echo: net.Server;
let proxy: FaultProxy;
const sockets: net.Socket[] = [];

beforeEach(async () => {
  echo = net.createServer((s) => {
    s.on('error', () => undefined); // the proxy resets it on purpose
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  proxy = new FaultProxy({
    name: 't',
    listenPort: 0,
    upstreamPort: (echo.address() as net.AddressInfo).port,
  });
  await proxy.start();
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await proxy.stop();
  await new Promise<void>((r) => echo.close(() => r()));
});

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: proxy.port }, () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Sends `msg` and resolves with the echo, or 'timeout' / 'closed'. */
function roundTrip(s: net.Socket, msg: string, timeoutMs = 400): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    s.on('data', (d) => {
      got += d.toString();
      if (got.length >= msg.length) {
        clearTimeout(t);
        resolve(got);
      }
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
    s.on('error', () => undefined);
    s.write(msg);
  });
}

describe('FaultProxy', () => {
  it('forwards', async () => {
    expect(await roundTrip(await connect(), 'hello')).toBe('hello');
  });

  it('cut resets open connections and refuses new ones until healed', async () => {
    const s = await connect();
    const closed = new Promise((r) => s.on('close', r));
    s.on('error', () => undefined);
    proxy.cut();
    await closed;
    // A new connection is reset (during or right after the handshake).
    const s2 = net.connect({ host: '127.0.0.1', port: proxy.port });
    sockets.push(s2);
    expect(await roundTrip(s2, 'x')).toBe('closed');
    proxy.heal();
    expect(await roundTrip(await connect(), 'back')).toBe('back');
  });

  it('blackhole forwards nothing, then resets the stalled connection at heal', async () => {
    const s = await connect();
    expect(await roundTrip(s, 'a')).toBe('a');
    proxy.blackhole();
    const s2 = await connect();
    expect(await roundTrip(s2, 'b', 300)).toBe('timeout');
    const closed = new Promise((r) => s2.on('close', r));
    proxy.heal();
    await closed;
    expect(await roundTrip(await connect(), 'c')).toBe('c');
  });

  it('delay adds latency and keeps the order', async () => {
    proxy.delay(150, 50);
    const s = await connect();
    const t0 = Date.now();
    const got = roundTrip(s, 'abcdef', 2_000);
    expect(await got).toBe('abcdef');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190); // two hops, at least 100 ms each
  });

  it('resetAll drops open connections; new ones pass', async () => {
    const s = await connect();
    const closed = new Promise((r) => s.on('close', r));
    s.on('error', () => undefined);
    proxy.resetAll();
    await closed;
    expect(await roundTrip(await connect(), 'ok')).toBe('ok');
  });
});
