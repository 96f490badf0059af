/** Real controller and worker processes (from dist/) for integration tests; stopped by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  AdminServiceClient,
  CreatePipelineRequest,
  DrainWorkerRequest,
  GetPipelineStatusRequest,
  GetWorkerRequest,
  ListAuditRecordsRequest,
  ListPipelinesRequest,
  ListWorkersRequest,
  PipelineNameRequest,
  ResetPipelineOffsetsRequest,
  UndrainWorkerRequest,
  UpdatePipelineRequest,
  RolloutRequest,
  ListRolloutsRequest,
} from '@eos/proto';
import { testBrokers } from './env';
import { uniqueName } from './kafka-helpers';

const REPO = path.resolve(__dirname, '../../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export class Proc {
  output = '';
  private readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const onData = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-200_000);
      if (process.env['STACK_DEBUG']) {
        // STACK_DEBUG=ts: each line stamped with the wall clock (ms), for timelines across processes.
        const at = process.env['STACK_DEBUG'] === 'ts' ? `${new Date().toISOString().slice(11, 23)} ` : '';
        for (const line of d.toString().split('\n'))
          if (line) process.stderr.write(`${at}[${name}] ${line}\n`);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }
  get pid(): number {
    return this.child.pid as number;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  kill(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }
  exit(): Promise<number | null> {
    return this.exited;
  }
  async waitForOutput(re: RegExp, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (!this.running || Date.now() > end)
        throw new Error(
          `${this.name}: no ${re} (running: ${this.running}); output:\n${this.output.slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

export interface StackOptions {
  leaseMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra node flags for the controller process (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  controllerNodeArgs?: string[];
  /**
   * Extra node flags for worker processes (e.g. `--cpu-prof`). With any set, `stop()` SIGTERMs the
   * workers (a drain, then a clean exit that writes the profile) before it SIGKILLs what is left.
   */
  workerNodeArgs?: string[];
  /** Controller script to run. @default 'dist/apps/controller/main.js' */
  controllerScript?: string;
  /** How `admin()` reaches a secured controller: channel credentials (TLS) and a bearer token. */
  adminCredentials?: grpc.ChannelCredentials;
  adminToken?: string;
}

/** A JSON answer as the tests read it: field by field, so untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HttpBody = any;

/** One controller (own gRPC port and state topic) and any number of workers. */
export class TestStack {
  readonly procs: Proc[] = [];
  controller: Proc | undefined;
  grpcPort = 0;
  httpPort = 0;
  readonly stateTopic = uniqueName('__eos_state');
  private client: AdminServiceClient | undefined;

  constructor(private readonly o: StackOptions = {}) {}

  get addr(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  /**
   * One request to the controller's plaintext HTTP API with a JSON body (a string is sent as it
   * is); answers the status and the body, parsed when it is a JSON object.
   */
  async http(
    method: string,
    urlPath: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: HttpBody }> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}${urlPath}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text.startsWith('{') ? JSON.parse(text) : text;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- HttpBody is any on purpose
    return { status: res.status, body: parsed as HttpBody };
  }

  private spawn(name: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Proc {
    const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, path.resolve(REPO, script)], {
      cwd: REPO,
      env: {
        ...process.env,
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        ...this.o.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new Proc(name, child);
    this.procs.push(p);
    return p;
  }

  async startController(): Promise<Proc> {
    if (!this.grpcPort) this.grpcPort = await freePort();
    this.controller = this.spawn(
      'controller',
      this.o.controllerScript ?? 'dist/apps/controller/main.js',
      {
        CONTROLLER_GRPC_PORT: String(this.grpcPort),
        CONTROLLER_HOST: '127.0.0.1',
        CONTROLLER_HTTP_PORT: String(this.httpPort || (this.httpPort = await freePort())),
        EOS_STATE_TOPIC: this.stateTopic,
        WORKER_LEASE_MS: String(this.o.leaseMs ?? 3000),
      },
      this.o.controllerNodeArgs,
    );
    await this.controller.waitForOutput(/gRPC on /);
    return this.controller;
  }

  /** SIGKILLs the controller, waits for it to die, and drops the gRPC client (a restart binds the same port). */
  async killController(): Promise<void> {
    const c = this.controller;
    if (!c) return;
    c.kill('SIGKILL');
    await c.exit();
    this.client?.close();
    this.client = undefined;
  }

  startWorker(id: string, env: NodeJS.ProcessEnv = {}): Proc {
    return this.spawn(
      id,
      'dist/apps/worker/main.js',
      { WORKER_ID: id, CONTROLLER_ADDR: this.addr, ...env },
      this.o.workerNodeArgs,
    );
  }

  admin(): AdminServiceClient {
    this.client ??= new AdminServiceClient(
      this.addr,
      this.o.adminCredentials ?? grpc.credentials.createInsecure(),
    );
    return this.client;
  }

  /** Calls an AdminService method as a promise; the request is completed with defaults (ts-proto encodes whole messages). */
  call<Req, Res>(method: string, partial: Req): Promise<Res> {
    const type = REQUEST_TYPES[method];
    const req = (type ? type.fromPartial(partial as object) : partial) as Req;
    type Unary = (r: Req, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, res: Res) => void) => void;
    const c = this.admin() as unknown as Record<string, Unary>;
    const metadata = new grpc.Metadata();
    if (this.o.adminToken) metadata.set('authorization', `Bearer ${this.o.adminToken}`);
    return new Promise((resolve, reject) =>
      (c[method] as Unary).call(c, req, metadata, (e, res) => (e ? reject(e) : resolve(res))),
    );
  }

  async stop(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    if (this.o.workerNodeArgs?.length) {
      // Clean exits first, so flags like --cpu-prof write their files (at most 10 s).
      const workers = this.procs.filter((p) => p !== this.controller && p.running);
      for (const p of workers) p.kill('SIGTERM');
      await Promise.race([
        Promise.all(workers.map((p) => p.exit())),
        new Promise((r) => setTimeout(r, 10_000)),
      ]);
    }
    for (const p of [...this.procs].reverse()) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
      await p.exit();
    }
  }
}

const REQUEST_TYPES: Record<string, { fromPartial(o: object): unknown }> = {
  createPipeline: CreatePipelineRequest,
  getPipelineStatus: GetPipelineStatusRequest,
  getWorker: GetWorkerRequest,
  listWorkers: ListWorkersRequest,
  listPipelines: ListPipelinesRequest,
  getPipeline: PipelineNameRequest,
  pausePipeline: PipelineNameRequest,
  resumePipeline: PipelineNameRequest,
  stopPipeline: PipelineNameRequest,
  deletePipeline: PipelineNameRequest,
  getPipelineOffsets: PipelineNameRequest,
  drainWorker: DrainWorkerRequest,
  undrainWorker: UndrainWorkerRequest,
  resetPipelineOffsets: ResetPipelineOffsetsRequest,
  listAuditRecords: ListAuditRecordsRequest,
  updatePipeline: UpdatePipelineRequest,
  getRollout: RolloutRequest,
  pauseRollout: RolloutRequest,
  resumeRollout: RolloutRequest,
  abortRollout: RolloutRequest,
  listRollouts: ListRolloutsRequest,
};

/** Marks a promise awaited later as handled now, so a test that fails first does not crash jest. */
export function background<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
