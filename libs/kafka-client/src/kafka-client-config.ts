/**
 * The Kafka connection settings every client of the fleet uses (controller, worker, tools), from
 * `KAFKA_*` variables and/or a Java `client.properties` file (`KAFKA_CLIENT_PROPERTIES`), the one
 * users already have for their Java apps. Variables override the file. A properties key that is
 * not supported is an error naming it: a setting silently ignored (say a trust store) would turn
 * into a confusing failure later, or into a connection weaker than the user asked for.
 *
 * Libs never read `process.env`: the apps' `loadConfig(env)` passes their environment in.
 *
 * The parts: the variables and the resolved types in kafka-settings.ts, the properties file in
 * client-properties.ts, TLS and SASL (merging the two) in client-security.ts.
 */
import * as fs from 'node:fs';
import { settingsFromProperties } from './client-properties';
import { resolveSasl, resolveTls } from './client-security';
import { KafkaConfigError } from './errors';
import { parseJavaProperties } from './java-properties';
import {
  SASL_MECHANISMS,
  SECURITY_PROTOCOLS,
  kafkaClientEnvSchema,
  type KafkaClientConfig,
  type ReadSettingFile,
  type SecurityProtocol,
} from './kafka-settings';

export interface LoadKafkaClientConfigOptions {
  /** Reads a file as UTF-8 (tests replace it). @default fs.readFileSync */
  readFile?: (path: string) => string;
}

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
  const read: ReadSettingFile = (setting, file, what) => {
    try {
      return readFile(file);
    } catch (err) {
      throw new KafkaConfigError(setting, `cannot read the ${what} file ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };

  const props = e.KAFKA_CLIENT_PROPERTIES
    ? settingsFromProperties(
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
  const security = { env: e, props, read, protocol, protocolSetting };
  const tls = resolveTls(security);
  const sasl = resolveSasl(security);

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
