/**
 * The check a process runs once at start, before it relies on Kafka: connect and describe the
 * cluster (reachability, TLS trust, SASL login), then prove the permissions it needs (initialise
 * a transactional id under the fleet's prefix, describe a group under it). A wrong password, an
 * unknown CA or a missing ACL becomes one {@link KafkaStartupError} that says which, instead of
 * the client's retry loop (kafkajs retries connection errors, TLS ones included, for minutes).
 */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { KafkaStartupError } from './errors';

export interface KafkaPreflightOptions {
  /** kafkajs client id of the probe clients. */
  clientId: string;
  /** Who is checking, for messages (`worker w1`, `controller`). */
  role: string;
  /** Initialise this transactional id (proves WRITE and DESCRIBE on it). */
  transactionalId?: string;
  /** Describe this group (proves DESCRIBE on it, which READ implies). */
  groupId?: string;
  /** Connection and request timeout of the probe. @default 10000 */
  timeoutMs?: number;
  /**
   * While no broker answers at all (`unreachable`: down, restarting, network cut), try again
   * after a backoff (1 s doubling to 10 s) instead of failing, telling `onUnreachable` each time.
   * A broker that answers but refuses (TLS, SASL, ACL) always fails at once.
   */
  waitWhileUnreachable?: {
    onUnreachable: (err: KafkaStartupError, attempt: number) => void;
    signal?: AbortSignal;
  };
}

export interface KafkaPreflightResult {
  clusterId: string;
  brokers: number;
}

/**
 * Runs the start check with its own short-lived clients (no retries on connection errors).
 * @throws KafkaStartupError saying what failed: unreachable, tls, authentication, authorization
 */
export async function preflightKafka(
  connection: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>,
  o: KafkaPreflightOptions,
): Promise<KafkaPreflightResult> {
  const wait = o.waitWhileUnreachable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await preflightOnce(connection, o);
    } catch (err) {
      if (
        !wait ||
        !(err instanceof KafkaStartupError) ||
        err.failure !== 'unreachable' ||
        wait.signal?.aborted
      )
        throw err;
      wait.onUnreachable(err, attempt);
      const delay = Math.min(1_000 * 2 ** (attempt - 1), 10_000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function preflightOnce(
  connection: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>,
  o: KafkaPreflightOptions,
): Promise<KafkaPreflightResult> {
  const timeout = o.timeoutMs ?? 10_000;
  // kafkajs hides why it found no coordinator ("Failed to find group coordinator" for a missing
  // transactional-id or group ACL): the broker's answer appears only in its debug log, so the
  // probe clients collect the errors logged there and the explanation looks at them too.
  const logged: Error[] = [];
  const kafka = new Kafka({
    ...connection,
    clientId: o.clientId,
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const e = (entry.log as { error?: unknown }).error;
      if (e instanceof Error && logged.length < 50) logged.push(e);
    },
    connectionTimeout: timeout,
    authenticationTimeout: timeout,
    requestTimeout: timeout,
    // Authentication and authorization errors are never retried by kafkajs; connection errors
    // (TLS ones included) a few times over about 4 s, so a broker starting just now does not fail the start.
    retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 1_000 },
  });
  const where = Array.isArray(connection.brokers) ? connection.brokers.join(',') : 'the brokers';
  const explain = (err: unknown, resource?: string) =>
    explainKafkaError(err, { role: o.role, where, connection, logged, ...(resource ? { resource } : {}) });
  const admin = kafka.admin();
  let result: KafkaPreflightResult;
  try {
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      result = { clusterId: cluster.clusterId, brokers: cluster.brokers.length };
    } catch (err) {
      throw explain(err);
    }
    if (o.groupId) {
      try {
        // kafkajs throws the group's error (GROUP_AUTHORIZATION_FAILED) from DescribeGroups.
        await admin.describeGroups([o.groupId]);
      } catch (err) {
        throw explain(err, `group ${o.groupId}`);
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (o.transactionalId) {
    const producer = kafka.producer({
      transactionalId: o.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Processes starting together share the probe id: CONCURRENT_TRANSACTIONS is retried.
      retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 1_000 },
    });
    try {
      await producer.connect();
      // The transactional InitProducerId runs on the first transaction() (see eos-core's
      // kafkajs/transactions.ts, which this lib cannot import: kafka-client depends on no lib).
      const tx = await producer.transaction();
      await tx.abort().catch(() => undefined); // empty: nothing to abort; a fence by a sibling probe is fine
    } catch (err) {
      throw explain(err, `transactional id ${o.transactionalId}`);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }
  return result;
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

interface ErrorContext {
  role: string;
  where: string;
  connection: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  /** The resource a permission probe touched. */
  resource?: string;
  /** Errors the client logged meanwhile (kafkajs drops some causes and only logs them). */
  logged?: Error[];
}

/** The errors inside `err` (kafkajs wraps retried errors in `cause` / `originalError`). */
function chain(err: unknown): Array<Error & { type?: string; code?: string; name: string }> {
  const out: Array<Error & { type?: string; code?: string }> = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 10) {
    out.push(e);
    const next =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
    if (next === e) break;
    e = next;
  }
  return out;
}

/** Maps an error met while starting to a {@link KafkaStartupError} that says what to fix. */
export function explainKafkaError(err: unknown, ctx: ErrorContext): KafkaStartupError {
  const errors = [...chain(err), ...(ctx.logged ?? []).flatMap(chain)];
  const mechanism =
    ctx.connection.sasl && typeof ctx.connection.sasl === 'object' && 'mechanism' in ctx.connection.sasl
      ? String(ctx.connection.sasl.mechanism).toUpperCase()
      : undefined;
  const user =
    ctx.connection.sasl && typeof ctx.connection.sasl === 'object' && 'username' in ctx.connection.sasl
      ? String(ctx.connection.sasl.username)
      : undefined;
  const prefix = `${ctx.role} cannot start: Kafka at ${ctx.where}`;
  const startup = errors.find((e): e is KafkaStartupError => e instanceof KafkaStartupError);
  if (startup) return new KafkaStartupError(startup.failure, `${prefix}: ${startup.message}`, { cause: err });

  const authz = errors.find((e) => typeof e.type === 'string' && e.type.endsWith('_AUTHORIZATION_FAILED'));
  if (authz) {
    // The producer's first InitProducerId is idempotent, without the transactional id: it needs
    // IDEMPOTENT_WRITE on the cluster or WRITE on some topic.
    const what =
      authz.type === 'CLUSTER_AUTHORIZATION_FAILED' && ctx.resource?.startsWith('transactional id')
        ? ` (an idempotent producer needs WRITE on some topic, e.g. the pipelines' output topics, or IDEMPOTENT_WRITE on the cluster)`
        : ctx.resource
          ? ` on ${ctx.resource}`
          : '';
    return new KafkaStartupError(
      'authorization',
      `${prefix} denied ${user ? `principal User:${user}` : 'this client'}${what}: ${authz.type}. Grant the ACLs listed in docs/production.md`,
      { cause: err },
    );
  }
  const sasl = errors.find(
    (e) =>
      e.name === 'KafkaJSSASLAuthenticationError' ||
      e.type === 'SASL_AUTHENTICATION_FAILED' ||
      e.type === 'UNSUPPORTED_SASL_MECHANISM' ||
      e.type === 'ILLEGAL_SASL_STATE',
  );
  if (sasl) {
    const hint =
      sasl.type === 'UNSUPPORTED_SASL_MECHANISM'
        ? `the broker's listener does not enable ${mechanism ?? 'this mechanism'} (KAFKA_SASL_MECHANISM)`
        : `wrong username or password${user ? ` for user "${user}"` : ''}${mechanism ? ` (${mechanism})` : ''}? Check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD(_FILE)`;
    return new KafkaStartupError(
      'authentication',
      `${prefix} refused the SASL login: ${hint}. (${sasl.message})`,
      {
        cause: err,
      },
    );
  }
  const tls = errors.find(
    (e) =>
      (e.code !== undefined && TLS_CODES.has(e.code)) ||
      /certificate|self[- ]signed|SSL routines|wrong version number|TLS/i.test(e.message),
  );
  if (tls) {
    const untrusted = /self[- ]signed|unable to (verify|get)|UNABLE_TO|SELF_SIGNED/i.test(
      `${tls.code ?? ''} ${tls.message}`,
    );
    const hint = untrusted
      ? "the broker's certificate is signed by a CA this client does not trust: set KAFKA_SSL_CA_FILE (or ssl.truststore.*) to the CA that signed it"
      : /altname|Hostname|IP: .* is not in the cert/i.test(tls.message)
        ? "the broker's certificate does not name the host in KAFKA_BROKERS"
        : /wrong version number|EPROTO/i.test(`${tls.code ?? ''} ${tls.message}`)
          ? 'the TLS handshake failed: is this listener TLS at all (KAFKA_SECURITY_PROTOCOL)?'
          : 'the TLS handshake failed';
    return new KafkaStartupError('tls', `${prefix}: ${hint}. (${tls.message})`, { cause: err });
  }
  const conn = errors.find(
    (e) => e.name.startsWith('KafkaJSConnection') || e.name === 'KafkaJSNoBrokerAvailableError',
  );
  if (conn) {
    const secure = ctx.connection.ssl
      ? ''
      : ' (a TLS or SASL listener answers a plaintext client by closing the connection: check KAFKA_SECURITY_PROTOCOL)';
    return new KafkaStartupError('unreachable', `${prefix} is not reachable: ${conn.message}${secure}`, {
      cause: err,
    });
  }
  const first = errors[0];
  return new KafkaStartupError('unknown', `${prefix}: ${first ? first.message : String(err)}`, {
    cause: err,
  });
}
