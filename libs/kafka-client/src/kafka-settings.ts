/**
 * The Kafka client settings: the `KAFKA_*` variables, the security protocols and SASL mechanisms
 * supported, and the resolved config every client of the fleet connects with.
 */
import { z } from 'zod';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** The `KAFKA_*` variables (all optional; `loadKafkaClientConfig` fills the defaults). */
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

/** Reads a file a setting names; errors name the setting. */
export type ReadSettingFile = (setting: string, file: string, what: string) => string;
