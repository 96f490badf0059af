/** Test helpers over the real broker: unique names, topics, and an independent reader (kcat). */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { testBrokers } from './env';
import { until } from './wait';

/** A name no other test or run uses (topics, groups, transactional ids, queues). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function testKafka(clientId = 'eos-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING });
}

/** A test file's connected admin and workload producer. */
export interface TestClients {
  admin: Admin;
  /** Idempotent, one request in flight: what is acknowledged is in the partition in send order. */
  producer: Producer;
  close(): Promise<void>;
}

export async function connectTestClients(clientId = 'eos-test'): Promise<TestClients> {
  const kafka = testKafka(clientId);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([admin.connect(), producer.connect()]);
  return {
    admin,
    producer,
    async close() {
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

/**
 * Creates a topic and waits until every partition has a leader, asking the broker (kafkajs's own
 * wait gives up early on a broker that has just started).
 */
export async function createTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions, replicationFactor: 1 }],
    waitForLeaders: false,
  });
  await until(
    `leaders of ${topic}`,
    async () => {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      const t = md.topics.find((x) => x.name === topic);
      return !!t && t.partitions.length === numPartitions && t.partitions.every((p) => p.leader >= 0);
    },
    30_000,
    50,
  );
}

export interface ReadRecord {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads a whole topic from the beginning to its end with kcat (librdkafka), independent of
 * kafkajs. `read_committed` stops at the last stable offset and skips aborted records and
 * transaction markers; `read_uncommitted` reads to the high watermark.
 */
export function readTopic(
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted' = 'read_committed',
  brokers: string[] = testBrokers(),
): Promise<ReadRecord[]> {
  // Fields separated by \x1f, records by \x1e; headers as k=v pairs separated by commas.
  const fmt = '%p\x1f%o\x1f%k\x1f%s\x1f%h\x1e';
  const args = [
    '-C',
    '-b',
    brokers.join(','),
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    '-X',
    `isolation.level=${isolation}`,
    '-f',
    fmt,
  ];
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { maxBuffer: 1 << 30, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`kcat failed: ${err.message}\n${stderr}`));
      const out: ReadRecord[] = [];
      for (const rec of stdout.split('\x1e')) {
        if (rec.trim() === '') continue;
        const [p, o, k, v, h] = rec.replace(/^\n/, '').split('\x1f');
        const headers: Record<string, string> = {};
        if (h) {
          for (const pair of h.split(',')) {
            const i = pair.indexOf('=');
            if (i > 0) headers[pair.slice(0, i)] = pair.slice(i + 1);
          }
        }
        out.push({ partition: Number(p), offset: Number(o), key: k ?? '', value: v ?? '', headers });
      }
      resolve(out);
    });
  });
}

/** Committed offsets of a consumer group for a topic, partition -> next offset (-1: none). */
export async function groupOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  const m = new Map<number, number>();
  for (const t of res) for (const p of t.partitions) m.set(p.partition, Number(p.offset));
  return m;
}

/** High watermarks of a topic, partition -> offset. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const res = await admin.fetchTopicOffsets(topic);
  return new Map(res.map((p) => [p.partition, Number(p.high)]));
}
