/**
 * The TLS and SASL halves of the Kafka client settings: the `KAFKA_*` variables and the
 * properties file's settings merged (variables win), checked against the security protocol.
 */
import { KafkaConfigError } from './errors';
import type { PropertiesSettings } from './client-properties';
import {
  SASL_MECHANISMS,
  type KafkaClientEnv,
  type KafkaSaslConfig,
  type KafkaTlsConfig,
  type ReadSettingFile,
  type SecurityProtocol,
} from './kafka-settings';

/** What resolving TLS and SASL needs. */
export interface SecurityInputs {
  env: KafkaClientEnv;
  props: PropertiesSettings;
  read: ReadSettingFile;
  protocol: SecurityProtocol;
  /** Where the protocol came from, for errors. */
  protocolSetting: string;
}

/**
 * TLS settings for SSL and SASL_SSL (variables replace the file's stores one by one), undefined
 * for the other protocols, where any TLS setting is an error.
 */
export function resolveTls({
  env: e,
  props,
  read,
  protocol,
  protocolSetting,
}: SecurityInputs): KafkaTlsConfig | undefined {
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
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
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
    return {
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(props.keyPassword !== undefined ? { passphrase: props.keyPassword } : {}),
      verifyHostname: props.verifyHostname ?? true,
    };
  }
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
  return undefined;
}

/**
 * SASL settings for SASL_PLAINTEXT and SASL_SSL: a user and password (PLAIN, SCRAM) or OAuth
 * client credentials (OAUTHBEARER); undefined for the other protocols, where any SASL setting is
 * an error.
 */
export function resolveSasl({
  env: e,
  props,
  read,
  protocol,
  protocolSetting,
}: SecurityInputs): KafkaSaslConfig | undefined {
  const mechanism = e.KAFKA_SASL_MECHANISM ?? props.mechanism;
  if (e.KAFKA_SASL_PASSWORD && e.KAFKA_SASL_PASSWORD_FILE)
    throw new KafkaConfigError(
      'KAFKA_SASL_PASSWORD_FILE',
      'set only one of KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE',
    );
  const envPassword = e.KAFKA_SASL_PASSWORD_FILE
    ? read('KAFKA_SASL_PASSWORD_FILE', e.KAFKA_SASL_PASSWORD_FILE, 'password').replace(/\r?\n$/, '')
    : e.KAFKA_SASL_PASSWORD;
  if (protocol !== 'SASL_PLAINTEXT' && protocol !== 'SASL_SSL') {
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
    return undefined;
  }
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
    return {
      mechanism,
      tokenEndpointUrl: o.tokenEndpointUrl,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      ...(o.scope ? { scope: o.scope } : {}),
    };
  }
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
  return { mechanism, username, password };
}
