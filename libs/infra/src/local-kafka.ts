/**
 * A real single-node Apache Kafka 3.9 broker (KRaft, combined broker + controller) on loopback,
 * run from the jars Maven Central serves (see ./pom.xml). Used by the tests, the local stack and CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { readLivePid, spawnDetached, stopPid, tail, waitFor } from './processes';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
const KAFKA_DIR = path.join(REPO_ROOT, 'tools/kafka');
const LIBS_DIR = path.join(KAFKA_DIR, '.cache/libs');

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
}

interface Resolved {
  port: number;
  controllerPort: number;
  dataDir: string;
  extraListeners: ExtraListener[];
  groupInitialRebalanceDelayMs: number;
  heap: string;
  readyTimeoutMs: number;
}

function resolve(o: LocalKafkaOptions = {}): Resolved {
  const port = o.port ?? 9092;
  return {
    port,
    controllerPort: o.controllerPort ?? port + 1,
    dataDir: o.dataDir ?? path.join(REPO_ROOT, '.data', `kafka-${port}`),
    extraListeners: o.extraListeners ?? [],
    groupInitialRebalanceDelayMs: o.groupInitialRebalanceDelayMs ?? 0,
    heap: o.heap ?? '1g',
    readyTimeoutMs: o.readyTimeoutMs ?? 90_000,
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

/** Downloads the broker jars from Maven Central once (`mvn dependency:copy-dependencies`). */
export function ensureKafkaJars(): void {
  const have = fs.existsSync(LIBS_DIR) && fs.readdirSync(LIBS_DIR).some((f) => /^kafka_2\.13-3\.9\./.test(f));
  if (have) return;
  process.stderr.write('[kafka] fetching Apache Kafka 3.9 jars from Maven Central...\n');
  const res = spawnSync(
    'mvn',
    ['-q', '-B', '-f', path.join(KAFKA_DIR, 'pom.xml'), 'dependency:copy-dependencies'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (res.status !== 0)
    throw new Error(`mvn dependency:copy-dependencies failed (exit ${res.status}); is Maven installed?`);
}

export const kafkaClasspath = () => `${LIBS_DIR}/*`;

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

function serverProperties(r: Resolved, logDirs: string): string {
  const listeners = [`PLAINTEXT://127.0.0.1:${r.port}`, `CONTROLLER://127.0.0.1:${r.controllerPort}`];
  const advertised = [`PLAINTEXT://127.0.0.1:${r.port}`];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  for (const l of r.extraListeners) {
    listeners.push(`${l.name}://127.0.0.1:${l.port}`);
    advertised.push(`${l.name}://${l.advertisedHost ?? '127.0.0.1'}:${l.advertisedPort}`);
    protocols.push(`${l.name}:PLAINTEXT`);
  }
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

  ensureKafkaJars();
  fs.mkdirSync(p.logDirs, { recursive: true });
  fs.writeFileSync(p.configFile, serverProperties(r, p.logDirs));
  if (!fs.existsSync(path.join(p.logDirs, 'meta.properties'))) {
    const clusterId = newClusterId();
    execFileSync(
      'java',
      [
        `-Dlog4j.configuration=file:${path.join(KAFKA_DIR, 'log4j.properties')}`,
        '-cp',
        kafkaClasspath(),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        p.configFile,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  const child = spawnDetached(
    'java',
    [
      `-Xms${r.heap}`,
      `-Xmx${r.heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${path.join(KAFKA_DIR, 'log4j.properties')}`,
      `-Dkafka.logs.dir=${r.dataDir}`,
      '-cp',
      kafkaClasspath(),
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
  if (fs.existsSync(LIBS_DIR)) {
    const res = spawnSync(
      'java',
      [
        '-cp',
        kafkaClasspath(),
        'org.apache.kafka.tools.FeatureCommand',
        '--bootstrap-server',
        brokers.join(','),
        'describe',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const m = /Feature: metadata\.version.*?FinalizedVersionLevel: (\S+)/.exec(res.stdout ?? '');
    if (m) parts.push(`metadata.version ${m[1]} (DescribeFeatures)`);
  }
  return parts.length ? parts.join(', ') : 'unknown';
}
