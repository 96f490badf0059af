/**
 * The local broker's options, their defaults, its files, and its server.properties: listeners
 * (plain, KRaft controller, extra ones with TLS/SASL), SCRAM users, the authorizer.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { defaultKafkaVersion } from './kafka-jars';
import { REPO_ROOT } from './repo-root';

/** A SCRAM user added when the storage is formatted (KRaft keeps SCRAM credentials in its metadata). */
export interface ScramUser {
  name: string;
  password: string;
  /** @default 'SCRAM-SHA-512' */
  mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
}

/** TLS material of a listener: PEM files (the broker reads PEM key stores since Kafka 2.7). */
export interface ListenerTls {
  /** PEM file holding the broker's encrypted PKCS#8 private key and its certificate chain. */
  keystorePemFile: string;
  /** Password of that key (Kafka requires one for a PEM key store file). */
  keyPassword: string;
  /** PEM file of the CAs whose client certificates the listener accepts (mutual TLS). */
  truststorePemFile?: string;
  /** Require client certificates. @default false */
  requireClientAuth?: boolean;
}

/** An extra listener, for example one whose advertised address is a TCP proxy in front of the broker. */
export interface ExtraListener {
  /** Listener name, upper case (e.g. `PROXY`). */
  name: string;
  /** Port the broker binds on 127.0.0.1. */
  port: number;
  /** Host clients are told to connect to. @default '127.0.0.1' */
  advertisedHost?: string;
  /** Port clients are told to connect to (the proxy's). */
  advertisedPort: number;
  /** @default 'PLAINTEXT' */
  securityProtocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  /** Needed for SSL and SASL_SSL. */
  tls?: ListenerTls;
  /** SASL mechanisms the listener enables (SASL_*). @default ['SCRAM-SHA-512', 'SCRAM-SHA-256'] */
  saslMechanisms?: Array<'SCRAM-SHA-256' | 'SCRAM-SHA-512'>;
}

export interface LocalKafkaOptions {
  /** Client port on 127.0.0.1. @default 9092 */
  port?: number;
  /** KRaft controller port on 127.0.0.1. @default port + 1 */
  controllerPort?: number;
  /** Data, config, pid and log folder. @default <repo>/.data/kafka-<port> */
  dataDir?: string;
  /** More listeners (chaos tests put a proxy in front of these). */
  extraListeners?: ExtraListener[];
  /**
   * The broker's `group.initial.rebalance.delay.ms`. Tests keep 0; benchmarks use Kafka's default
   * (3000), which users' brokers have, to measure what a group join costs. @default 0
   */
  groupInitialRebalanceDelayMs?: number;
  /** JVM heap. @default '1g' */
  heap?: string;
  /** How long `start` waits for the broker to answer. @default 90000 */
  readyTimeoutMs?: number;
  /** Kafka version (its jars are fetched once into tools/kafka/.cache/<version>). @default defaultKafkaVersion(), from tools/kafka/pom.xml */
  version?: string;
  /** SCRAM users created when the storage is formatted (a fresh data folder). */
  scramUsers?: ScramUser[];
  /**
   * Turn on Kafka's `StandardAuthorizer`. `User:ANONYMOUS` (the PLAINTEXT and controller
   * listeners: the broker's own traffic, and local tools on loopback) and `superUsers` may do
   * anything; every other principal only what ACLs grant.
   */
  authorizer?: { superUsers?: string[] };
}

export interface Resolved {
  port: number;
  controllerPort: number;
  dataDir: string;
  extraListeners: ExtraListener[];
  groupInitialRebalanceDelayMs: number;
  heap: string;
  readyTimeoutMs: number;
  version: string;
  scramUsers: ScramUser[];
  authorizer?: { superUsers?: string[] };
}

export function resolve(o: LocalKafkaOptions = {}): Resolved {
  const port = o.port ?? 9092;
  return {
    port,
    controllerPort: o.controllerPort ?? port + 1,
    dataDir: o.dataDir ?? path.join(REPO_ROOT, '.data', `kafka-${port}`),
    extraListeners: o.extraListeners ?? [],
    groupInitialRebalanceDelayMs: o.groupInitialRebalanceDelayMs ?? 0,
    heap: o.heap ?? '1g',
    readyTimeoutMs: o.readyTimeoutMs ?? 90_000,
    version: o.version ?? defaultKafkaVersion(),
    scramUsers: o.scramUsers ?? [],
    ...(o.authorizer ? { authorizer: o.authorizer } : {}),
  };
}

export const kafkaPaths = (o: LocalKafkaOptions = {}) => {
  const r = resolve(o);
  return {
    dataDir: r.dataDir,
    pidFile: path.join(r.dataDir, 'kafka.pid'),
    logFile: path.join(r.dataDir, 'server.log'),
    configFile: path.join(r.dataDir, 'server.properties'),
    logDirs: path.join(r.dataDir, 'logs'),
  };
};

/**
 * A cluster id in Kafka's Uuid text form (16 random bytes, URL-safe base64 without padding).
 * Like Kafka's own `Uuid.randomUuid`, never one starting with '-': StorageTool would take it
 * for an option and refuse to format (1 start in 64 failed that way).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The broker's server.properties (exported for its unit test). */
export function serverProperties(r: Resolved, logDirs: string): string {
  const listeners = [`PLAINTEXT://127.0.0.1:${r.port}`, `CONTROLLER://127.0.0.1:${r.controllerPort}`];
  const advertised = [`PLAINTEXT://127.0.0.1:${r.port}`];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  const security: string[] = [];
  const saslMechanisms = new Set<string>();
  for (const l of r.extraListeners) {
    const protocol = l.securityProtocol ?? 'PLAINTEXT';
    listeners.push(`${l.name}://127.0.0.1:${l.port}`);
    advertised.push(`${l.name}://${l.advertisedHost ?? '127.0.0.1'}:${l.advertisedPort}`);
    protocols.push(`${l.name}:${protocol}`);
    const n = `listener.name.${l.name.toLowerCase()}`;
    if (protocol === 'SSL' || protocol === 'SASL_SSL') {
      if (!l.tls) throw new Error(`listener ${l.name}: ${protocol} needs tls.keystorePemFile`);
      security.push(
        `${n}.ssl.keystore.type=PEM`,
        `${n}.ssl.keystore.location=${l.tls.keystorePemFile}`,
        `${n}.ssl.key.password=${l.tls.keyPassword}`,
      );
      if (l.tls.truststorePemFile)
        security.push(
          `${n}.ssl.truststore.type=PEM`,
          `${n}.ssl.truststore.location=${l.tls.truststorePemFile}`,
        );
      security.push(`${n}.ssl.client.auth=${l.tls.requireClientAuth ? 'required' : 'none'}`);
    }
    if (protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT') {
      const mechanisms = l.saslMechanisms ?? ['SCRAM-SHA-512', 'SCRAM-SHA-256'];
      security.push(`${n}.sasl.enabled.mechanisms=${mechanisms.join(',')}`);
      for (const m of mechanisms) {
        saslMechanisms.add(m);
        security.push(
          `${n}.${m.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        );
      }
    }
  }
  if (r.authorizer) {
    security.push(
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The broker's own listeners (PLAINTEXT, CONTROLLER) authenticate no one: ANONYMOUS must be
      // a super user for the node to talk to itself. Those listeners are bound to loopback only.
      `super.users=${['User:ANONYMOUS', ...(r.authorizer.superUsers ?? [])].join(';')}`,
      'allow.everyone.if.no.acl.found=false',
    );
  }
  if (saslMechanisms.size > 0) security.push(`sasl.enabled.mechanisms=${[...saslMechanisms].join(',')}`);
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${r.controllerPort}`,
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=${advertised.join(',')}`,
    `listener.security.protocol.map=${protocols.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${logDirs}`,
    // One node: the internal topics cannot have more than one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    'default.replication.factor=1',
    // Fewer internal partitions than the default 50: faster first use on a laptop-sized broker.
    'offsets.topic.num.partitions=8',
    'transaction.state.log.num.partitions=8',
    // Local only: production brokers keep the 3 s default (see docs/production.md).
    `group.initial.rebalance.delay.ms=${r.groupInitialRebalanceDelayMs}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'log.flush.interval.messages=9223372036854775807',
    'delete.topic.enable=true',
    // A dropped topic's files go 1 s after the drop, not Kafka's 60 s: tests and benchmarks drop
    // topics all the time, and a benchmark's run paid for the unlinking of earlier runs' gigabyte
    // of logs (about 0.2 s of the broker's CPU) whenever it fell in its window.
    'log.segment.delete.delay.ms=1000',
    ...security,
    '',
  ].join('\n');
}
