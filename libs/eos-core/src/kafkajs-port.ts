/**
 * The real Kafka port, on kafkajs.
 *
 * `transactionalProducer` resolves only after the transactional InitProducerId (initTransactions)
 * ran: the earlier owner of the transactional id is fenced from then on.
 *
 * kafkajs has no `assign()`, so a task's consumer joins a private consumer group of its own (one
 * member, a fresh id per start) whose custom assigner hands it exactly the task's partitions. A
 * move therefore never waits for a dead owner's session timeout, and the pipeline's offsets group
 * is written only through `sendOffsetsToTransaction`. The consumer is positioned at the committed
 * offsets by a seek on its first join and never seeks again: an abort recreates it, so every batch
 * it hands over is contiguous with the last.
 */
import {
  AssignerProtocol,
  Kafka,
  logLevel as KafkaLogLevel,
  type Consumer,
  type KafkaConfig,
  type PartitionAssigner,
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
import { chunkRecords, type TopicMessages } from './produce-chunks';

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
  /** Consumer session timeout (private group: only this consumer's own liveness). @default 30000 */
  sessionTimeoutMs?: number;
}

const ASSIGNER = 'EosTaskAssigner';

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
      return new KafkaJsProducer(producer);
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
              await sendInChunks(records, (topicMessages) => producer.sendBatch({ acks: -1, topicMessages }));
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
  constructor(private readonly producer: Producer) {}

  async begin(): Promise<TransactionPort> {
    const tx = await this.producer.transaction();
    return new KafkaJsTransaction(tx);
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

class KafkaJsTransaction implements TransactionPort {
  constructor(private readonly tx: Transaction) {}

  async send(records: ProduceRecord[]): Promise<void> {
    await sendInChunks(records, (topicMessages) => this.tx.sendBatch({ acks: -1, topicMessages }));
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
): Promise<void> {
  for (const chunk of chunkRecords(records)) await sendBatch(chunk);
}

function taskAssigner(topic: string, partitions: number[]): PartitionAssigner {
  return () => ({
    name: ASSIGNER,
    version: 1,
    async assign({ members }) {
      // A private group has one member; should a second ever join, it gets nothing.
      const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
      return sorted.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? { [topic]: partitions } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

async function startConsumer(
  kafka: Kafka,
  o: ConsumerPortOptions,
  options: KafkaJsPortOptions,
): Promise<ConsumerPort> {
  const consumer: Consumer = kafka.consumer({
    groupId: o.privateGroupId,
    partitionAssigners: [taskAssigner(o.topic, o.partitions)],
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.fetchMaxWaitMs ?? 100,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1 << 20,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000, restartOnFailure: async () => false },
  });
  let closing = false;
  let joined = false;
  let broken = false;
  const fail = (err: Error) => {
    if (closing || broken) return;
    broken = true;
    o.onBroken(err);
  };

  const ready = new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (!joined) {
        joined = true;
        const mine = payload.memberAssignment[o.topic] ?? [];
        const missing = o.partitions.filter((p) => !mine.includes(p));
        if (missing.length) {
          reject(new Error(`private group ${o.privateGroupId} did not get partitions ${missing.join(',')}`));
          return;
        }
        // Positioned before the first fetch: kafkajs applies pending seeks at the start of each fetch.
        for (const p of o.partitions)
          consumer.seek({ topic: o.topic, partition: p, offset: String(o.startOffsets.get(p) ?? 0) });
        resolve();
      } else {
        // A rejoin resets kafkajs's fetch position; the loop recreates the consumer instead.
        fail(new Error('consumer rejoined its private group; restarting it from the committed offsets'));
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const err = payload.error instanceof Error ? payload.error : new Error(String(payload.error));
      if (!joined) reject(err);
      fail(err);
    });
  });

  // Batches made only of transaction markers or aborted records never reach eachBatch; kafkajs
  // still announces them, and the loop needs their end to count markers in its position.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && payload.topic === o.topic) {
      o.onItems([
        { kind: 'position', partition: payload.partition, nextOffset: Number(payload.lastOffset) + 1 },
      ]);
    }
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        // No seek happens after the first join, but a batch fetched before one must never count.
        if (payload.isStale() || closing) return;
        const items: ConsumedItem[] = [];
        for (const m of batch.messages) {
          const record: InputRecord = {
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key ?? null,
            value: m.value ?? null,
            headers: normalizeHeaders(m.headers),
            timestamp: m.timestamp,
          };
          items.push({ kind: 'record', record, bytes: (m.value?.length ?? 0) + (m.key?.length ?? 0) });
        }
        items.push({
          kind: 'position',
          partition: batch.partition,
          nextOffset: Number(batch.lastOffset()) + 1,
        });
        o.onItems(items);
      },
    });
    await ready;
  } catch (err) {
    closing = true;
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }

  return {
    async commitOffsets(offsets) {
      await consumer.commitOffsets(
        [...offsets].map(([partition, offset]) => ({ topic: o.topic, partition, offset: String(offset) })),
      );
    },
    pause: () => consumer.pause([{ topic: o.topic }]),
    resume: () => consumer.resume([{ topic: o.topic }]),
    async close() {
      closing = true;
      await consumer.disconnect();
    },
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
