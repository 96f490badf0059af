/**
 * A small TCP proxy that can fail one process's traffic on purpose: cut (reset every connection
 * and refuse new ones), blackhole (accept, forward nothing, and drop the stalled connections at
 * heal as a timed-out TCP would), delay (latency with jitter, order kept) and reset (RST every
 * open connection once).
 */
import * as net from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole' | 'delay';

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Set while blackholed: the pair is dropped at heal. */
  stalled: boolean;
}

export interface FaultProxyOptions {
  /** Name in logs and reports, e.g. `w1->broker`. */
  name: string;
  listenPort: number;
  upstreamPort: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export class FaultProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = 'pass';
  private latencyMs = 0;
  private jitterMs = 0;
  private readonly random: () => number;
  /** Connections accepted so far (a test can tell the client really went through the proxy). */
  accepted = 0;

  constructor(
    readonly o: FaultProxyOptions,
    random: () => number = Math.random,
  ) {
    this.random = random;
  }

  get name(): string {
    return this.o.name;
  }

  /** The bound port (`listenPort`, or the one picked for 0). */
  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? this.o.listenPort;
  }

  get currentMode(): ProxyMode {
    return this.mode;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.listenPort, this.o.host ?? '127.0.0.1', () => resolve());
    });
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, stalled: false };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    if (this.mode === 'blackhole') {
      // Accepted, never connected upstream: whatever the client sends goes nowhere.
      pair.stalled = true;
      client.on('data', () => undefined);
      return;
    }
    this.connectUpstream(pair, drop);
  }

  private connectUpstream(pair: Pair, drop: () => void): void {
    const upstream = net.connect({ host: this.o.host ?? '127.0.0.1', port: this.o.upstreamPort });
    upstream.setNoDelay(true);
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    this.pipe(pair, pair.client, upstream);
    this.pipe(pair, upstream, pair.client);
  }

  /** Forwards one direction, through the current fault; per direction the byte order is kept. */
  private pipe(pair: Pair, from: net.Socket, to: net.Socket): void {
    let due = 0; // when the last delayed chunk goes out: later chunks never overtake it
    from.on('data', (chunk) => {
      if (pair.stalled || this.mode === 'blackhole') {
        pair.stalled = true; // bytes dropped: this connection cannot carry on after the heal
        return;
      }
      if (this.mode === 'delay') {
        const jitter = (this.random() * 2 - 1) * this.jitterMs;
        due = Math.max(due, Date.now() + Math.max(0, this.latencyMs + jitter));
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, due - Date.now());
        return;
      }
      if (due > Date.now()) {
        // Still delivering what was delayed before the heal: keep the order.
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, due - Date.now());
        return;
      }
      to.write(chunk);
    });
  }

  /** Resets every open connection and refuses (resets) new ones until `heal`. */
  cut(): void {
    this.mode = 'cut';
    this.resetAll();
  }

  /** Forwards nothing, on open and new connections, until `heal`. */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  /** Adds `latencyMs` ± `jitterMs` to every chunk until `heal`. */
  delay(latencyMs: number, jitterMs: number): void {
    this.mode = 'delay';
    this.latencyMs = latencyMs;
    this.jitterMs = jitterMs;
  }

  /** Sends RST on every open connection (new ones pass). */
  resetAll(): void {
    for (const p of [...this.pairs]) {
      this.pairs.delete(p);
      p.client.resetAndDestroy();
      p.upstream?.resetAndDestroy();
    }
  }

  /** Back to forwarding; connections that lost bytes in a blackhole are reset. */
  heal(): void {
    this.mode = 'pass';
    for (const p of [...this.pairs]) {
      if (!p.stalled) continue;
      this.pairs.delete(p);
      p.client.resetAndDestroy();
      p.upstream?.resetAndDestroy();
    }
  }

  async stop(): Promise<void> {
    this.resetAll();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
