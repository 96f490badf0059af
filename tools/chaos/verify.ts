/**
 * The verifier's readers, none of them kafkajs: kcat (librdkafka) for the records, Kafka's own
 * Java tools from the Maven jars for end offsets, the pipeline group's committed offsets and open
 * transactions, and `DumpLogSegments` over the broker's data files for producer ids, epochs and
 * transaction markers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kafkaClasspath, kafkaLogArgs, kafkaVersionFromEnv } from '@eos/infra';
import { run } from '../lib/proc';

/** The Kafka version whose tools run (the broker's: KAFKA_VERSION). */
const VERSION = kafkaVersionFromEnv(process.env);
/** Kafka 4 moved DumpLogSegments from core (Scala) to the tools jar; its output is the same. */
const DUMP_LOG_SEGMENTS =
  Number(VERSION.split('.')[0]) >= 4
    ? 'org.apache.kafka.tools.DumpLogSegments'
    : 'kafka.tools.DumpLogSegments';

/** Runs one of Kafka's command-line tools (a JVM) and resolves with its stdout. */
export async function kafkaTool(mainClass: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await run(
    'java',
    ['-Xmx256m', ...kafkaLogArgs(VERSION, true), '-cp', kafkaClasspath(VERSION), mainClass, ...args],
    { timeoutMs, what: `${mainClass} ${args.join(' ')}` },
  );
  return r.stdout;
}

/** `GetOffsetShell` lines `topic:partition:offset` -> partition -> offset. */
export function parseOffsetShell(out: string, topic: string): Record<number, number> {
  const r: Record<number, number> = {};
  for (const line of out.split('\n')) {
    const m = /^(.+):(\d+):(-?\d+)$/.exec(line.trim());
    if (m && m[1] === topic) r[Number(m[2])] = Number(m[3]);
  }
  return r;
}

/** High watermarks (what a read_uncommitted reader reaches). */
export async function highWatermarks(brokers: string[], topic: string): Promise<Record<number, number>> {
  const out = await kafkaTool('org.apache.kafka.tools.GetOffsetShell', [
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--time',
    '-1',
  ]);
  return parseOffsetShell(out, topic);
}

/** `ConsumerGroupCommand --describe --offsets` table -> partition -> committed offset (-1: none). */
export function parseGroupDescribe(out: string, topic: string): Record<number, number> {
  const r: Record<number, number> = {};
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
    if (cols.length >= 4 && cols[1] === topic && /^\d+$/.test(cols[2] ?? '')) {
      r[Number(cols[2])] = /^\d+$/.test(cols[3] ?? '') ? Number(cols[3]) : -1;
    }
  }
  return r;
}

export async function committedOffsets(
  brokers: string[],
  group: string,
  topic: string,
): Promise<Record<number, number>> {
  const out = await kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
    '--bootstrap-server',
    brokers.join(','),
    '--describe',
    '--group',
    group,
    '--offsets',
  ]);
  return parseGroupDescribe(out, topic);
}

/** `TransactionsCommand describe-producers` -> the smallest start offset of an open transaction, if any. */
export function parseOpenTransactionStart(out: string): number | undefined {
  let min: number | undefined;
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp CurrentTransactionStartOffset
    if (cols.length >= 6 && /^\d+$/.test(cols[0] ?? '')) {
      const start = Number(cols[5]);
      if (start >= 0) min = min === undefined ? start : Math.min(min, start);
    }
  }
  return min;
}

/** Per partition, where an open transaction starts; partitions with none are left out. */
export async function openTransactionStarts(
  brokers: string[],
  topic: string,
  partitions: number,
): Promise<Record<number, number>> {
  const r: Record<number, number> = {};
  for (let p = 0; p < partitions; p++) {
    const out = await kafkaTool('org.apache.kafka.tools.TransactionsCommand', [
      '--bootstrap-server',
      brokers.join(','),
      'describe-producers',
      '--topic',
      topic,
      '--partition',
      String(p),
    ]);
    const start = parseOpenTransactionStart(out);
    if (start !== undefined) r[p] = start;
  }
  return r;
}

/** One record batch as `DumpLogSegments` shows it. */
export interface DumpedBatch {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  transactional: boolean;
  /** For a control batch: the transaction marker. */
  marker?: 'COMMIT' | 'ABORT';
}

/** Parses `DumpLogSegments --deep-iteration --print-data-log` output. */
export function parseDump(out: string): DumpedBatch[] {
  const batches: DumpedBatch[] = [];
  for (const line of out.split('\n')) {
    const b =
      /^baseOffset: (\d+) .*producerId: (-?\d+) producerEpoch: (-?\d+) .*isTransactional: (\w+) isControl: (\w+)/.exec(
        line,
      );
    if (b) {
      batches.push({
        baseOffset: Number(b[1]),
        producerId: Number(b[2]),
        producerEpoch: Number(b[3]),
        transactional: b[4] === 'true',
      });
      continue;
    }
    const m = /endTxnMarker: (COMMIT|ABORT)/.exec(line);
    const last = batches[batches.length - 1];
    if (m && last) last.marker = m[1] as 'COMMIT' | 'ABORT';
  }
  return batches;
}

/** Every batch of one partition, in offset order, read from the broker's segment files. */
export async function dumpPartition(
  logDirs: string,
  topic: string,
  partition: number,
): Promise<DumpedBatch[]> {
  const dir = path.join(logDirs, `${topic}-${partition}`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) return [];
  const out = await kafkaTool(
    DUMP_LOG_SEGMENTS,
    ['--files', files.join(','), '--deep-iteration', '--print-data-log'],
    300_000,
  );
  return parseDump(out);
}
