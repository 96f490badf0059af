import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { Authenticator, OPEN_IDENTITY } from './authenticator';
import { certificateIdentity } from './cert-identity';
import { TokenStore } from './token-store';

const cert = (subject: Record<string, string>) => ({ subject }) as unknown as PeerCertificate;

describe('Authenticator', () => {
  let dir: string;
  let tokens: TokenStore;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-auth-'));
    fs.writeFileSync(path.join(dir, 't'), 'tok-viewer,vera,viewer\ntok-worker,w-1,worker\n');
    tokens = new TokenStore({ file: path.join(dir, 't'), log: () => undefined });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets everyone in as the open identity when nothing is configured', () => {
    const a = new Authenticator();
    expect(a.enabled).toBe(false);
    expect(a.check({}, 'admin', 'x')).toEqual({ ok: true, identity: OPEN_IDENTITY });
  });

  it('answers UNAUTHENTICATED without a credential or with a bad one, PERMISSION_DENIED naming the role', () => {
    const a = new Authenticator({ tokens });
    expect(a.check({}, 'viewer', 'ListWorkers')).toMatchObject({
      ok: false,
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/authorization: Bearer/),
    });
    expect(a.check({ authorization: 'Basic abc' }, 'viewer', 'x')).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(a.check({ authorization: 'Bearer nope' }, 'viewer', 'x')).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(a.check({ authorization: 'bearer tok-viewer' }, 'viewer', 'x')).toEqual({
      ok: true,
      identity: { name: 'vera', role: 'viewer', via: 'token' },
    });
    expect(a.check({ authorization: 'Bearer tok-viewer' }, 'admin', 'CreatePipeline')).toEqual({
      ok: false,
      code: 'PERMISSION_DENIED',
      message: 'CreatePipeline needs role admin; vera has role viewer',
    });
    expect(a.check({ authorization: 'Bearer tok-worker' }, 'viewer', 'ListWorkers')).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect(a.check({}, 'open', 'Health')).toMatchObject({ ok: true });
  });

  it('identifies a verified client certificate by CN (name) and OU (role)', () => {
    const a = new Authenticator({ clientCertificates: true });
    expect(a.check({ certificate: cert({ CN: 'w-7', OU: 'worker' }) }, 'worker', 'x')).toEqual({
      ok: true,
      identity: { name: 'w-7', role: 'worker', via: 'certificate' },
    });
    expect(a.check({}, 'worker', 'x')).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/client certificate/),
    });
    expect(certificateIdentity(cert({ CN: 'x', OU: 'root' }))).toEqual({
      refused: expect.stringMatching(/OU "root" is not a role/),
    });
    expect(certificateIdentity(cert({ OU: 'admin' }))).toEqual({
      refused: expect.stringMatching(/no subject CN/),
    });
    expect(certificateIdentity(cert({}))).toEqual({ refused: 'no client certificate' });
  });

  it('prefers a bearer token over the certificate when both are configured', () => {
    const a = new Authenticator({ tokens, clientCertificates: true });
    expect(
      a.check(
        { authorization: 'Bearer tok-viewer', certificate: cert({ CN: 'w-7', OU: 'worker' }) },
        'viewer',
        'x',
      ),
    ).toMatchObject({ ok: true, identity: { name: 'vera' } });
    expect(a.check({ certificate: cert({ CN: 'w-7', OU: 'worker' }) }, 'worker', 'x')).toMatchObject({
      ok: true,
      identity: { name: 'w-7' },
    });
  });
});
