/**
 * OAUTHBEARER tokens from an OAuth 2 token endpoint with the client-credentials grant, as Kafka's
 * Java `OAuthBearerLoginCallbackHandler` gets them: POST `grant_type=client_credentials` (and
 * `scope`), the client id and secret in HTTP Basic auth, `access_token` and `expires_in` back.
 * A token is reused until shortly before it expires (kafkajs asks on every connection).
 */
import { KafkaStartupError } from './errors';

export interface ClientCredentialsOptions {
  tokenEndpointUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default Date.now */
  now?: () => number;
  /** How long before expiry a token is renewed. @default 60000 (or a tenth of its lifetime when shorter) */
  renewBeforeMs?: number;
  /** @default 10000 */
  timeoutMs?: number;
}

/** kafkajs's `oauthBearerProvider`: resolves `{ value: <access token> }`. */
export type OAuthBearerProvider = () => Promise<{ value: string }>;

export function clientCredentialsTokenProvider(o: ClientCredentialsOptions): OAuthBearerProvider {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  let cached: { value: string; renewAt: number } | undefined;
  let inFlight: Promise<{ value: string }> | undefined;

  const request = async (): Promise<{ value: string }> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (o.scope) body.set('scope', o.scope);
    // As Kafka's Java client does by default (sasl.oauthbearer.header.urlencode=false): id and
    // secret as they are, not form-urlencoded first.
    const basic = Buffer.from(`${o.clientId}:${o.clientSecret}`).toString('base64');
    const fail = (why: string, cause?: unknown) =>
      new KafkaStartupError(
        'oauth-token',
        `OAUTHBEARER: no token from ${o.tokenEndpointUrl} for client ${o.clientId}: ${why}`,
        { cause },
      );
    let res: Response;
    try {
      res = await doFetch(o.tokenEndpointUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: body.toString(),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw fail((err as Error).message, err);
    }
    const text = await res.text();
    if (!res.ok) throw fail(`HTTP ${res.status} ${text.slice(0, 200)}`);
    let json: { access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch (err) {
      throw fail('the answer is not JSON', err);
    }
    if (typeof json.access_token !== 'string' || json.access_token === '')
      throw fail('the answer has no access_token');
    const lifetimeMs = typeof json.expires_in === 'number' ? json.expires_in * 1000 : 3_600_000;
    const renewBefore = Math.min(o.renewBeforeMs ?? 60_000, lifetimeMs / 10);
    cached = { value: json.access_token, renewAt: now() + lifetimeMs - renewBefore };
    return { value: json.access_token };
  };

  return async () => {
    if (cached && now() < cached.renewAt) return { value: cached.value };
    inFlight ??= request().finally(() => (inFlight = undefined));
    return inFlight;
  };
}
