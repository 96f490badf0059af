/**
 * Kafka client settings shared by every process of the fleet: `KAFKA_*` variables and Java
 * client.properties -> kafkajs `brokers`/`ssl`/`sasl` (OAUTHBEARER included), and the start check
 * that turns a wrong password, unknown CA or missing ACL into an error that says which.
 */
export { KafkaConfigError, KafkaStartupError } from './errors';
export type { KafkaStartupFailure } from './errors';
export { parseJaasConfig, parseJavaProperties } from './java-properties';
export type { JaasConfig } from './java-properties';
export { SASL_MECHANISMS, SECURITY_PROTOCOLS, kafkaClientEnvSchema } from './kafka-settings';
export type {
  KafkaClientConfig,
  KafkaClientEnv,
  KafkaSaslConfig,
  KafkaTlsConfig,
  SaslMechanism,
  SecurityProtocol,
} from './kafka-settings';
export { SUPPORTED_PROPERTIES } from './client-properties';
export { describeKafkaClientConfig, loadKafkaClientConfig } from './kafka-client-config';
export type { LoadKafkaClientConfigOptions } from './kafka-client-config';
export { kafkaJsConnection } from './kafkajs-connection';
export type { KafkaJsConnectionOptions } from './kafkajs-connection';
export { explainKafkaError, preflightKafka } from './kafka-preflight';
export type { KafkaPreflightOptions, KafkaPreflightResult } from './kafka-preflight';
export { clientCredentialsTokenProvider } from './oauth-token-provider';
export type { ClientCredentialsOptions, OAuthBearerProvider } from './oauth-token-provider';
