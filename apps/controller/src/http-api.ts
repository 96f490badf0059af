import * as http from 'node:http';
import { ControlError, redactSecrets, type ControlErrorCode, type FleetController } from '@eos/control-plane';
import type { Registry } from 'prom-client';
import { invoke, type AdminApi } from './admin-api';
import { ROUTES, decodeRequest } from './http-routes';
import { sendJson as send } from './send-json';
import { serveStatic } from './static-files';
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
