import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KafkaStartupError } from './errors';
import { clientCredentialsTokenProvider } from './oauth-token-provider';

/** A small OAuth 2 token endpoint on loopback: client credentials in Basic auth, one token per call. */
async function tokenServer(o: { clientId: string; clientSecret: string; expiresIn: number }) {
  const requests: Array<{ authorization?: string; body: string }> = [];
  let issued = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization, body });
      const expected = `Basic ${Buffer.from(`${o.clientId}:${o.clientSecret}`).toString('base64')}`;
      const form = new URLSearchParams(body);
      if (req.method !== 'POST' || form.get('grant_type') !== 'client_credentials') {
        res.writeHead(400).end('{"error":"unsupported_grant_type"}');
      } else if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      } else {
        issued++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            access_token: `token-${issued}`,
            token_type: 'Bearer',
            expires_in: o.expiresIn,
          }),
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('clientCredentialsTokenProvider', () => {
  let srv: Awaited<ReturnType<typeof tokenServer>>;
  beforeEach(
    async () => (srv = await tokenServer({ clientId: 'fleet', clientSecret: 's3cr=t', expiresIn: 600 })),
  );
  afterEach(() => srv.close());

  it('gets a token with the client-credentials grant and reuses it until shortly before expiry', async () => {
    let now = 1_000_000;
    const provider = clientCredentialsTokenProvider({
      tokenEndpointUrl: srv.url,
      clientId: 'fleet',
      clientSecret: 's3cr=t',
      scope: 'kafka',
      now: () => now,
    });
    expect(await provider()).toEqual({ value: 'token-1' });
    expect(await provider()).toEqual({ value: 'token-1' });
    expect(srv.requests).toHaveLength(1);
    expect(new URLSearchParams(srv.requests[0]?.body)).toEqual(
      new URLSearchParams({ grant_type: 'client_credentials', scope: 'kafka' }),
    );
    now += 600_000 - 60_000 - 1; // still inside the lifetime minus the renewal margin
    expect(await provider()).toEqual({ value: 'token-1' });
    now += 2;
    expect(await provider()).toEqual({ value: 'token-2' });
    expect(srv.requests).toHaveLength(2);
  });

  it('fails naming the endpoint, the client and the answer when the secret is wrong', async () => {
    const provider = clientCredentialsTokenProvider({
      tokenEndpointUrl: srv.url,
      clientId: 'fleet',
      clientSecret: 'wrong',
    });
    const err = await provider().then(
      () => undefined,
      (e: unknown) => e as KafkaStartupError,
    );
    expect(err).toBeInstanceOf(KafkaStartupError);
    expect(err?.failure).toBe('oauth-token');
    expect(err?.message).toContain(`no token from ${srv.url} for client fleet: HTTP 401`);
    expect(err?.message).toContain('invalid_client');
  });
});
