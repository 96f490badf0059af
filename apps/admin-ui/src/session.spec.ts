import {
  authHeaders,
  can,
  sessionFromWhoami,
  signedInLabel,
  signedOut,
  storedToken,
  TOKEN_KEY,
} from './session';

class MapStorage {
  readonly m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

const otto = { name: 'otto', role: 'operator', via: 'token', operations: ['listWorkers', 'drainWorker'] };

describe('session', () => {
  it('signs in with an accepted token and keeps it in session storage', () => {
    const st = new MapStorage();
    const s = sessionFromWhoami({ status: 200, body: otto }, 'tok-1', st);
    expect(s).toEqual({ phase: 'in', who: otto, token: 'tok-1' });
    expect(storedToken(st)).toBe('tok-1');
    expect(signedInLabel(otto as never)).toBe('otto · operator');
    expect(can(s, 'drainWorker')).toBe(true);
    expect(can(s, 'createPipeline')).toBe(false);
    expect(authHeaders('tok-1')).toEqual({ authorization: 'Bearer tok-1' });
    expect(authHeaders(undefined)).toEqual({});
  });

  it('asks for a token on 401, saying why when one was given, and forgets a refused one', () => {
    const st = new MapStorage();
    st.setItem(TOKEN_KEY, 'revoked');
    expect(sessionFromWhoami({ status: 401, body: { message: 'no credential' } }, undefined, st)).toEqual({
      phase: 'login',
      error: undefined,
    });
    expect(
      sessionFromWhoami({ status: 401, body: { message: 'the bearer token is not known' } }, 'revoked', st),
    ).toEqual({ phase: 'login', error: 'Token not accepted: the bearer token is not known' });
    expect(storedToken(st)).toBeUndefined();
    expect(sessionFromWhoami({ status: 503, body: {} }, 'x', st)).toEqual({
      phase: 'login',
      error: 'The controller answered 503: HTTP 503',
    });
  });

  it('needs no sign-in when the controller has no authentication', () => {
    const s = sessionFromWhoami(
      {
        status: 200,
        body: { name: 'anonymous', role: 'admin', via: 'open', operations: ['createPipeline'] },
      },
      undefined,
      new MapStorage(),
    );
    expect(s.phase).toBe('in');
    expect(s.phase === 'in' && signedInLabel(s.who)).toBe('no authentication (loopback only)');
    expect(can(s, 'createPipeline')).toBe(true);
  });

  it('signs out: the token is gone and nothing is allowed', () => {
    const st = new MapStorage();
    st.setItem(TOKEN_KEY, 't');
    const s = signedOut(st, 'Signed out');
    expect(s).toEqual({ phase: 'login', error: 'Signed out' });
    expect(storedToken(st)).toBeUndefined();
    expect(can(s, 'listWorkers')).toBe(false);
    expect(can({ phase: 'checking' }, 'listWorkers')).toBe(false);
  });
});
