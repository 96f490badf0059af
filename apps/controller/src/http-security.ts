import type * as http from 'node:http';
import * as net from 'node:net';
import { hostname } from 'node:os';
import type { TLSSocket } from 'node:tls';
import type { Authenticator } from './auth/authenticator';
import type { Identity, Requirement } from './auth/roles';

/** An HTTP answer that refuses a request. */
export interface Refusal {
  status: number;
  body: { code: string; message: string };
}

export interface HttpSecurityOptions {
  auth: Authenticator;
  /** The server speaks TLS (its own origin is https://). */
  tls: boolean;
  /** Origins besides the controller's own that may send mutations (CONTROLLER_ALLOWED_ORIGINS). */
  allowedOrigins?: string[];
  /** Extra names the controller answers to (CONTROLLER_ALLOWED_HOSTS). */
  allowedHosts?: string[];
}

/**
 * Headers on every answer. The admin UI loads only its own scripts, styles and API (no inline
 * script), cannot be framed, and sends no Referer; nosniff stops a JSON answer being run as script.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The host name of a Host header, lower case, without port or IPv6 brackets. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.replace(/:\d*$/, '');
}

/**
 * The browser-facing checks of the HTTP API, in one place:
 * - Host must be one of the controller's names (an IP literal, localhost, this machine's name,
 *   CONTROLLER_ALLOWED_HOSTS, or a host of CONTROLLER_ALLOWED_ORIGINS): a DNS-rebinding page
 *   reaches the controller under the attacker's name and is refused.
 * - Mutations need `Content-Type: application/json` (a cross-site form or `text/plain` fetch
 *   cannot send it without a CORS preflight, which the controller never grants) and, when an
 *   Origin is sent, the controller's own origin or one of CONTROLLER_ALLOWED_ORIGINS. Requests
 *   without Origin (curl, scripts) are not browsers and pass.
 * - Credentials: `authorization: Bearer` only (no cookies, so nothing rides along cross-site).
 */
export class HttpSecurity {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(private readonly o: HttpSecurityOptions) {
    const me = hostname().toLowerCase();
    this.hosts = new Set(['localhost', me, me.split('.')[0] ?? me, ...(o.allowedHosts ?? [])]);
    this.origins = new Set(o.allowedOrigins ?? []);
    for (const origin of this.origins) this.hosts.add(new URL(origin).hostname.replace(/^\[|\]$/g, ''));
  }

  headers(res: http.ServerResponse): void {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (this.o.tls) res.setHeader('strict-transport-security', 'max-age=31536000');
  }

  /** Host, Origin and Content-Type checks; a refusal, or undefined when the request may go on. */
  screen(req: http.IncomingMessage): Refusal | undefined {
    const hostHeader = req.headers.host;
    if (!hostHeader) return refuse(400, 'INVALID_ARGUMENT', 'the request has no Host header');
    const host = hostOf(hostHeader);
    if (!net.isIP(host) && !this.hosts.has(host))
      return refuse(
        421,
        'MISDIRECTED_REQUEST',
        `Host "${host}" is not one of this controller's names (add it to CONTROLLER_ALLOWED_HOSTS)`,
      );
    if (!MUTATIONS.has(req.method ?? '')) return undefined;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const own = originOf(`${this.o.tls ? 'https' : 'http'}://${hostHeader.trim().toLowerCase()}`);
      // "null" and other opaque or malformed origins stay as sent and match nothing below.
      const normalized = originOf(origin) ?? origin;
      if ((own === undefined || normalized !== own) && !this.origins.has(normalized))
        return refuse(
          403,
          'PERMISSION_DENIED',
          `cross-origin request from ${origin} refused (allowed: the controller's own origin and CONTROLLER_ALLOWED_ORIGINS)`,
        );
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      return refuse(
        415,
        'INVALID_ARGUMENT',
        `${req.method} needs Content-Type: application/json (got ${type ? type : 'none'})`,
      );
    return undefined;
  }

  /** Authenticates the request and checks it may do `what`, which needs `need`. */
  authorize(
    req: http.IncomingMessage,
    need: Requirement,
    what: string,
  ): { ok: true; identity: Identity } | ({ ok: false } & Refusal) {
    const socket = req.socket as Partial<TLSSocket>;
    const cert = socket.encrypted && socket.getPeerCertificate ? socket.getPeerCertificate() : undefined;
    const outcome = this.o.auth.check(
      { authorization: req.headers.authorization, certificate: socket.authorized ? cert : undefined },
      need,
      what,
    );
    if (outcome.ok) return outcome;
    return {
      ok: false,
      ...refuse(outcome.code === 'UNAUTHENTICATED' ? 401 : 403, outcome.code, outcome.message),
    };
  }

  /** The audit actor: the identity; without authentication the `x-actor` header, else the peer. */
  actor(req: http.IncomingMessage, who: Identity): string {
    if (who.via !== 'open') return who.name;
    return String(req.headers['x-actor'] ?? `http:${req.socket.remoteAddress ?? '?'}`);
  }
}

/** The origin of a URL, or undefined when it does not parse (a Host of port 99999, say). */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function refuse(status: number, code: string, message: string): Refusal {
  return { status, body: { code, message } };
}
