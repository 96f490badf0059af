import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ControlError, redactSecrets, type ControlErrorCode, type FleetController } from '@eos/control-plane';
import * as pb from '@eos/proto';
import type { Registry } from 'prom-client';
import { invoke, type AdminApi } from './admin-api';
import { guardedHandler } from './guarded-handler';
import { reportInternalError } from './internal-error';
import { SseHub, type SseHubOptions } from './sse-hub';
import { checkJsonShape } from './json-shape';
import { parseRequestTarget } from './request-target';
import { Authenticator } from './auth/authenticator';
import { ADMIN_ROLES, permittedOperations, type Requirement } from './auth/roles';
import { HttpSecurity } from './http-security';

/** The HTTP status for each domain error code (the grpc-gateway mapping). */
export const HTTP_STATUS: Record<ControlErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

interface MessageType<T> {
  fromJSON(o: unknown): T;
  toJSON(m: T): unknown;
}

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: RegExp;
  op: keyof AdminApi;
  /** Builds the proto-JSON request from path parameters, query and body. */
  request: (params: string[], query: URLSearchParams, body: Record<string, unknown>) => unknown;
  req: MessageType<unknown>;
  res: MessageType<unknown>;
}

const t = <T>(m: MessageType<T>) => m as MessageType<unknown>;
const name = (p: string[]) => ({ name: p[0] });

/** JSON endpoints mirroring AdminService (same operations, validation and errors). */
export const ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^\/api\/pipelines$/,
    op: 'listPipelines',
    request: () => ({}),
    req: t(pb.ListPipelinesRequest),
    res: t(pb.ListPipelinesResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines$/,
    op: 'createPipeline',
    request: (_p, _q, b) => b,
    req: t(pb.CreatePipelineRequest),
    res: t(pb.CreatePipelineResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/pipelines\/([^/]+)$/,
    op: 'getPipeline',
    request: name,
    req: t(pb.GetPipelineRequest),
    res: t(pb.GetPipelineResponse),
  },
  {
    method: 'PUT',
    path: /^\/api\/pipelines\/([^/]+)$/,
    op: 'updatePipeline',
    request: (_p, _q, b) => b,
    req: t(pb.UpdatePipelineRequest),
    res: t(pb.UpdatePipelineResponse),
  },
  {
    method: 'DELETE',
    path: /^\/api\/pipelines\/([^/]+)$/,
    op: 'deletePipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.DeletePipelineResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/pipelines\/([^/]+)\/status$/,
    op: 'getPipelineStatus',
    request: name,
    req: t(pb.GetPipelineStatusRequest),
    res: t(pb.GetPipelineStatusResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/pause$/,
    op: 'pausePipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/resume$/,
    op: 'resumePipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/stop$/,
    op: 'stopPipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/pipelines\/([^/]+)\/offsets$/,
    op: 'getPipelineOffsets',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineOffsetsResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/offsets\/reset$/,
    op: 'resetPipelineOffsets',
    request: (p, _q, b) => ({ ...b, name: p[0] }),
    req: t(pb.ResetPipelineOffsetsRequest),
    res: t(pb.PipelineOffsetsResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/workers$/,
    op: 'listWorkers',
    request: () => ({}),
    req: t(pb.ListWorkersRequest),
    res: t(pb.ListWorkersResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/workers\/([^/]+)$/,
    op: 'getWorker',
    request: (p) => ({ workerId: p[0] }),
    req: t(pb.GetWorkerRequest),
    res: t(pb.GetWorkerResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/workers\/([^/]+)\/drain$/,
    op: 'drainWorker',
    request: (p, _q, b) => ({ ...b, workerId: p[0] }),
    req: t(pb.DrainWorkerRequest),
    res: t(pb.DrainWorkerResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/workers\/([^/]+)\/undrain$/,
    op: 'undrainWorker',
    request: (p) => ({ workerId: p[0] }),
    req: t(pb.UndrainWorkerRequest),
    res: t(pb.DrainWorkerResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/rollouts$/,
    op: 'listRollouts',
    request: (_p, q) => ({ pipeline: q.get('pipeline') ?? '' }),
    req: t(pb.ListRolloutsRequest),
    res: t(pb.ListRolloutsResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/rollouts\/([^/]+)$/,
    op: 'getRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'POST',
    path: /^\/api\/rollouts\/([^/]+)\/pause$/,
    op: 'pauseRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'POST',
    path: /^\/api\/rollouts\/([^/]+)\/resume$/,
    op: 'resumeRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'POST',
    path: /^\/api\/rollouts\/([^/]+)\/abort$/,
    op: 'abortRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'GET',
    path: /^\/api\/audit$/,
    op: 'listAuditRecords',
    request: (_p, q) => ({ limit: Number(q.get('limit') ?? 0) }),
    req: t(pb.ListAuditRecordsRequest),
    res: t(pb.ListAuditRecordsResponse),
  },
];

export interface HttpApiOptions {
  fleet: FleetController;
  api: AdminApi;
  metrics: Registry;
  /** Static files of the admin UI, if built. */
  staticDir?: string;
  /** Live-update client limits. */
  sse?: SseHubOptions;
  /** Authentication and browser checks. @default no authentication, Host/Origin/Content-Type checked */
  security?: HttpSecurity;
  /** Builds the server around the handler (an https server for TLS). @default http.createServer */
  server?: (handler: http.RequestListener) => http.Server;
}

const MAX_BODY = 1 << 20;

/** The HTTP server's documented limits (docs/architecture.md, "Bounds"). */
export const HTTP_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeadersCount: 100,
  maxBodyBytes: MAX_BODY,
} as const;

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Answer (400), then read the rest into nothing: destroying the request here would close
        // the connection before the answer went out. The server's requestTimeout bounds the rest.
        reject(new ControlError('INVALID_ARGUMENT', `request body over ${MAX_BODY} bytes`, 'body'));
        req.removeAllListeners('data');
        req.resume();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        const v = JSON.parse(text) as unknown;
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        checkJsonShape(v);
        resolve(v as Record<string, unknown>);
      } catch (err) {
        reject(
          new ControlError('INVALID_ARGUMENT', `body: not a JSON object (${(err as Error).message})`, 'body'),
        );
      }
    });
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * The admin UI's static files. Hashed assets are cached for good; any other path that is not a
 * file gets index.html (the UI routes on the hash, so this only matters for bookmarks).
 */
function serveStatic(
  dir: string | undefined,
  urlPath: string,
  decodedPath: string,
  res: http.ServerResponse,
): void {
  if (!dir)
    return send(res, 404, {
      code: 'NOT_FOUND',
      message: 'the admin UI is not built here (npm run build builds dist/apps/admin-ui)',
    });
  const root = path.resolve(dir);
  let file = path.resolve(root, '.' + path.posix.normalize(decodedPath));
  if (file !== root && !file.startsWith(root + path.sep))
    return send(res, 404, { code: 'NOT_FOUND', message: `no file ${urlPath}` });
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) file = path.join(root, 'index.html');
    fs.readFile(file, (readErr, data) => {
      if (readErr) return send(res, 404, { code: 'NOT_FOUND', message: `no file ${urlPath}` });
      const immutable = file.includes(`${path.sep}assets${path.sep}`);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(data);
    });
  });
}

/** The controller's HTTP server: JSON API, SSE live updates, /metrics, /healthz. */
export function createHttpServer(o: HttpApiOptions): http.Server {
  const sse = new SseHub(o.sse);
  let pending: NodeJS.Timeout | undefined;
  const reasons = new Set<string>();
  // Live updates: coalesced into at most one event per 250 ms.
  o.fleet.on('change', (reason) => {
    reasons.add(reason.split(' ')[0] ?? reason);
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      const data = JSON.stringify({ at: Date.now(), epoch: o.fleet.currentEpoch(), reasons: [...reasons] });
      reasons.clear();
      sse.broadcast(`event: change\ndata: ${data}\n\n`);
    }, 250);
  });

  const security = o.security ?? new HttpSecurity({ auth: new Authenticator(), tls: false });
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void | Promise<void> => {
    security.headers(res);
    const refused = security.screen(req);
    if (refused) return send(res, refused.status, refused.body);
    /** The caller's identity if it may do `what`; otherwise answers 401/403 and returns undefined. */
    const allowed = (need: Requirement, what: string) => {
      const a = security.authorize(req, need, what);
      if (!a.ok) send(res, a.status, a.body);
      return a.ok ? a.identity : undefined;
    };
    // Malformed targets ("//", "/%00", "/%zz", absolute-form, over-long) are refused before routing.
    let target: ReturnType<typeof parseRequestTarget>;
    try {
      target = parseRequestTarget(req.url);
    } catch (err) {
      const e = err as ControlError;
      return send(res, 400, { code: e.code, message: e.message, field: e.field });
    }
    const { pathname, query } = target;
    if (req.method === 'GET' && pathname === '/healthz')
      return send(res, 200, { status: 'ok', epoch: o.fleet.currentEpoch() });
    if (req.method === 'GET' && pathname === '/metrics') {
      if (!allowed('viewer', 'GET /metrics')) return;
      return o.metrics.metrics().then((body) => {
        res.writeHead(200, { 'content-type': o.metrics.contentType });
        res.end(body);
      });
    }
    if (req.method === 'GET' && pathname === '/api/whoami') {
      const who = allowed('authenticated', 'GET /api/whoami');
      if (who)
        send(res, 200, {
          name: who.name,
          role: who.role,
          via: who.via,
          operations: permittedOperations(who),
        });
      return;
    }
    if (req.method === 'GET' && pathname === '/api/events') {
      if (!allowed('viewer', 'GET /api/events')) return;
      return sse.add(
        req,
        res,
        `event: hello\ndata: ${JSON.stringify({ epoch: o.fleet.currentEpoch() })}\n\n`,
      );
    }
    if (req.method === 'GET' && !pathname.startsWith('/api/'))
      return serveStatic(o.staticDir, pathname, target.decodedPath, res);
    const pathMatches = ROUTES.filter((r) => r.path.test(pathname));
    if (pathMatches.length === 0)
      return send(res, 404, { code: 'NOT_FOUND', message: `no route ${pathname}` });
    const route = pathMatches.find((r) => r.method === req.method);
    if (!route)
      return send(res, 405, {
        code: 'METHOD_NOT_ALLOWED',
        message: `${req.method} ${pathname}: use ${pathMatches.map((r) => r.method).join(', ')}`,
      });
    const who = allowed(ADMIN_ROLES[route.op], `${route.method} ${pathname}`);
    if (!who) return;
    const params = (route.path.exec(pathname) ?? []).slice(1).map((s) => decodeURIComponent(s));
    const actor = security.actor(req, who);
    // The body is wanted: now invite a client that waits for `100 Continue` to send it.
    if (/100-continue/i.test(String(req.headers.expect ?? ''))) res.writeContinue();
    readBody(req)
      .then(async (body) => {
        const request = decodeRequest(route, route.request(params, query, body));
        const result = await invoke(o.fleet, o.api[route.op] as never, request as never, actor);
        send(res, 200, route.res.toJSON(result));
      })
      .catch((err: unknown) => {
        if (err instanceof ControlError)
          return send(res, HTTP_STATUS[err.code], {
            code: err.code,
            message: redactSecrets(err.message),
            field: err.field,
          });
        const reply = reportInternalError(`HTTP ${req.method} ${pathname}`, err);
        send(res, 500, { code: 'INTERNAL', message: reply.message, id: reply.id });
      });
  };
  const guarded = guardedHandler(handler);
  // TLS: the caller builds an https server around the handler (o.server).
  const server = o.server ? o.server(guarded) : http.createServer({ maxHeaderSize: 16 * 1024 }, guarded);
  // `expect: 100-continue` is answered by the handler, not by Node at once: a request refused
  // before its body is read (bad target, 404, 405) gets its answer without inviting the body, so
  // the client is not still sending when the connection closes (the reset could discard the
  // answer; the fuzzer met that with a 1 MB body on a TRACE).
  server.on('checkContinue', guarded);
  // Time limits: a client gets 10 s for its headers and 30 s for its whole request (body
  // included); an idle keep-alive connection is closed after 5 s. SSE streams are responses, which
  // these limits do not cut.
  server.headersTimeout = HTTP_LIMITS.headersTimeoutMs;
  server.requestTimeout = HTTP_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeoutMs;
  server.maxHeadersCount = HTTP_LIMITS.maxHeadersCount;
  server.on('close', () => sse.close());
  return server;
}

/**
 * proto3 JSON -> the request message. ts-proto's fromJSON throws on values it cannot map (an
 * unknown enum name, a Struct nested past the stack): that is the caller's mistake, a 400.
 */
function decodeRequest(route: Route, json: unknown): unknown {
  try {
    return route.req.fromJSON(json);
  } catch (err) {
    throw new ControlError(
      'INVALID_ARGUMENT',
      `body: does not match the request message (${(err as Error).message})`,
      'body',
    );
  }
}
