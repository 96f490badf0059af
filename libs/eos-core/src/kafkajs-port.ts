/**
 * The real Kafka port, on kafkajs.
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
import {
  ConfigResourceTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  type KafkaConfig,
  type Producer,
  type Transaction,
} from 'kafkajs';
import type { Headers, InputRecord } from '@eos/transforms';
import type {
  ConsumedItem,
  ConsumerPort,
  ConsumerPortOptions,
  KafkaPort,
  OffsetMap,
  ProduceRecord,
  TransactionalProducerPort,
  TransactionPort,
} from './kafka-port';
import { AssignedFetcher, createFetcherCluster } from './assigned-fetcher';
import { chunkLimitsFor, chunkRecords, type TopicMessages } from './produce-chunks';

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
  /** `max.message.bytes` per topic, as learned by `maxMessageBytes`: produce batches stay within it. */
  const topicMax = new Map<string, number>();

  return {
    async transactionalProducer({ transactionalId, transactionTimeoutMs }) {
      const producer = kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: transactionTimeoutMs,
        allowAutoTopicCreation: false,
        // The first send after a commit often meets CONCURRENT_TRANSACTIONS (the coordinator is
        // still writing the previous transaction's markers, a few ms): retry after 20 ms like the
        // Java producer, not 100. Same patience overall (about 4 s).
        retry: { retries: 8, initialRetryTime: 20, maxRetryTime: 2_000 },
      });
      try {
        await producer.connect();
        // kafkajs's connect() runs InitProducerId WITHOUT the transactional id (it fences no one);
        // the transactional InitProducerId runs on the first transaction(). Run it now, with an
        // empty transaction aborted locally, so every earlier owner is fenced (and its open
        // transaction completed) before this one reads the committed offsets.
        const init = await producer.transaction();
        await init.abort();
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
      return new KafkaJsProducer(producer, topicMax);
    },

    async plainProducer() {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      return {
        async begin(): Promise<TransactionPort> {
          return {
            async send(records) {
              await sendInChunks(
                records,
                (topicMessages) => producer.sendBatch({ acks: -1, topicMessages }),
                topicMax,
              );
            },
            async sendOffsets() {},
            async commit() {},
            async abort() {},
          };
        },
        close: () => producer.disconnect(),
      };
    },

    async committedOffsets(groupId, topic, partitions) {
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

    async consume(o) {
      return startConsumer(kafka, o, options);
    },

    async close() {
      const a = adminPromise;
      adminPromise = undefined;
      if (a) await (await a.catch(() => undefined))?.disconnect();
    },
  };
}

class KafkaJsProducer implements TransactionalProducerPort {
  constructor(
    private readonly producer: Producer,
    private readonly topicMax: ReadonlyMap<string, number>,
  ) {}

  async begin(): Promise<TransactionPort> {
    const tx = await this.producer.transaction();
    return new KafkaJsTransaction(tx, this.topicMax);
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

class KafkaJsTransaction implements TransactionPort {
  constructor(
    private readonly tx: Transaction,
    private readonly topicMax: ReadonlyMap<string, number>,
  ) {}

  async send(records: ProduceRecord[]): Promise<void> {
    await sendInChunks(
      records,
      (topicMessages) => this.tx.sendBatch({ acks: -1, topicMessages }),
      this.topicMax,
    );
  }

  async sendOffsets(groupId: string, topic: string, offsets: OffsetMap): Promise<void> {
    if (offsets.size === 0) return;
    await this.tx.sendOffsets({
      consumerGroupId: groupId,
      topics: [
        {
          topic,
          partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })),
        },
      ],
    });
  }

  commit(): Promise<void> {
    return this.tx.commit();
  }

  abort(): Promise<void> {
    return this.tx.abort();
  }
}

/** Sends records in as few requests as the chunk limits allow (see `chunkRecords`), one after another, in order. */
async function sendInChunks(
  records: ProduceRecord[],
  sendBatch: (tm: TopicMessages) => Promise<unknown>,
  topicMax: ReadonlyMap<string, number>,
): Promise<void> {
  const maxes = new Set<number>();
  if (topicMax.size)
    for (const r of records) {
      const m = topicMax.get(r.topic);
      if (m !== undefined) maxes.add(m);
    }
  for (const chunk of chunkRecords(records, chunkLimitsFor(maxes))) await sendBatch(chunk);
}

async function startConsumer(
  kafka: Kafka,
  o: ConsumerPortOptions,
  options: KafkaJsPortOptions,
): Promise<ConsumerPort> {
  let broken = false;
  const fetcher = new AssignedFetcher(createFetcherCluster(kafka), {
    topic: o.topic,
    partitions: o.partitions,
    startOffsets: o.startOffsets,
    maxWaitMs: options.fetchMaxWaitMs ?? 100,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
    onFetched(partition, messages, nextOffset) {
      const items: ConsumedItem[] = [];
      for (const m of messages) {
        const record: InputRecord = {
          topic: o.topic,
          partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: normalizeHeaders(m.headers),
          timestamp: m.timestamp,
        };
        items.push({ kind: 'record', record, bytes: (m.value?.length ?? 0) + (m.key?.length ?? 0) });
      }
      // The position also covers what the fetch dropped: aborted records and transaction markers.
      items.push({ kind: 'position', partition, nextOffset });
      o.onItems(items);
    },
    onError(err) {
      broken = true;
      o.onBroken(err);
    },
  });
  try {
    await fetcher.start();
  } catch (err) {
    await fetcher.close().catch(() => undefined);
    throw err;
  }
  return {
    async commitOffsets(offsets) {
      if (!o.commitGroupId) throw new Error('commitOffsets needs the consumer created with a commitGroupId');
      if (broken) throw new Error('consumer broke; not committing');
      await fetcher.commitToGroup(o.commitGroupId, offsets);
    },
    pause: () => fetcher.pause(),
    resume: () => fetcher.resume(),
    close: () => fetcher.close(),
  };
}

function normalizeHeaders(h: Record<string, unknown> | undefined): Headers {
  const out: Headers = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (Buffer.isBuffer(v) || typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v.length > 0) out[k] = v[v.length - 1] as Buffer | string; // last value wins
  }
  return out;
}
