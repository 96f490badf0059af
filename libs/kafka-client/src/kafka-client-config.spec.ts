import { KafkaConfigError } from './errors';
import { describeKafkaClientConfig, loadKafkaClientConfig } from './kafka-client-config';
import { kafkaJsConnection } from './kafkajs-connection';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIkey\n-----END PRIVATE KEY-----\n';

/** An in-memory file system: path -> contents. */
function files(map: Record<string, string>) {
  return {
    readFile: (p: string) => {
      const v = map[p];
      if (v === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return v;
    },
  };
}

const load = (env: Record<string, string>, fs: Record<string, string> = {}) =>
  loadKafkaClientConfig(env, files(fs));

/** The setting a KafkaConfigError names (fails the test when something else is thrown). */
function settingOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof KafkaConfigError) return err.setting;
    throw err;
  }
  throw new Error('expected a KafkaConfigError');
}

describe('loadKafkaClientConfig', () => {
  it('defaults to a plaintext broker on 127.0.0.1:9092', () => {
    expect(load({})).toEqual({ brokers: ['127.0.0.1:9092'], securityProtocol: 'PLAINTEXT' });
  });

  it('reads SASL_SSL with SCRAM from the variables, the password from a file', () => {
    const c = load(
      {
        KAFKA_BROKERS: 'k1:9093, k2:9093',
        KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'worker',
        KAFKA_SASL_PASSWORD_FILE: '/s/pw',
        KAFKA_SSL_CA_FILE: '/s/ca.pem',
      },
      { '/s/pw': 'secret\n', '/s/ca.pem': CA },
    );
    expect(c).toEqual({
      brokers: ['k1:9093', 'k2:9093'],
      securityProtocol: 'SASL_SSL',
      tls: { ca: CA, verifyHostname: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'worker', password: 'secret' },
    });
    expect(describeKafkaClientConfig(c)).toBe(
      'k1:9093,k2:9093 SASL_SSL SCRAM-SHA-512 as worker CA from settings',
    );
    expect(describeKafkaClientConfig(c)).not.toContain('secret');
    const k = kafkaJsConnection(c);
    expect(k).toEqual({
      brokers: ['k1:9093', 'k2:9093'],
      ssl: { ca: CA },
      sasl: { mechanism: 'scram-sha-512', username: 'worker', password: 'secret' },
    });
  });

  it('reads a Java client.properties file (SCRAM, PEM trust and key stores, no hostname check)', () => {
    const props = [
      'bootstrap.servers=b1:9094',
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-256',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\',
      '    username="app" password="pa ss";',
      'ssl.truststore.type=PEM',
      'ssl.truststore.location=/c/ca.pem',
      'ssl.keystore.type=PEM',
      'ssl.keystore.certificate.chain=' + CERT.replace(/\n/g, '\\n'),
      'ssl.keystore.key=' + KEY.replace(/\n/g, '\\n'),
      'ssl.key.password=kp',
      'ssl.endpoint.identification.algorithm=',
    ].join('\n');
    const c = load(
      { KAFKA_CLIENT_PROPERTIES: '/c/client.properties' },
      { '/c/client.properties': props, '/c/ca.pem': CA },
    );
    expect(c).toEqual({
      brokers: ['b1:9094'],
      securityProtocol: 'SASL_SSL',
      tls: { ca: CA, cert: CERT.trim(), key: KEY.trim(), passphrase: 'kp', verifyHostname: false },
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'app', password: 'pa ss' },
    });
    const ssl = kafkaJsConnection(c).ssl as { checkServerIdentity?: unknown };
    expect(typeof ssl.checkServerIdentity).toBe('function');
  });

  it('lets the variables override the file', () => {
    const props = [
      'bootstrap.servers=file:9092',
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u1" password="p1";',
    ].join('\n');
    const c = load(
      {
        KAFKA_CLIENT_PROPERTIES: '/p',
        KAFKA_BROKERS: 'env:9092',
        KAFKA_SASL_USERNAME: 'u2',
        KAFKA_SASL_PASSWORD: 'p2',
      },
      { '/p': props },
    );
    expect(c.brokers).toEqual(['env:9092']);
    expect(c.sasl).toEqual({ mechanism: 'PLAIN', username: 'u2', password: 'p2' });
    const c2 = load(
      { KAFKA_CLIENT_PROPERTIES: '/p', KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' },
      { '/p': 'security.protocol=SSL' },
    );
    expect(c2).toEqual({ brokers: ['127.0.0.1:9092'], securityProtocol: 'PLAINTEXT' });
  });

  it('reads an OAUTHBEARER client-credentials setup in either the 3.x or the 4.x key names', () => {
    const v3 = [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=OAUTHBEARER',
      'sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url=https://idp.example/token',
      'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="cid" clientSecret="cs" scope="kafka";',
    ].join('\n');
    const v4 = [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url=https://idp.example/token',
      'sasl.oauthbearer.client.credentials.client.id=cid',
      'sasl.oauthbearer.client.credentials.client.secret=cs',
      'sasl.oauthbearer.scope=kafka',
      'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    ].join('\n');
    for (const text of [v3, v4]) {
      const c = load({ KAFKA_CLIENT_PROPERTIES: '/p' }, { '/p': text });
      expect(c.sasl).toEqual({
        mechanism: 'OAUTHBEARER',
        tokenEndpointUrl: 'https://idp.example/token',
        clientId: 'cid',
        clientSecret: 'cs',
        scope: 'kafka',
      });
      expect(c.tls).toEqual({ verifyHostname: true });
      const sasl = kafkaJsConnection(c).sasl as { mechanism: string; oauthBearerProvider?: unknown };
      expect(sasl.mechanism).toBe('oauthbearer');
      expect(typeof sasl.oauthBearerProvider).toBe('function');
    }
  });

  it('names an unsupported properties key instead of ignoring it', () => {
    const err = (() => {
      try {
        load(
          { KAFKA_CLIENT_PROPERTIES: '/p' },
          { '/p': 'bootstrap.servers=a:1\nclient.dns.lookup=use_all_dns_ips\n' },
        );
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(KafkaConfigError);
    expect(err?.message).toMatch(/^client\.dns\.lookup: is not supported in \/p/);
  });

  it('names what is wrong or missing', () => {
    const cases: Array<[Record<string, string>, Record<string, string>, string]> = [
      [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, {}, 'KAFKA_SECURITY_PROTOCOL'],
      [{ KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, {}, 'KAFKA_SASL_MECHANISM'],
      [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, {}, 'KAFKA_SASL_MECHANISM'],
      [
        { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'x' },
        {},
        'KAFKA_SASL_USERNAME',
      ],
      [
        { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' },
        {},
        'KAFKA_SASL_PASSWORD',
      ],
      [
        {
          KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
          KAFKA_SASL_MECHANISM: 'PLAIN',
          KAFKA_SASL_USERNAME: 'u',
          KAFKA_SASL_PASSWORD_FILE: '/nope',
        },
        {},
        'KAFKA_SASL_PASSWORD_FILE',
      ],
      [
        { KAFKA_SASL_PASSWORD: 'a', KAFKA_SASL_PASSWORD_FILE: '/pw' },
        { '/pw': 'b' },
        'KAFKA_SASL_PASSWORD_FILE',
      ],
      [{ KAFKA_SASL_USERNAME: 'u' }, {}, 'KAFKA_SASL_USERNAME'],
      [{ KAFKA_SSL_CA_FILE: '/ca' }, { '/ca': CA }, 'KAFKA_SSL_CA_FILE'],
      [
        { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/ca' },
        { '/ca': 'not a cert' },
        'KAFKA_SSL_CA_FILE',
      ],
      [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/missing' }, {}, 'KAFKA_SSL_CA_FILE'],
      [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: '/c' }, { '/c': CERT }, 'KAFKA_SSL_KEY_FILE'],
      [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_FILE: '/k' }, { '/k': KEY }, 'KAFKA_SSL_CERT_FILE'],
      [{ KAFKA_BROKERS: 'no-port' }, {}, 'KAFKA_BROKERS'],
      [{ KAFKA_CLIENT_PROPERTIES: '/missing' }, {}, 'KAFKA_CLIENT_PROPERTIES'],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        { '/p': 'ssl.truststore.type=JKS\nsecurity.protocol=SSL' },
        'ssl.truststore.type',
      ],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        { '/p': 'ssl.truststore.location=/t.jks\nsecurity.protocol=SSL' },
        'ssl.truststore.type',
      ],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        {
          '/p': 'security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=com.example.Custom required;',
        },
        'sasl.jaas.config',
      ],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        {
          '/p': 'security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";',
        },
        'sasl.jaas.config',
      ],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        { '/p': 'security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER' },
        'sasl.oauthbearer.token.endpoint.url',
      ],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        { '/p': 'sasl.login.callback.handler.class=com.example.Mine' },
        'sasl.login.callback.handler.class',
      ],
      [
        { KAFKA_CLIENT_PROPERTIES: '/p' },
        { '/p': 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=KERBEROS' },
        'sasl.mechanism',
      ],
      [{ KAFKA_CLIENT_PROPERTIES: '/p' }, { '/p': 'sasl.mechanism=PLAIN' }, 'sasl.mechanism'],
    ];
    for (const [env, fs, setting] of cases)
      expect([env, settingOf(() => load(env, fs))]).toEqual([env, setting]);
  });
});
