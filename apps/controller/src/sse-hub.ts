import type * as http from 'node:http';

export interface SseHubOptions {
  /** Most live-update clients at once; one more is answered 503. @default 100 */
  maxClients?: number;
  /** A client whose unsent output exceeds this is too slow to follow and is dropped. @default 1 MiB */
  maxBufferedBytes?: number;
  /** Comment line sent this often so proxies keep the stream open. @default 15000 */
  pingMs?: number;
}

/**
 * The server-sent-events clients of `/api/events`, bounded: at most `maxClients` at once, and
 * socket backpressure respected (an event for a client whose socket has not drained is held, and
 * only the latest is sent when it drains: events say "something changed", so skipping one loses
 * nothing; a client buffering past `maxBufferedBytes` is dropped).
 */
export class SseHub {
  private readonly clients = new Map<http.ServerResponse, { held?: string }>();
  private readonly o: Required<SseHubOptions>;

  constructor(options: SseHubOptions = {}) {
    this.o = { maxClients: 100, maxBufferedBytes: 1 << 20, pingMs: 15_000, ...options };
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes the request over as an event stream, or answers 503 when the hub is full. */
  add(req: http.IncomingMessage, res: http.ServerResponse, hello: string): void {
    if (this.clients.size >= this.o.maxClients) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
      res.end(
        JSON.stringify({
          code: 'UNAVAILABLE',
          message: `too many live-update clients (at most ${this.o.maxClients}); poll the API or retry later`,
        }),
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const state: { held?: string } = {};
    this.clients.set(res, state);
    this.write(res, hello);
    const ping = setInterval(() => this.write(res, ': ping\n\n'), this.o.pingMs);
    res.on('drain', () => {
      const held = state.held;
      state.held = undefined;
      if (held) this.write(res, held);
    });
    req.on('close', () => {
      clearInterval(ping);
      this.clients.delete(res);
    });
  }

  /** Sends an event to every client (held for a client whose socket is still full). */
  broadcast(event: string): void {
    for (const res of this.clients.keys()) this.write(res, event);
  }

  /** Ends every stream (server stop). */
  close(): void {
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
  }

  private write(res: http.ServerResponse, chunk: string): void {
    const state = this.clients.get(res);
    if (!state) return;
    if (res.writableLength > this.o.maxBufferedBytes) {
      this.clients.delete(res);
      res.destroy();
      return;
    }
    if (res.writableNeedDrain) {
      state.held = chunk;
      return;
    }
    res.write(chunk);
  }
}
