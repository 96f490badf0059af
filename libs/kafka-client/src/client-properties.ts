/**
 * A Java client.properties file, as the fleet understands it: the keys supported, JAAS login
 * modules and OAUTHBEARER handlers, PEM trust and key stores. Anything else is an error naming
 * the key, never a silent guess.
 */
import { KafkaConfigError } from './errors';
import { parseJaasConfig } from './java-properties';
import {
  SASL_MECHANISMS,
  SECURITY_PROTOCOLS,
  type ReadSettingFile,
  type SaslMechanism,
  type SecurityProtocol,
} from './kafka-settings';

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

/** What a client.properties file sets, checked but not yet merged with the variables. */
export interface PropertiesSettings {
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

/**
 * Maps a parsed client.properties file to settings. Every key must be supported; stores must be
 * PEM (files named are read now); the JAAS config must use a supported login module.
 * @throws KafkaConfigError naming the key at fault
 */
export function settingsFromProperties(
  p: Map<string, string>,
  file: string,
  read: ReadSettingFile,
): PropertiesSettings {
  const supported = new Set<string>(SUPPORTED_PROPERTIES);
  for (const k of p.keys())
    if (!supported.has(k))
      throw new KafkaConfigError(
        k,
        `is not supported in ${file} (supported: ${SUPPORTED_PROPERTIES.join(', ')}); remove it or use the KAFKA_* variables`,
      );
  const out: PropertiesSettings = {};
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
  const oauth: NonNullable<PropertiesSettings['oauth']> = {};
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
