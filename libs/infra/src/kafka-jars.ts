/**
 * The Kafka versions and jars the local broker and Kafka's own tools run from: the default version
 * (tools/kafka/pom.xml), `KAFKA_VERSION`, the per-version jar cache (`tools/kafka/.cache/<version>/libs`,
 * fetched once from Maven Central), the classpath and the logging flags.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root';

export const KAFKA_DIR = path.join(REPO_ROOT, 'tools/kafka');

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

export const majorOf = (version: string) => Number(version.split('.')[0]);
export const libsDir = (version: string) => path.join(KAFKA_DIR, '.cache', version, 'libs');

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
 * The port of the local broker a tool should use: `KAFKA_PORT`, else the port of the first
 * `KAFKA_BROKERS` entry (what the apps and tests connect to), else undefined (the default 9092).
 */
export function kafkaPortFromEnv(env: Record<string, string | undefined>): number | undefined {
  const explicit = env['KAFKA_PORT']?.trim();
  if (explicit) {
    const port = Number(explicit);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`KAFKA_PORT: "${explicit}" is not a port`);
    return port;
  }
  const first = env['KAFKA_BROKERS']?.split(',')[0]?.trim();
  const m = first ? /:(\d+)$/.exec(first) : null;
  return m ? Number(m[1]) : undefined;
}
