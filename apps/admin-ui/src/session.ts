/**
 * Who is signed in to the UI, kept out of the DOM and unit-tested. The token lives in session
 * storage (this tab only, gone when it closes; never a cookie, so no other site's request can
 * carry it). The controller decides everything: `GET api/whoami` names the identity and the
 * operations its role allows, and the UI only hides what would be refused anyway.
 */

/** The controller's `GET /api/whoami` answer. */
export interface WhoAmI {
  name: string;
  role: string;
  /** `open`: the controller has no authentication (loopback only); no sign-in needed. */
  via: 'token' | 'certificate' | 'open';
  /** AdminService operations this identity may call (`createPipeline`, `drainWorker`, ...). */
  operations: string[];
}

export type Session =
  { phase: 'checking' } | { phase: 'login'; error?: string } | { phase: 'in'; who: WhoAmI; token?: string };

export const TOKEN_KEY = 'eos-fleet.token';

/** The part of `Storage` used here (session storage in the page, a map in tests). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const storedToken = (s: TokenStorage): string | undefined => s.getItem(TOKEN_KEY) || undefined;

/**
 * The session after asking whoami (with `token`, if any). A 401 means sign in: with a token the
 * user just typed (or one stored earlier that was revoked), say it was not accepted.
 */
export function sessionFromWhoami(
  res: { status: number; body: Record<string, unknown> },
  token: string | undefined,
  storage: TokenStorage,
): Session {
  if (res.status === 200 && typeof res.body['name'] === 'string') {
    const who: WhoAmI = {
      name: res.body['name'],
      role: typeof res.body['role'] === 'string' ? res.body['role'] : '',
      via: res.body['via'] === 'token' || res.body['via'] === 'certificate' ? res.body['via'] : 'open',
      operations: Array.isArray(res.body['operations']) ? res.body['operations'].map(String) : [],
    };
    if (token) storage.setItem(TOKEN_KEY, token);
    return { phase: 'in', who, token };
  }
  storage.removeItem(TOKEN_KEY);
  const message = typeof res.body['message'] === 'string' ? res.body['message'] : `HTTP ${res.status}`;
  if (res.status === 401)
    return { phase: 'login', error: token ? `Token not accepted: ${message}` : undefined };
  return { phase: 'login', error: `The controller answered ${res.status}: ${message}` };
}

/** Signing out (or any 401 later: a revoked token) forgets the token and shows the login screen. */
export function signedOut(storage: TokenStorage, reason?: string): Session {
  storage.removeItem(TOKEN_KEY);
  return { phase: 'login', error: reason };
}

/** Whether the signed-in identity may call an operation (the button is hidden otherwise). */
export function can(s: Session, operation: string): boolean {
  return s.phase === 'in' && s.who.operations.includes(operation);
}

/** The header line naming who is signed in. */
export function signedInLabel(who: WhoAmI): string {
  if (who.via === 'open') return 'no authentication (loopback only)';
  return `${who.name} · ${who.role}`;
}

/** The request headers that carry the session's token. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
