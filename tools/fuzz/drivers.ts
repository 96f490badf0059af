import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as pb from '@eos/proto';
import type { Action, NamePools } from './actions';
import type { Outcome } from './oracle';

/** Longest a request may go unanswered before it counts as a hang. */
export const ANSWER_BOUND_MS = 15_000;

interface Codec {
  fromJSON(o: unknown): unknown;
  encode(m: never): { finish(): Uint8Array };
}

/** AdminService request messages by method (as grpcurl would encode the proto-JSON request). */
const REQUEST_TYPES: Record<string, Codec> = {
  CreatePipeline: pb.CreatePipelineRequest,
  UpdatePipeline: pb.UpdatePipelineRequest,
  GetPipeline: pb.GetPipelineRequest,
  ListPipelines: pb.ListPipelinesRequest,
  GetPipelineStatus: pb.GetPipelineStatusRequest,
  PausePipeline: pb.PipelineNameRequest,
  ResumePipeline: pb.PipelineNameRequest,
  StopPipeline: pb.PipelineNameRequest,
  DeletePipeline: pb.PipelineNameRequest,
  GetPipelineOffsets: pb.PipelineNameRequest,
  ResetPipelineOffsets: pb.ResetPipelineOffsetsRequest,
  ListWorkers: pb.ListWorkersRequest,
  DrainWorker: pb.DrainWorkerRequest,
  UndrainWorker: pb.UndrainWorkerRequest,
  ListAuditRecords: pb.ListAuditRecordsRequest,
  GetRollout: pb.RolloutRequest,
  PauseRollout: pb.RolloutRequest,
  ResumeRollout: pb.RolloutRequest,
  AbortRollout: pb.RolloutRequest,
  ListRollouts: pb.ListRolloutsRequest,
};

/** Fills the placeholders (`{P0}`, `{IN1}`, `{STATE}`...) of every string in a value. */
export function fillNames<T>(value: T, pools: NamePools): T {
  const fill = (s: string) =>
    s.replace(/\{(P|IN|OUT|W)(\d)\}|\{STATE\}/g, (m, kind: string | undefined, i: string | undefined) => {
      if (m === '{STATE}') return pools.stateTopic;
      const pool = { P: pools.pipelines, IN: pools.inputTopics, OUT: pools.outputTopics, W: pools.workers }[
        kind as 'P' | 'IN' | 'OUT' | 'W'
      ];
      return pool[Number(i)] ?? m;
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fill(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** The controller's two ports. */
export interface Target {
  httpPort: number;
  grpcAddr: string;
}

/** Runs one action against the controller and reports the answer (or its absence). */
export function runAction(a: Action, t: Target, client: grpc.Client): Promise<Outcome | 'client-refused'> {
  switch (a.kind) {
    case 'http-raw':
      return rawHttp(t.httpPort, a.method, a.target, a.headers, a.body);
    case 'http-api':
      return rawHttp(
        t.httpPort,
        a.method,
        a.path,
        [['content-type', 'application/json']],
        a.body === undefined ? '' : JSON.stringify(a.body),
      );
    case 'grpc': {
      const type = REQUEST_TYPES[a.method];
      if (!type) return Promise.resolve('client-refused');
      let bytes: Buffer;
      try {
        bytes = Buffer.from(type.encode(type.fromJSON(a.request) as never).finish());
      } catch {
        return Promise.resolve('client-refused'); // grpcurl would refuse to send it too
      }
      return unary(client, `/eos.v1.AdminService/${a.method}`, bytes);
    }
    case 'grpc-raw':
      return unary(client, a.path, Buffer.from(a.bytes));
  }
}

function unary(client: grpc.Client, path: string, bytes: Buffer): Promise<Outcome> {
  const metadata = new grpc.Metadata();
  metadata.set('x-actor', 'fuzz');
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: Date.now() + ANSWER_BOUND_MS },
      (err) => {
        if (!err) return resolve({ transport: 'grpc', code: grpc.status.OK, details: '' });
        if (err.code === grpc.status.DEADLINE_EXCEEDED)
          return resolve({ transport: 'none', reason: `no gRPC answer within ${ANSWER_BOUND_MS} ms` });
        resolve({ transport: 'grpc', code: err.code, details: err.details });
      },
    ),
  );
}

/**
 * One HTTP/1.1 request written byte for byte (fetch would normalise `//` and refuse `%00`);
 * resolves with the status as soon as the status line is in (an SSE stream never ends).
 */
function rawHttp(
  port: number,
  method: string,
  target: string,
  headers: [string, string][],
  body: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let head = '';
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => finish({ transport: 'none', reason: `no HTTP answer within ${ANSWER_BOUND_MS} ms` }),
      ANSWER_BOUND_MS,
    );
    // A large body goes after `100 Continue`, as curl sends it: a server that answers early (400
    // for the target) closes the connection, and a client still writing then gets a reset that
    // can discard the answer before it is read.
    const large = Buffer.byteLength(body) > 64 * 1024;
    let bodySent = !large;
    const sock = net.connect(port, '127.0.0.1', () => {
      const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
      for (const [k, v] of headers) if (!(large && k.toLowerCase() === 'expect')) lines.push(`${k}: ${v}`);
      lines.push(`content-length: ${Buffer.byteLength(body)}`);
      if (large) lines.push('expect: 100-continue');
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (!large) sock.write(body, () => undefined);
    });
    sock.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      // `100 Continue` (ours, or a fuzzed `expect` header's) precedes the answer.
      const cont = /^HTTP\/1\.1 100[^\r\n]*\r\n\r\n/.exec(head);
      if (cont) {
        head = head.slice(cont[0].length);
        if (!bodySent) {
          bodySent = true;
          sock.write(body, () => undefined);
        }
      }
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m && m[1] !== '100') finish({ transport: 'http', status: Number(m[1]) });
    });
    sock.on('error', (err) => {
      if (done || head !== '') return;
      // A header block over Node's 16 KiB limit (431) or a body over the API's 1 MiB (400) is
      // answered and the connection closed while this side is still writing: the reset can
      // discard the answer. That is the documented refusal of an oversized request.
      const headerBytes = headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
      if (headerBytes > 16 * 1024 || Buffer.byteLength(body) > 1 << 20)
        finish({ transport: 'closed-oversized', bytes: headerBytes + Buffer.byteLength(body) });
      else finish({ transport: 'none', reason: `connection failed: ${err.message}` });
    });
    sock.on('close', () => finish({ transport: 'none', reason: 'connection closed without an answer' }));
  });
}
