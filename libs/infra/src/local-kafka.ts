/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) on loopback, run
 * from the jars Maven Central serves (see tools/kafka/pom.xml): Kafka 4.x by default, 3.9 on
 * request (`version`; the tools take it from `KAFKA_VERSION`). Each version has its own jar cache
 * (`tools/kafka/.cache/<version>/libs`). Optionally with SASL/TLS listeners, SCRAM users and
 * Kafka's `StandardAuthorizer` (see docs/production.md). Used by the tests, the local stack and CI.
 *
 * This file: start, stop, kill, ask. kafka-jars.ts: versions, jars, classpath, logging flags;
 * kafka-config.ts: options, files, server.properties.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaPaths, newClusterId, resolve, serverProperties, type LocalKafkaOptions } from './kafka-config';
import { defaultKafkaVersion, ensureKafkaJars, kafkaClasspath, kafkaLogArgs, libsDir } from './kafka-jars';
import { readLivePid, spawnDetached, stopPid, tail, waitFor } from './processes';

export { REPO_ROOT } from './repo-root';
export {
  defaultKafkaVersion,
  ensureKafkaJars,
  kafkaClasspath,
  kafkaLogArgs,
  kafkaPortFromEnv,
  kafkaVersionFromEnv,
} from './kafka-jars';
export { kafkaPaths, newClusterId, resolve, serverProperties } from './kafka-config';
export type { ExtraListener, ListenerTls, LocalKafkaOptions, ScramUser } from './kafka-config';

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
