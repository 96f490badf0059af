/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) on loopback, run
 * from the jars Maven Central serves (see tools/kafka/pom.xml): Kafka 4.x by default, 3.9 on
 * request (`version`; the tools take it from `KAFKA_VERSION`). Each version has its own jar cache
 * (`tools/kafka/.cache/<version>/libs`). Optionally with SASL/TLS listeners, SCRAM users and
 * Kafka's `StandardAuthorizer` (see docs/production.md). Used by the tests, the local stack and CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { readLivePid, spawnDetached, stopPid, tail, waitFor } from './processes';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
const KAFKA_DIR = path.join(REPO_ROOT, 'tools/kafka');

let pomVersion: string | undefined;
/**
 * The Kafka version the local broker runs unless told otherwise (`KAFKA_VERSION`): the
 * `kafka.version` property of tools/kafka/pom.xml, the one place it is set (the newest 4.x that
 * Maven Central serves and Java 17 runs).
 */
export function defaultKafkaVersion(): string {
  if (pomVersion === undefined) {
    const pom = fs.readFileSync(path.join(KAFKA_DIR, 'pom.xml'), 'utf8');
    const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
    if (!m) throw new Error('tools/kafka/pom.xml has no <kafka.version> property');
    pomVersion = (m[1] as string).trim();
  }
  return pomVersion;
}

/** The version a tool should run: `KAFKA_VERSION` from the environment it is given, else the default. */
export function kafkaVersionFromEnv(env: Record<string, string | undefined>): string {
  const v = env['KAFKA_VERSION']?.trim();
  if (!v) return defaultKafkaVersion();
  if (!/^\d+\.\d+\.\d+$/.test(v))
    throw new Error(`KAFKA_VERSION: "${v}" is not a Kafka version like 4.4.0 or 3.9.1`);
  return v;
}

const majorOf = (version: string) => Number(version.split('.')[0]);
const libsDir = (version: string) => path.join(KAFKA_DIR, '.cache', version, 'libs');

/**
 * JVM flags that configure the logging of Kafka's own code for `version`: 3.x logs through
 * reload4j (log4j 1 API, `log4j.properties`), 4.x through log4j2 (`log4j2.properties`; the jars
 * bring log4j-api/core 2 and slf4j-api 1.7, and the pom adds the matching log4j-slf4j-impl
 * binding). `quiet` (command-line tools whose stdout is parsed): warnings and errors to stderr only.
 */
export function kafkaLogArgs(version: string, quiet = false): string[] {
  if (majorOf(version) >= 4)
    return [
      `-Dlog4j2.configurationFile=${path.join(KAFKA_DIR, quiet ? 'log4j2-tools.properties' : 'log4j2.properties')}`,
    ];
  return [
    `-Dlog4j.configuration=file:${path.join(KAFKA_DIR, quiet ? 'log4j-tools.properties' : 'log4j.properties')}`,
  ];
}

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

interface Resolved {
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
 * Downloads the broker jars of `version` from Maven Central once (`mvn dependency:copy-dependencies`
 * into tools/kafka/.cache/<version>/libs, with the logging binding that fits the version).
 */
export function ensureKafkaJars(version: string = defaultKafkaVersion()): void {
  const dir = libsDir(version);
  const jar = `kafka_2.13-${version}.jar`;
  if (fs.existsSync(path.join(dir, jar))) return;
  process.stderr.write(`[kafka] fetching Apache Kafka ${version} jars from Maven Central...\n`);
  const res = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(KAFKA_DIR, 'pom.xml'),
      `-Dkafka.version=${version}`,
      '-P',
      majorOf(version) >= 4 ? 'log4j2' : 'reload4j',
      'dependency:copy-dependencies',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (res.status !== 0)
    throw new Error(
      `mvn dependency:copy-dependencies for Kafka ${version} failed (exit ${res.status}); is Maven installed, and does Maven Central serve that version?`,
    );
  if (!fs.existsSync(path.join(dir, jar)))
    throw new Error(`Kafka ${version}: ${jar} missing in ${dir} after mvn`);
}

/** The Java classpath of Kafka `version`'s jars. */
export const kafkaClasspath = (version: string = defaultKafkaVersion()) => `${libsDir(version)}/*`;

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
    ...security,
    '',
  ].join('\n');
}

/** True when a broker answers a metadata request at `brokers`. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 2_000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'eos-tools-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface KafkaHandle {
  brokers: string[];
  /** Pid of the broker when this tool started it (now or earlier); undefined for a broker run by someone else. */
  pid: number | undefined;
  /** True when this call started the broker. */
  startedNow: boolean;
  startMs: number;
}

/**
 * Starts the broker unless one already answers on the port. Idempotent: a second call finds the
 * running broker. Waits for readiness by asking the broker (describeCluster), never by sleeping.
 */
export async function startKafka(options: LocalKafkaOptions = {}): Promise<KafkaHandle> {
  const r = resolve(options);
  const p = kafkaPaths(options);
  const brokers = [`127.0.0.1:${r.port}`];
  const t0 = Date.now();
  const ours = readLivePid(p.pidFile, 'kafka.Kafka');
  if (await kafkaAnswers(brokers)) return { brokers, pid: ours, startedNow: false, startMs: 0 };
  if (ours !== undefined) {
    // Ours, still starting (or wedged): wait for it rather than starting a second one.
    await waitFor(`Kafka on ${brokers[0]}`, () => kafkaAnswers(brokers), { timeoutMs: r.readyTimeoutMs });
    return { brokers, pid: ours, startedNow: false, startMs: Date.now() - t0 };
  }

  ensureKafkaJars(r.version);
  fs.mkdirSync(p.logDirs, { recursive: true });
  fs.writeFileSync(p.configFile, serverProperties(r, p.logDirs));
  const versionFile = path.join(r.dataDir, 'kafka-version');
  if (!fs.existsSync(path.join(p.logDirs, 'meta.properties'))) {
    const clusterId = newClusterId();
    const scram = r.scramUsers.flatMap((u) => [
      '--add-scram',
      `${u.mechanism ?? 'SCRAM-SHA-512'}=[name=${u.name},password=${u.password}]`,
    ]);
    execFileSync(
      'java',
      [
        ...kafkaLogArgs(r.version, true),
        '-cp',
        kafkaClasspath(r.version),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        p.configFile,
        ...scram,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    fs.writeFileSync(versionFile, `${r.version}\n`);
  } else {
    // Data of another version: a newer one's metadata cannot be read by an older broker, and a
    // silent upgrade would change what an existing local setup tests. Say so instead.
    const had = fs.existsSync(versionFile) ? fs.readFileSync(versionFile, 'utf8').trim() : '3.9.1';
    if (had !== r.version)
      throw new Error(
        `${r.dataDir} holds the data of Kafka ${had}, not ${r.version}: run Kafka ${had} (KAFKA_VERSION=${had}), use another port, or delete that folder`,
      );
  }
  const child = spawnDetached(
    'java',
    [
      `-Xms${r.heap}`,
      `-Xmx${r.heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      ...kafkaLogArgs(r.version),
      `-Dkafka.logs.dir=${r.dataDir}`,
      '-cp',
      kafkaClasspath(r.version),
      'kafka.Kafka',
      p.configFile,
    ],
    p.logFile,
  );
  const pid = child.pid as number;
  fs.writeFileSync(p.pidFile, `${pid}\n`);
  try {
    await waitFor(
      `Kafka on ${brokers[0]}`,
      async () => {
        if (readLivePid(p.pidFile, 'kafka.Kafka') === undefined) {
          throw new Error(`the broker exited during start; last log lines:\n${tail(p.logFile)}`);
        }
        return kafkaAnswers(brokers);
      },
      { timeoutMs: r.readyTimeoutMs },
    );
  } catch (err) {
    await stopPid(pid, 5_000);
    throw err;
  }
  return { brokers, pid, startedNow: true, startMs: Date.now() - t0 };
}

/** Stops the broker this tool started (by its pid file). Never touches a broker started otherwise. */
export async function stopKafka(options: LocalKafkaOptions = {}): Promise<boolean> {
  const p = kafkaPaths(options);
  const pid = readLivePid(p.pidFile, 'kafka.Kafka');
  if (pid === undefined) {
    fs.rmSync(p.pidFile, { force: true });
    return false;
  }
  await stopPid(pid, 30_000);
  fs.rmSync(p.pidFile, { force: true });
  return true;
}

/** SIGKILLs the broker this tool started (chaos tests); the next `startKafka` recovers its data. */
export function killKafka(options: LocalKafkaOptions = {}): boolean {
  const p = kafkaPaths(options);
  const pid = readLivePid(p.pidFile, 'kafka.Kafka');
  if (pid === undefined) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}

/**
 * Finalized feature levels from Kafka's `FeatureCommand describe` output (`Feature: x ...
 * FinalizedVersionLevel: y`); a feature the broker knows but has not finalized reads `0`... as it
 * prints it (`-` on 3.9 for unfinalized ones is kept as is).
 */
export function parseFeatures(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const m of out.matchAll(/Feature: (\S+)\s.*?FinalizedVersionLevel: (\S+)/g))
    r[m[1] as string] = m[2] as string;
  return r;
}

/**
 * The broker's own account of its version: the `Kafka version` line it logs at start (when this
 * tool started it) and the `metadata.version` it reports to DescribeFeatures.
 */
export function brokerVersion(brokers: string[], options: LocalKafkaOptions = {}): string {
  const parts: string[] = [];
  const logFile = kafkaPaths(options).logFile;
  if (fs.existsSync(logFile)) {
    const m = [...fs.readFileSync(logFile, 'utf8').matchAll(/Kafka version: (\S+)/g)].pop();
    if (m) parts.push(`Kafka ${m[1]} (broker log)`);
  }
  const version = options.version ?? defaultKafkaVersion();
  if (fs.existsSync(libsDir(version))) {
    const res = spawnSync(
      'java',
      [
        ...kafkaLogArgs(version, true),
        '-cp',
        kafkaClasspath(version),
        'org.apache.kafka.tools.FeatureCommand',
        '--bootstrap-server',
        brokers.join(','),
        'describe',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const features = parseFeatures(res.stdout ?? '');
    const shown = ['metadata.version', 'transaction.version', 'group.version']
      .filter((f) => features[f] !== undefined)
      .map((f) => `${f} ${features[f]}`);
    if (shown.length) parts.push(`${shown.join(', ')} (DescribeFeatures)`);
  }
  return parts.length ? parts.join(', ') : 'unknown';
}
