/** Turns resolved {@link KafkaClientConfig} into the connection part of a kafkajs `KafkaConfig`. */
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type * as tls from 'node:tls';
import type { KafkaClientConfig } from './kafka-settings';
import { clientCredentialsTokenProvider, type ClientCredentialsOptions } from './oauth-token-provider';

export interface KafkaJsConnectionOptions {
  /** For tests: the fetch the OAuth token provider uses. */
  fetch?: ClientCredentialsOptions['fetch'];
}

/** `brokers`, `ssl` and `sasl` for `new Kafka({...})`; spread it into the rest of the client's options. */
export function kafkaJsConnection(
  c: KafkaClientConfig,
  o: KafkaJsConnectionOptions = {},
): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  let ssl: tls.ConnectionOptions | undefined;
  if (c.tls) {
    ssl = {
      ...(c.tls.ca !== undefined ? { ca: c.tls.ca } : {}),
      ...(c.tls.cert !== undefined ? { cert: c.tls.cert } : {}),
      ...(c.tls.key !== undefined ? { key: c.tls.key } : {}),
      ...(c.tls.passphrase !== undefined ? { passphrase: c.tls.passphrase } : {}),
      // Java's ssl.endpoint.identification.algorithm= (empty): the chain is still verified.
      ...(c.tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    };
  }
  let sasl: SASLOptions | undefined;
  if (c.sasl) {
    const s = c.sasl;
    if (s.mechanism === 'OAUTHBEARER') {
      sasl = {
        mechanism: 'oauthbearer',
        oauthBearerProvider: clientCredentialsTokenProvider({
          tokenEndpointUrl: s.tokenEndpointUrl,
          clientId: s.clientId,
          clientSecret: s.clientSecret,
          ...(s.scope ? { scope: s.scope } : {}),
          ...(o.fetch ? { fetch: o.fetch } : {}),
        }),
      };
    } else if (s.mechanism === 'PLAIN') {
      sasl = { mechanism: 'plain', username: s.username, password: s.password };
    } else if (s.mechanism === 'SCRAM-SHA-256') {
      sasl = { mechanism: 'scram-sha-256', username: s.username, password: s.password };
    } else {
      sasl = { mechanism: 'scram-sha-512', username: s.username, password: s.password };
    }
  }
  return { brokers: c.brokers, ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
