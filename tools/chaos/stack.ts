/**
 * The stack under test as processes: the controller and the workers (built apps, each with a log
 * file in the run folder), the fault proxies in front of the broker and the controller, and the
 * controller's HTTP API as the harness calls it.
 */
import * as path from 'node:path';
import { startApp, type ChildProc } from '../lib/proc';
import type { ChaosSecurity } from './chaos-security';
import { LEASE_MS, TX_TIMEOUT_MS, type ChaosOptions } from './options';
import { FaultProxy } from './proxy';
import { rng } from './schedule';

/** A controller or worker process; counts its ` fenced: ` log lines (told in the report). */
export class AppProc {
  fencedLines = 0;
  readonly proc: ChildProc;

  constructor(name: string, script: string, runDir: string, env: NodeJS.ProcessEnv) {
    this.proc = startApp(name, script, {
      env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
      logFile: path.join(runDir, `${name}.log`),
      onData: (s) => (this.fencedLines += (s.match(/ fenced: /g) ?? []).length),
    });
  }
}

export interface ApiAnswer {
  status: number;
  json: unknown;
}

export class ChaosStack {
  controller: AppProc | undefined;
  readonly workers = new Map<number, AppProc>();
  /** Fenced lines of worker processes that were replaced. */
  fencedLinesOfExited = 0;
  readonly brokerProxies: FaultProxy[] = [];
  readonly controllerProxies = new Map<number, FaultProxy>();

  constructor(
    private readonly o: ChaosOptions,
    private readonly security: ChaosSecurity | undefined,
  ) {}

  /** One proxy per process to the broker (slot 0: the controller) and one per worker to the controller. */
  async startProxies(): Promise<void> {
    const { ports, seed, workers } = this.o;
    for (let c = 0; c <= workers; c++) {
      const p = new FaultProxy(
        {
          name: `${c === 0 ? 'controller' : `w${c}`}->broker`,
          listenPort: ports.brokerProxy(c),
          upstreamPort: ports.brokerListener(c),
        },
        rng(seed + c),
      );
      await p.start();
      this.brokerProxies.push(p);
    }
    for (let i = 1; i <= workers; i++) {
      const p = new FaultProxy(
        { name: `w${i}->controller`, listenPort: ports.controllerProxy(i), upstreamPort: ports.grpc },
        rng(seed + 100 + i),
      );
      await p.start();
      this.controllerProxies.set(i, p);
    }
  }

  /** Every proxy, broker links first (the network faults pick a target among them). */
  links(): FaultProxy[] {
    return [...this.brokerProxies, ...this.controllerProxies.values()];
  }

  async startController(): Promise<void> {
    const { ports } = this.o;
    this.controller = new AppProc('controller', 'dist/apps/controller/main.js', this.o.runDir, {
      KAFKA_BROKERS: `127.0.0.1:${ports.brokerProxy(0)}`,
      REDIS_URL: this.o.redis.url,
      CONTROLLER_GRPC_PORT: String(ports.grpc),
      CONTROLLER_HTTP_PORT: String(ports.http),
      CONTROLLER_HOST: '127.0.0.1',
      EOS_STATE_TOPIC: '__eos_chaos',
      WORKER_LEASE_MS: String(LEASE_MS),
      ...this.security?.controllerEnv,
    });
    await this.controller.proc.waitFor(/gRPC on /);
  }

  startWorker(i: number): AppProc {
    const { ports } = this.o;
    const w = new AppProc(`w${i}`, 'dist/apps/worker/main.js', this.o.runDir, {
      KAFKA_BROKERS: `127.0.0.1:${ports.brokerProxy(i)}`,
      CONTROLLER_ADDR: `127.0.0.1:${ports.controllerProxy(i)}`,
      WORKER_ID: `w${i}`,
      WORKER_CAPACITY: '6',
      WORKER_HTTP_PORT: String(ports.workerHttp(i)),
      WORKER_TRANSACTION_TIMEOUT_MS: String(TX_TIMEOUT_MS),
      ...this.security?.workerEnv(`w${i}`),
    });
    this.workers.set(i, w);
    return w;
  }

  async restartWorker(i: number): Promise<void> {
    const old = this.workers.get(i);
    if (old) {
      await old.proc.kill();
      this.fencedLinesOfExited += old.fencedLines;
    }
    await this.startWorker(i).proc.waitFor(/started: controller/);
  }

  /** Every ` fenced: ` line of every worker process of the run. */
  fencedLines(): number {
    return this.fencedLinesOfExited + [...this.workers.values()].reduce((n, w) => n + w.fencedLines, 0);
  }

  /** Calls the controller's HTTP API; status 0 when it did not answer (the fault record says so). */
  api(method: string, p: string, body?: unknown): Promise<ApiAnswer> {
    return this.callApi(method, p, body).catch((err: unknown) => ({ status: 0, json: String(err) }));
  }

  private async callApi(method: string, p: string, body?: unknown): Promise<ApiAnswer> {
    const url = `http://127.0.0.1:${this.o.ports.http}${p}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { status, text } = this.security
      ? await this.security.request(method, url, payload, 10_000)
      : await fetch(url, {
          method,
          headers: { 'content-type': 'application/json', 'x-actor': 'chaos' },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        }).then(async (res) => ({ status: res.status, text: await res.text() }));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status, json };
  }

  /** Kills every process and stops every proxy. */
  async stop(): Promise<void> {
    for (const w of this.workers.values()) await w.proc.kill();
    await this.controller?.proc.kill();
    for (const p of this.links()) await p.stop();
  }
}
