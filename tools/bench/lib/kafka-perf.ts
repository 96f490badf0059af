/**
 * Kafka's own performance tools (`kafka-producer-perf-test` / `kafka-consumer-perf-test`, classes
 * of the `org.apache.kafka:kafka-tools` jar that tools/kafka/pom.xml fetches), run with the
 * broker's classpath.
 */
import { ensureKafkaJars, kafkaClasspath, kafkaLogArgs, kafkaVersionFromEnv } from '@eos/infra';
import { run } from '../../lib/proc';

const VERSION = kafkaVersionFromEnv(process.env);

export interface PerfRun<T> {
  /** The command line, to print with the figures. */
  command: string;
  result: T;
}

export interface ProducerPerfResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ConsumerPerfResult {
  records: number;
  /** Records/s over the fetch time (rebalance time excluded). */
  recordsPerSec: number;
  mbPerSec: number;
}

function runJava(mainClass: string, args: string[]): { command: string; done: Promise<string> } {
  ensureKafkaJars(VERSION);
  const argv = ['-Xmx512m', ...kafkaLogArgs(VERSION), '-cp', kafkaClasspath(VERSION), mainClass, ...args];
  const command = `java -cp 'tools/kafka/.cache/${VERSION}/libs/*' ${mainClass} ${args.join(' ')}`;
  const done = run('java', argv, { what: command }).then((r) => r.output);
  return { command, done };
}

/**
 * `ProducerPerformance`: `records` values of `recordSize` bytes, acks=all, at most `throughput`
 * records/s (-1: as fast as it goes).
 */
export function producerPerf(o: {
  brokers: string[];
  topic: string;
  records: number;
  recordSize: number;
  throughput?: number;
}): { command: string; done: Promise<ProducerPerfResult> } {
  const r = runJava('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    o.topic,
    '--num-records',
    String(o.records),
    '--record-size',
    String(o.recordSize),
    '--throughput',
    String(o.throughput ?? -1),
    '--producer-props',
    `bootstrap.servers=${o.brokers.join(',')}`,
    'acks=all',
  ]);
  return {
    command: r.command,
    done: r.done.then((out) => {
      // "100000 records sent, 45000.0 records/sec (43.95 MB/sec), 500.00 ms avg latency, 800.00 ms max latency, 450 ms 50th, 700 ms 95th, 780 ms 99th, 800 ms 99.9th."
      const m =
        /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(
          out,
        );
      if (!m) throw new Error(`unexpected ProducerPerformance output:\n${out.slice(-2000)}`);
      return {
        records: Number(m[1]),
        recordsPerSec: Number(m[2]),
        mbPerSec: Number(m[3]),
        avgLatencyMs: Number(m[4]),
        p50Ms: Number(m[5]),
        p99Ms: Number(m[6]),
      };
    }),
  };
}

/** `ConsumerPerformance`: reads `records` records of `topic` from the start. */
export function consumerPerf(o: { brokers: string[]; topic: string; records: number }): {
  command: string;
  done: Promise<ConsumerPerfResult>;
} {
  const r = runJava('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    o.brokers.join(','),
    '--topic',
    o.topic,
    '--messages',
    String(o.records),
    '--timeout',
    '60000',
  ]);
  return {
    command: r.command,
    done: r.done.then((out) => {
      // Header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
      // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
      const line = out
        .split('\n')
        .map((l) => l.split(',').map((c) => c.trim()))
        .find((c) => c.length >= 10 && /^\d/.test(c[0] ?? '') && !Number.isNaN(Number(c[4])));
      if (!line) throw new Error(`unexpected ConsumerPerformance output:\n${out.slice(-2000)}`);
      return {
        records: Number(line[4]),
        recordsPerSec: Number(line[9]),
        mbPerSec: Number(line[8]),
      };
    }),
  };
}
