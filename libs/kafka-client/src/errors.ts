/**
 * Errors of the Kafka client settings, grouped by what the caller must do: both are fatal at
 * start (fix the configuration, the credentials or the ACLs), never retried.
 */

/** The Kafka settings (variables or client.properties) are wrong; the message names the setting. */
export class KafkaConfigError extends Error {
  constructor(
    /** The variable or properties key at fault, e.g. `KAFKA_SSL_CA_FILE` or `ssl.truststore.type`. */
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${setting}: ${message}`, options);
    this.name = 'KafkaConfigError';
  }
}

/** What went wrong when a process first talked to Kafka. */
export type KafkaStartupFailure =
  'unreachable' | 'tls' | 'authentication' | 'authorization' | 'oauth-token' | 'unknown';

/**
 * A process could not start because Kafka refused or could not be reached: the message says which
 * (wrong password, unknown CA, missing ACL with the resource, ...) and what to check.
 */
export class KafkaStartupError extends Error {
  constructor(
    readonly failure: KafkaStartupFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaStartupError';
  }
}
