/**
 * The real Kafka port, on kafkajs: admin queries here; producers in kafkajs-producers.ts, the
 * consumer in kafkajs-consumer.ts, what kafkajs needs for transactions in transactions.ts.
 *
 * `transactionalProducer` resolves only after the transactional InitProducerId (initTransactions)
 * ran: the earlier owner of the transactional id is fenced from then on.
 *
 * A task's consumer is an `AssignedFetcher`: it fetches exactly the task's partitions from their
 * leaders, read_committed, with no consumer group (kafkajs has no `assign()`, and a group join
 * waits `group.initial.rebalance.delay.ms`, 3 s on users' brokers). A move therefore waits for no
 * group and no dead owner's session, and the pipeline's offsets group is written only through
 * `sendOffsetsToTransaction`. The fetcher starts at the committed offsets and never seeks: an
 * abort recreates it, so every batch it hands over is contiguous with the last.
 */
import { ConfigResourceTypes, Kafka, logLevel as KafkaLogLevel, type KafkaConfig } from 'kafkajs';
import type { KafkaPort, OffsetMap } from '../kafka-port';
import { createFetcherCluster, type KafkaJsCluster } from './assigned-fetcher';
import { kafkaJsConsumer } from './kafkajs-consumer';
import { kafkaJsPlainProducer, kafkaJsTransactionalProducer } from './kafkajs-producers';
import { quietConsoleLogger } from './quiet-log';
import { fetchStableOffsets } from './stable-offsets';

export interface KafkaJsPortOptions {
  brokers: string[];
  /** TLS options (see `@eos/kafka-client`'s `kafkaJsConnection`). */
  ssl?: KafkaConfig['ssl'];
  /** SASL options (see `@eos/kafka-client`'s `kafkaJsConnection`). */
  sasl?: KafkaConfig['sasl'];
  /** @default 'eos-worker' */
  clientId?: string;
  /** kafkajs log level. @default WARN */
  logLevel?: KafkaLogLevel;
  /** @default 3000 */
  connectionTimeoutMs?: number;
  /** @default 30000 */
  requestTimeoutMs?: number;
  /** Longest a fetch waits for data when there is none. @default 100 */
  fetchMaxWaitMs?: number;
  /** Most bytes fetched per partition per request. @default 1 MiB */
  maxBytesPerPartition?: number;
}

/** Creates the kafkajs-backed port. Whoever creates it closes it. */
export function createKafkaJsPort(options: KafkaJsPortOptions): KafkaPort {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'eos-worker',
    brokers: options.brokers,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    logLevel: options.logLevel ?? KafkaLogLevel.WARN,
    logCreator: quietConsoleLogger,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
  let adminPromise: ReturnType<typeof connectAdmin> | undefined;
  const connectAdmin = async () => {
    const admin = kafka.admin();
    await admin.connect();
    return admin;
  };
  const admin = async () => {
    adminPromise ??= connectAdmin().catch((err: unknown) => {
      adminPromise = undefined;
      throw err;
    });
    return adminPromise;
  };
  // OffsetFetch with require_stable goes out on a cluster of its own (kafkajs's admin sends v4 at most).
  let offsetsCluster: Promise<KafkaJsCluster> | undefined;
  const stableCluster = async () => {
    offsetsCluster ??= (async () => {
      const c = createFetcherCluster(kafka);
      await c.connect();
      return c;
    })().catch((err: unknown) => {
      offsetsCluster = undefined;
      throw err;
    });
    return offsetsCluster;
  };
  const committedOffsets: KafkaPort['committedOffsets'] = async (groupId, topic, partitions) => {
    // A task's start reads its offsets this way while it fences, then with require_stable after
    // the fence: the latter's connections open now, off that critical path.
    void stableCluster().catch(() => undefined);
    const res = await (await admin()).fetchOffsets({ groupId, topics: [topic] });
    const out: OffsetMap = new Map();
    const wanted = new Set(partitions);
    for (const t of res) {
      for (const p of t.partitions) {
        const off = Number(p.offset);
        if (wanted.has(p.partition) && off >= 0) out.set(p.partition, off);
      }
    }
    return out;
  };
  /** `max.message.bytes` per topic, as learned by `maxMessageBytes`: produce batches stay within it. */
  const topicMax = new Map<string, number>();

  return {
    transactionalProducer: (o) => kafkaJsTransactionalProducer(kafka, o, topicMax),

    plainProducer: () => kafkaJsPlainProducer(kafka, topicMax),

    committedOffsets,

    async stableCommittedOffsets(groupId, topic, partitions) {
      const stable = await fetchStableOffsets(await stableCluster(), groupId, topic, partitions);
      return stable ?? { offsets: await committedOffsets(groupId, topic, partitions), pending: [] };
    },

    async earliestOffsets(topic, partitions) {
      const res = await (await admin()).fetchTopicOffsets(topic);
      const wanted = new Set(partitions);
      return new Map(res.filter((p) => wanted.has(p.partition)).map((p) => [p.partition, Number(p.low)]));
    },

    async maxMessageBytes(topic) {
      const res = await (
        await admin()
      ).describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      });
      const v = res.resources[0]?.configEntries.find(
        (e) => e.configName === 'max.message.bytes',
      )?.configValue;
      const max = v === undefined ? NaN : Number(v);
      if (!Number.isFinite(max) || max <= 0) return undefined;
      topicMax.set(topic, max);
      return max;
    },

    async partitionCount(topic) {
      const md = await (await admin()).fetchTopicMetadata({ topics: [topic] });
      const t = md.topics.find((x) => x.name === topic);
      if (!t) throw new Error(`topic ${topic} does not exist`);
      return t.partitions.length;
    },

    consume: (o) =>
      kafkaJsConsumer(kafka, o, {
        maxWaitMs: options.fetchMaxWaitMs,
        maxBytesPerPartition: options.maxBytesPerPartition,
      }),

    async close() {
      const a = adminPromise;
      adminPromise = undefined;
      const c = offsetsCluster;
      offsetsCluster = undefined;
      await Promise.all([
        a ? a.then((x) => x.disconnect()).catch(() => undefined) : undefined,
        c ? c.then((x) => x.disconnect()).catch(() => undefined) : undefined,
      ]);
    },
  };
}
