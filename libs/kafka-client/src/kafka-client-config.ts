/**
 * The Kafka connection settings every client of the fleet uses (controller, worker, tools), from
 * `KAFKA_*` variables and/or a Java `client.properties` file (`KAFKA_CLIENT_PROPERTIES`), the one
 * users already have for their Java apps. Variables override the file. A properties key that is
 * not supported is an error naming it: a setting silently ignored (say a trust store) would turn
 * into a confusing failure later, or into a connection weaker than the user asked for.
 *
 * Libs never read `process.env`: the apps' `loadConfig(env)` passes their environment in.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { KafkaConfigError } from './errors';
import { parseJaasConfig, parseJavaProperties } from './java-properties';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** The `KAFKA_*` variables (all optional; defaults are filled by {@link loadKafkaClientConfig}). */
export const kafkaClientEnvSchema = z.object({
  /** Comma-separated bootstrap brokers. @default bootstrap.servers of the properties file, else '127.0.0.1:9092' */
  KAFKA_BROKERS: z.string().min(1).optional(),
  /** PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. @default security.protocol of the file, else PLAINTEXT */
  KAFKA_SECURITY_PROTOCOL: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(SECURITY_PROTOCOLS))
    .optional(),
  /** PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (SASL_* protocols only). */
  KAFKA_SASL_MECHANISM: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(SASL_MECHANISMS))
    .optional(),
  /** SASL user (PLAIN, SCRAM). */
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** SASL password (PLAIN, SCRAM); prefer KAFKA_SASL_PASSWORD_FILE. */
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** File holding the SASL password (one line; a trailing newline is dropped). */
  KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
  /** PEM file of the CA certificate(s) that signed the brokers' certificates. @default the system's CAs */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /** PEM client certificate (chain) for mutual TLS; needs KAFKA_SSL_KEY_FILE. */
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of KAFKA_SSL_CERT_FILE (unencrypted, or see ssl.key.password in the file). */
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  /** A Java client.properties file (see docs/production.md for the keys supported). */
  KAFKA_CLIENT_PROPERTIES: z.string().min(1).optional(),
});
export type KafkaClientEnv = z.infer<typeof kafkaClientEnvSchema>;

/** SASL settings, resolved. */
export type KafkaSaslConfig =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | {
      mechanism: 'OAUTHBEARER';
      /** OAuth 2 token endpoint (client-credentials grant). */
      tokenEndpointUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
    };

/** TLS settings, resolved (PEM contents, not paths). */
export interface KafkaTlsConfig {
  /** CA certificates; undefined: Node's default trust store. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** Check that the broker's certificate names the host (Java's `ssl.endpoint.identification.algorithm=https`). @default true */
  verifyHostname: boolean;
}

/** Everything a Kafka client of the fleet needs to connect. */
export interface KafkaClientConfig {
  brokers: string[];
  securityProtocol: SecurityProtocol;
  /** Set for SSL and SASL_SSL. */
  tls?: KafkaTlsConfig;
  /** Set for SASL_PLAINTEXT and SASL_SSL. */
  sasl?: KafkaSaslConfig;
}

export interface LoadKafkaClientConfigOptions {
  /** Reads a file as UTF-8 (tests replace it). @default fs.readFileSync */
  readFile?: (path: string) => string;
}

/** Keys of client.properties this loader understands; any other key is an error naming it. */
export const SUPPORTED_PROPERTIES = [
  'bootstrap.servers',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.login.callback.handler.class',
  'sasl.oauthbearer.token.endpoint.url',
  'sasl.oauthbearer.client.credentials.client.id',
  'sasl.oauthbearer.client.credentials.client.secret',
  'sasl.oauthbearer.scope',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.certificates',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.key.password',
  'ssl.endpoint.identification.algorithm',
] as const;

const LOGIN_MODULES = {
  plain: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  scram: 'org.apache.kafka.common.security.scram.ScramLoginModule',
  oauth: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
};
/** Kafka's client-credentials login handler: 3.x name, and the 4.x name (KIP-1139 moved it). */
const OAUTH_HANDLERS = [
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
];

/**
 * Resolves the Kafka client settings from the environment (and the properties file it names).
 * Reads the files it names (password, CA, certificate, key) now, so a missing file fails at start.
 * @throws KafkaConfigError naming the variable or properties key at fault
 */
export function loadKafkaClientConfig(
  env: Record<string, string | undefined>,
  options: LoadKafkaClientConfigOptions = {},
): KafkaClientConfig {
  const readFile = options.readFile ?? ((p: string) => fs.readFileSync(p, 'utf8'));
  const parsed = kafkaClientEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'KAFKA_*');
    const hint =
      name === 'KAFKA_SECURITY_PROTOCOL'
        ? `one of ${SECURITY_PROTOCOLS.join(', ')}`
        : name === 'KAFKA_SASL_MECHANISM'
          ? `one of ${SASL_MECHANISMS.join(', ')}`
          : (issue?.message ?? 'invalid');
    throw new KafkaConfigError(name, `"${env[name] ?? ''}" is not valid: ${hint}`);
  }
  const e = parsed.data;
  const read = (setting: string, file: string, what: string) => {
    try {
      return readFile(file);
    } catch (err) {
      throw new KafkaConfigError(setting, `cannot read the ${what} file ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };

  const props = e.KAFKA_CLIENT_PROPERTIES
    ? fromProperties(
        parseJavaProperties(read('KAFKA_CLIENT_PROPERTIES', e.KAFKA_CLIENT_PROPERTIES, 'client properties')),
        e.KAFKA_CLIENT_PROPERTIES,
        read,
      )
    : {};

  const brokersText = e.KAFKA_BROKERS ?? props.brokers ?? '127.0.0.1:9092';
  const brokers = brokersText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new KafkaConfigError('KAFKA_BROKERS', 'no broker given');
  for (const b of brokers)
    if (!/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b))
      throw new KafkaConfigError(
        e.KAFKA_BROKERS ? 'KAFKA_BROKERS' : 'bootstrap.servers',
        `"${b}" is not host:port`,
      );

  const protocol: SecurityProtocol = e.KAFKA_SECURITY_PROTOCOL ?? props.protocol ?? 'PLAINTEXT';
  const protocolSetting = e.KAFKA_SECURITY_PROTOCOL
    ? 'KAFKA_SECURITY_PROTOCOL'
    : props.protocol
      ? 'security.protocol'
      : 'KAFKA_SECURITY_PROTOCOL (default PLAINTEXT)';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';

  // TLS: variables replace the file's stores one by one.
  let tls: KafkaTlsConfig | undefined;
  const ca = e.KAFKA_SSL_CA_FILE ? read('KAFKA_SSL_CA_FILE', e.KAFKA_SSL_CA_FILE, 'CA') : props.ca;
  let cert = props.cert;
  let key = props.key;
  if (e.KAFKA_SSL_CERT_FILE || e.KAFKA_SSL_KEY_FILE) {
    if (!e.KAFKA_SSL_CERT_FILE)
      throw new KafkaConfigError('KAFKA_SSL_CERT_FILE', 'is required with KAFKA_SSL_KEY_FILE');
    if (!e.KAFKA_SSL_KEY_FILE)
      throw new KafkaConfigError('KAFKA_SSL_KEY_FILE', 'is required with KAFKA_SSL_CERT_FILE');
    cert = read('KAFKA_SSL_CERT_FILE', e.KAFKA_SSL_CERT_FILE, 'certificate');
    key = read('KAFKA_SSL_KEY_FILE', e.KAFKA_SSL_KEY_FILE, 'private key');
  }
  if (usesTls) {
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new KafkaConfigError(
        e.KAFKA_SSL_CA_FILE ? 'KAFKA_SSL_CA_FILE' : 'ssl.truststore',
        'holds no PEM certificate',
      );
    if (key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
      throw new KafkaConfigError(
        e.KAFKA_SSL_KEY_FILE ? 'KAFKA_SSL_KEY_FILE' : 'ssl.keystore',
        'holds no PEM private key',
      );
    tls = {
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(props.keyPassword !== undefined ? { passphrase: props.keyPassword } : {}),
      verifyHostname: props.verifyHostname ?? true,
    };
  } else {
    const tlsSetting = e.KAFKA_SSL_CA_FILE
      ? 'KAFKA_SSL_CA_FILE'
      : e.KAFKA_SSL_CERT_FILE
        ? 'KAFKA_SSL_CERT_FILE'
        : props.tlsKey;
    if (tlsSetting)
      throw new KafkaConfigError(
        tlsSetting,
        `is a TLS setting, but the security protocol is ${protocol} (${protocolSetting})`,
      );
  }

  // SASL.
  let sasl: KafkaSaslConfig | undefined;
  const mechanism = e.KAFKA_SASL_MECHANISM ?? props.mechanism;
  if (e.KAFKA_SASL_PASSWORD && e.KAFKA_SASL_PASSWORD_FILE)
    throw new KafkaConfigError(
      'KAFKA_SASL_PASSWORD_FILE',
      'set only one of KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE',
    );
  const envPassword = e.KAFKA_SASL_PASSWORD_FILE
    ? read('KAFKA_SASL_PASSWORD_FILE', e.KAFKA_SASL_PASSWORD_FILE, 'password').replace(/\r?\n$/, '')
    : e.KAFKA_SASL_PASSWORD;
  if (usesSasl) {
    if (!mechanism)
      throw new KafkaConfigError(
        'KAFKA_SASL_MECHANISM',
        `is required with ${protocol} (${SASL_MECHANISMS.join(', ')}; or sasl.mechanism in the properties file)`,
      );
    if (mechanism === 'OAUTHBEARER') {
      if (e.KAFKA_SASL_USERNAME || envPassword)
        throw new KafkaConfigError(
          e.KAFKA_SASL_USERNAME ? 'KAFKA_SASL_USERNAME' : 'KAFKA_SASL_PASSWORD',
          'does not apply to OAUTHBEARER (set the client id and secret in the properties file)',
        );
      const o = props.oauth ?? {};
      if (!o.tokenEndpointUrl)
        throw new KafkaConfigError('sasl.oauthbearer.token.endpoint.url', 'is required with OAUTHBEARER');
      if (!/^https?:\/\//.test(o.tokenEndpointUrl))
        throw new KafkaConfigError(
          'sasl.oauthbearer.token.endpoint.url',
          `"${o.tokenEndpointUrl}" is not an http(s) URL`,
        );
      if (!o.clientId)
        throw new KafkaConfigError(
          'sasl.jaas.config',
          'OAUTHBEARER needs clientId (or sasl.oauthbearer.client.credentials.client.id)',
        );
      if (!o.clientSecret)
        throw new KafkaConfigError(
          'sasl.jaas.config',
          'OAUTHBEARER needs clientSecret (or sasl.oauthbearer.client.credentials.client.secret)',
        );
      sasl = {
        mechanism,
        tokenEndpointUrl: o.tokenEndpointUrl,
        clientId: o.clientId,
        clientSecret: o.clientSecret,
        ...(o.scope ? { scope: o.scope } : {}),
      };
    } else {
      if (props.loginModule === 'oauth')
        throw new KafkaConfigError(
          'sasl.jaas.config',
          `OAuthBearerLoginModule does not fit sasl mechanism ${mechanism}`,
        );
      if (props.loginModule === 'plain' && mechanism !== 'PLAIN')
        throw new KafkaConfigError(
          'sasl.jaas.config',
          `PlainLoginModule does not fit sasl mechanism ${mechanism}`,
        );
      if (props.loginModule === 'scram' && mechanism === 'PLAIN')
        throw new KafkaConfigError('sasl.jaas.config', 'ScramLoginModule does not fit sasl mechanism PLAIN');
      const username = e.KAFKA_SASL_USERNAME ?? props.username;
      const password = envPassword ?? props.password;
      if (!username)
        throw new KafkaConfigError(
          'KAFKA_SASL_USERNAME',
          `is required with ${mechanism} (or username in sasl.jaas.config)`,
        );
      if (!password)
        throw new KafkaConfigError(
          'KAFKA_SASL_PASSWORD',
          `is required with ${mechanism} (or KAFKA_SASL_PASSWORD_FILE, or password in sasl.jaas.config)`,
        );
      sasl = { mechanism, username, password };
    }
  } else {
    const saslSetting = e.KAFKA_SASL_MECHANISM
      ? 'KAFKA_SASL_MECHANISM'
      : e.KAFKA_SASL_USERNAME
        ? 'KAFKA_SASL_USERNAME'
        : e.KAFKA_SASL_PASSWORD
          ? 'KAFKA_SASL_PASSWORD'
          : e.KAFKA_SASL_PASSWORD_FILE
            ? 'KAFKA_SASL_PASSWORD_FILE'
            : props.saslKey;
    if (saslSetting)
      throw new KafkaConfigError(
        saslSetting,
        `is a SASL setting, but the security protocol is ${protocol} (${protocolSetting})`,
      );
  }

  return {
    brokers,
    securityProtocol: protocol,
    ...(tls ? { tls } : {}),
    ...(sasl ? { sasl } : {}),
  };
}

/** One line for logs: protocol, mechanism, user and where trust comes from; never a secret. */
export function describeKafkaClientConfig(c: KafkaClientConfig): string {
  const parts = [c.brokers.join(','), c.securityProtocol];
  if (c.sasl)
    parts.push(
      c.sasl.mechanism === 'OAUTHBEARER'
        ? `OAUTHBEARER client ${c.sasl.clientId} via ${c.sasl.tokenEndpointUrl}`
        : `${c.sasl.mechanism} as ${c.sasl.username}`,
    );
  if (c.tls) {
    parts.push(c.tls.ca ? 'CA from settings' : 'system CAs');
    if (c.tls.cert) parts.push('client certificate');
    if (!c.tls.verifyHostname) parts.push('hostname not verified');
  }
  return parts.join(' ');
}

interface FromProperties {
  brokers?: string;
  protocol?: SecurityProtocol;
  mechanism?: SaslMechanism;
  loginModule?: 'plain' | 'scram' | 'oauth';
  username?: string;
  password?: string;
  oauth?: { tokenEndpointUrl?: string; clientId?: string; clientSecret?: string; scope?: string };
  ca?: string;
  cert?: string;
  key?: string;
  keyPassword?: string;
  verifyHostname?: boolean;
  /** A TLS key present (to name it when the protocol has no TLS). */
  tlsKey?: string;
  /** A SASL key present (to name it when the protocol has no SASL). */
  saslKey?: string;
}

function fromProperties(
  p: Map<string, string>,
  file: string,
  read: (setting: string, file: string, what: string) => string,
): FromProperties {
  const supported = new Set<string>(SUPPORTED_PROPERTIES);
  for (const k of p.keys())
    if (!supported.has(k))
      throw new KafkaConfigError(
        k,
        `is not supported in ${file} (supported: ${SUPPORTED_PROPERTIES.join(', ')}); remove it or use the KAFKA_* variables`,
      );
  const out: FromProperties = {};
  const get = (k: string) => {
    const v = p.get(k)?.trim();
    return v === '' ? undefined : v;
  };
  out.brokers = get('bootstrap.servers');
  const protocol = get('security.protocol')?.toUpperCase();
  if (protocol !== undefined) {
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol))
      throw new KafkaConfigError(
        'security.protocol',
        `"${protocol}" is not one of ${SECURITY_PROTOCOLS.join(', ')}`,
      );
    out.protocol = protocol as SecurityProtocol;
  }
  const mechanism = get('sasl.mechanism')?.toUpperCase();
  if (mechanism !== undefined) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      throw new KafkaConfigError(
        'sasl.mechanism',
        `"${mechanism}" is not one of ${SASL_MECHANISMS.join(', ')}`,
      );
    out.mechanism = mechanism as SaslMechanism;
  }
  const oauth: NonNullable<FromProperties['oauth']> = {};
  const jaas = get('sasl.jaas.config');
  if (jaas !== undefined) {
    let parsed;
    try {
      parsed = parseJaasConfig(jaas);
    } catch (err) {
      throw new KafkaConfigError('sasl.jaas.config', (err as Error).message, { cause: err });
    }
    const allowed =
      parsed.loginModule === LOGIN_MODULES.plain || parsed.loginModule === LOGIN_MODULES.scram
        ? ['username', 'password']
        : parsed.loginModule === LOGIN_MODULES.oauth
          ? ['clientId', 'clientSecret', 'scope']
          : undefined;
    if (!allowed)
      throw new KafkaConfigError(
        'sasl.jaas.config',
        `login module ${parsed.loginModule} is not supported (PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule)`,
      );
    for (const k of parsed.options.keys())
      if (!allowed.includes(k))
        throw new KafkaConfigError(
          'sasl.jaas.config',
          `option "${k}" of ${parsed.loginModule} is not supported (${allowed.join(', ')})`,
        );
    out.loginModule =
      parsed.loginModule === LOGIN_MODULES.plain
        ? 'plain'
        : parsed.loginModule === LOGIN_MODULES.scram
          ? 'scram'
          : 'oauth';
    out.username = parsed.options.get('username');
    out.password = parsed.options.get('password');
    oauth.clientId = parsed.options.get('clientId');
    oauth.clientSecret = parsed.options.get('clientSecret');
    oauth.scope = parsed.options.get('scope');
  }
  const handler = get('sasl.login.callback.handler.class');
  if (handler !== undefined && !OAUTH_HANDLERS.includes(handler))
    throw new KafkaConfigError(
      'sasl.login.callback.handler.class',
      `${handler} is not supported (only Kafka's OAuthBearerLoginCallbackHandler, the client-credentials grant)`,
    );
  oauth.tokenEndpointUrl = get('sasl.oauthbearer.token.endpoint.url');
  oauth.clientId = get('sasl.oauthbearer.client.credentials.client.id') ?? oauth.clientId;
  oauth.clientSecret = get('sasl.oauthbearer.client.credentials.client.secret') ?? oauth.clientSecret;
  oauth.scope = get('sasl.oauthbearer.scope') ?? oauth.scope;
  out.oauth = oauth;
  out.saslKey = [...p.keys()].find((k) => k.startsWith('sasl.'));

  // Trust and key stores: PEM only (a JKS or PKCS12 store needs a JVM to read).
  for (const kind of ['truststore', 'keystore'] as const) {
    const typeKey = `ssl.${kind}.type`;
    const type = get(typeKey)?.toUpperCase();
    const has = [...p.keys()].some((k) => k.startsWith(`ssl.${kind}.`) && k !== typeKey);
    if (type !== undefined && type !== 'PEM')
      throw new KafkaConfigError(
        typeKey,
        `${type} is not supported: use PEM (convert with keytool -importkeystore and openssl)`,
      );
    if (has && type === undefined)
      throw new KafkaConfigError(
        typeKey,
        `is required (PEM) with the other ssl.${kind}.* keys (Java's default is JKS, which is not supported)`,
      );
  }
  const trustLocation = get('ssl.truststore.location');
  if (trustLocation !== undefined && get('ssl.truststore.certificates') !== undefined)
    throw new KafkaConfigError(
      'ssl.truststore.certificates',
      'set only one of ssl.truststore.location and ssl.truststore.certificates',
    );
  out.ca = trustLocation
    ? read('ssl.truststore.location', trustLocation, 'trust store')
    : get('ssl.truststore.certificates');
  const keyLocation = get('ssl.keystore.location');
  if (keyLocation !== undefined) {
    if (get('ssl.keystore.certificate.chain') !== undefined || get('ssl.keystore.key') !== undefined)
      throw new KafkaConfigError(
        'ssl.keystore.location',
        'set either ssl.keystore.location or ssl.keystore.certificate.chain + ssl.keystore.key',
      );
    // A PEM key store file holds the private key and the certificate chain together.
    const pem = read('ssl.keystore.location', keyLocation, 'key store');
    out.key = pem;
    out.cert = pem;
  } else {
    out.cert = get('ssl.keystore.certificate.chain');
    out.key = get('ssl.keystore.key');
    if ((out.cert === undefined) !== (out.key === undefined))
      throw new KafkaConfigError(
        out.cert === undefined ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key',
        'ssl.keystore.certificate.chain and ssl.keystore.key go together',
      );
  }
  out.keyPassword = get('ssl.key.password');
  const algo = p.get('ssl.endpoint.identification.algorithm');
  if (algo !== undefined) {
    const a = algo.trim().toLowerCase();
    if (a !== '' && a !== 'https')
      throw new KafkaConfigError(
        'ssl.endpoint.identification.algorithm',
        `"${algo}" is not supported ("https" or empty)`,
      );
    out.verifyHostname = a === 'https';
  }
  out.tlsKey = [...p.keys()].find((k) => k.startsWith('ssl.'));
  return out;
}
