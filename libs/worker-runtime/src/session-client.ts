import * as grpc from '@grpc/grpc-js';
import { WorkerServiceClient, type ControllerMessage, type Hello, type WorkerMessage } from '@eos/proto';

export interface SessionClientOptions {
  address: string;
  /** TLS (or mTLS) channel credentials. @default plaintext */
  credentials?: grpc.ChannelCredentials;
  /** Sent as `authorization: Bearer <token>` on the session. */
  token?: string;
  hello: () => Hello;
  onMessage: (m: ControllerMessage) => void;
  onState?: (connected: boolean) => void;
  log: (m: string) => void;
}

/**
 * The worker's session with the controller: Hello, heartbeats at the interval the controller
 * asks for, and reconnection with capped backoff. Tasks keep running while it is down.
 */
const FIRST_RECONNECT_MS = 50;
/**
 * Reconnects are at most this far apart, and so are grpc-js's own connection attempts (a call on
 * a channel waiting out its reconnect backoff fails at once without trying): a restarted
 * controller serves within about a second, and a worker that waited a 1-2 s backoff after that
 * held the controller restart's steady state back by as much (tools/bench/failover.ts); with 250 ms
 * apart, a worker still came back 125 ms after the controller served, on average. A refused
 * connect costs the controller's host next to nothing.
 */
export const MAX_RECONNECT_MS = 100;

export class SessionClient {
  private readonly client: WorkerServiceClient;
  private call: grpc.ClientDuplexStream<WorkerMessage, ControllerMessage> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /**
   * The first reconnect is quick: the controller frees a worker's tasks when its stream stays
   * closed for WORKER_DISCONNECT_GRACE_MS (300 ms by default).
   */
  private backoff = FIRST_RECONNECT_MS;
  /** Failed opens since the last welcome: the log tells the first ones and then every 100th (10 s). */
  private failures = 0;
  private closed = false;
  connected = false;

  constructor(private readonly o: SessionClientOptions) {
    this.client = new WorkerServiceClient(o.address, o.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 5_000,
      'grpc.keepalive_timeout_ms': 2_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': FIRST_RECONNECT_MS,
      'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_MS,
    });
  }

  start(): void {
    this.open();
  }

  /** Sends if connected; returns false otherwise (the message is dropped: Hello re-syncs on reconnect). */
  send(m: WorkerMessage): boolean {
    if (!this.call || !this.connected) return false;
    this.call.write(m);
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.call?.end();
    this.call = undefined;
    this.client.close();
  }

  private open(): void {
    if (this.closed) return;
    const metadata = new grpc.Metadata();
    // Per call rather than call credentials: grpc-js sends those only over TLS, and a token over
    // plaintext to a loopback controller is a valid setup.
    if (this.o.token) metadata.set('authorization', `Bearer ${this.o.token}`);
    const call = this.client.session(metadata);
    this.call = call;
    let welcomed = false;
    call.on('data', (m: ControllerMessage) => {
      if (m.body?.$case === 'welcome') {
        welcomed = true;
        this.connected = true;
        this.backoff = FIRST_RECONNECT_MS;
        this.failures = 0;
        this.o.onState?.(true);
        if (this.heartbeat) clearInterval(this.heartbeat);
        const every = m.body.value.heartbeatIntervalMs || 500;
        this.heartbeat = setInterval(
          () => this.send({ body: { $case: 'heartbeat', value: { sentAtMs: Date.now() } } }),
          every,
        );
        this.o.log(`session open (lease ${m.body.value.leaseMs} ms, heartbeat ${every} ms)`);
      }
      this.o.onMessage(m);
    });
    const lost = (why: string) => {
      if (this.call !== call) return;
      this.call = undefined;
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      if (this.connected || welcomed) this.o.onState?.(false);
      this.connected = false;
      if (this.closed) return;
      this.failures++;
      if (this.failures <= 5 || this.failures % 100 === 0)
        this.o.log(
          `session lost (${why}); reconnecting in ${this.backoff} ms${this.failures > 5 ? ` (attempt ${this.failures})` : ''}`,
        );
      this.reconnectTimer = setTimeout(() => this.open(), this.backoff);
      // Capped well below the controller's lease (3 s by default), so a restarted controller sees us in time.
      this.backoff = Math.min(this.backoff * 2, MAX_RECONNECT_MS);
    };
    call.on('error', (err: Error) => lost(err.message));
    call.on('end', () => lost('controller ended the session'));
    call.write({ body: { $case: 'hello', value: this.o.hello() } });
  }
}
