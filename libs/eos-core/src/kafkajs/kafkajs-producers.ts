/**
 * The port's producers on kafkajs: a transactional one (transactions.ts starts and fences it) and
 * a plain one for the at-least-once mode. Both send a batch's records in as few requests as the
 * chunk limits allow (see produce-chunks.ts), within each topic's `max.message.bytes` once known.
 */
import type { Kafka, Producer, Transaction } from 'kafkajs';
import type {
  GroupOffsets,
  ProduceRecord,
  ProducerPort,
  TransactionalProducerPort,
  TransactionPort,
  WriteTimings,
} from '../kafka-port';
import { chunkLimitsFor, chunkRecords, partitionsOf, type TopicMessages } from '../produce-chunks';
import { connectTransactionalProducer, sendOffsetsToTransaction, transactionRetry } from './transactions';

/** `max.message.bytes` per topic, as the port learned it: produce batches stay within it. */
export type TopicMaxBytes = ReadonlyMap<string, number>;

/** A task's transactions: about 4.5 s of patience overall, retried at most 100 ms apart. */
export const TASK_TRANSACTION_RETRY = { patienceMs: 4_500, maxRetryTime: 100 };

/** A transactional producer after initTransactions: every earlier owner of the id is fenced. */
export async function kafkaJsTransactionalProducer(
  kafka: Kafka,
  o: {
    transactionalId: string;
    transactionTimeoutMs: number;
    prepare?: { topics: string[]; groupId: string };
  },
  topicMax: TopicMaxBytes,
): Promise<TransactionalProducerPort> {
  const producer = await connectTransactionalProducer(kafka, {
    transactionalId: o.transactionalId,
    transactionTimeout: o.transactionTimeoutMs,
    allowAutoTopicCreation: false,
    retry: transactionRetry(TASK_TRANSACTION_RETRY),
  });
  // The first transaction's Metadata (its topics' leaders) and FindCoordinator (the group's)
  // now, in the background: a new owner reads its offsets meanwhile. A failure here is the first
  // transaction's to report (it looks them up again), so it is dropped.
  if (o.prepare && producer.prepareTransactions)
    void producer
      .prepareTransactions({ topics: o.prepare.topics, consumerGroupId: o.prepare.groupId })
      .catch(() => undefined);
  return new KafkaJsProducer(producer, topicMax);
}

/** An idempotent, non-transactional producer. */
export async function kafkaJsPlainProducer(kafka: Kafka, topicMax: TopicMaxBytes): Promise<ProducerPort> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    send: (records) =>
      sendInChunks(records, (topicMessages) => producer.sendBatch({ acks: -1, topicMessages }), topicMax),
    close: () => producer.disconnect(),
  };
}

class KafkaJsProducer implements TransactionalProducerPort {
  constructor(
    private readonly producer: Producer,
    private readonly topicMax: TopicMaxBytes,
  ) {}

  async begin(): Promise<TransactionPort> {
    const tx = await this.producer.transaction();
    return new KafkaJsTransaction(tx, this.topicMax);
  }

  async settle(o: { groupId: string; partitions: { topic: string; partitions: number[] }[] }): Promise<void> {
    const tx = await this.producer.transaction();
    try {
      if (typeof tx.addPartitions !== 'function' || typeof tx.addOffsets !== 'function')
        throw new Error('settling pending offsets needs the kafkajs patch (patches/kafkajs+2.2.4.patch)');
      await addToTransaction(tx as Required<Transaction>, o);
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export class KafkaJsTransaction implements TransactionPort {
  /** A `prepare` in flight or done (settled either way): `write` waits for it first. */
  private prepared: Promise<void> | undefined;
  /** `write`, `commit` or `abort` has started: a `prepare` after it has nothing left to do. */
  private writing = false;

  constructor(
    private readonly tx: Transaction,
    private readonly topicMax: TopicMaxBytes,
  ) {}

  /**
   * AddPartitionsToTxn and AddOffsetsToTxn now, side by side (the patch's; without it, nothing):
   * the write then sends only partitions not added yet, and no AddOffsetsToTxn.
   */
  prepare(o: { groupId: string; partitions: { topic: string; partitions: number[] }[] }): void {
    const tx = this.tx;
    if (
      this.prepared ||
      this.writing ||
      typeof tx.addPartitions !== 'function' ||
      typeof tx.addOffsets !== 'function'
    )
      return;
    this.prepared = addToTransaction(tx as Required<Transaction>, o).catch(() => undefined);
  }

  /**
   * Every change to the transaction's state first, then the records beside the offsets:
   * AddPartitionsToTxn (the records that name their partition) and AddOffsetsToTxn go out together
   * on the coordinator's connection, which takes them one after the other without a round trip
   * between them; they meet the previous transaction's CONCURRENT_TRANSACTIONS and are retried.
   * Then the produce requests and the TxnOffsetCommit go side by side (the patched kafkajs sends
   * the latter on the broker's second connection). Nothing changes the transaction while its
   * produce requests and its TxnOffsetCommit are verified against it (Kafka 4's transaction
   * verification): a change in flight at that moment made the broker refuse them as
   * NOT_ENOUGH_REPLICAS and COORDINATOR_NOT_AVAILABLE, and kafkajs sent the produce requests again.
   * Records without a partition (placed by the partitioner) are still added by their send. Both
   * halves are settled before this returns or throws, so an abort never races a request in flight.
   */
  async write(records: ProduceRecord[], o: GroupOffsets): Promise<WriteTimings | void> {
    this.writing = true;
    const send = () =>
      sendInChunks(records, (topicMessages) => this.tx.sendBatch({ acks: -1, topicMessages }), this.topicMax);
    if (o.offsets.size === 0) return send();
    const tx = this.tx; // addPartitions and addOffsets: the patch's (types/index.d.ts there)
    if (typeof tx.addPartitions !== 'function' || typeof tx.addOffsets !== 'function') {
      // kafkajs without the patch: one after the other.
      await send();
      return sendOffsetsToTransaction(this.tx, o.groupId, o.topic, o.offsets);
    }
    const placed = placedPartitions(records);
    const t0 = Date.now();
    if (this.prepared) await this.prepared;
    await settleAll([
      placed.length > 0 ? tx.addPartitions(placed) : Promise.resolve(),
      tx.addOffsets({ consumerGroupId: o.groupId }),
    ]);
    const prepareMs = Date.now() - t0;
    await settleAll([send(), sendOffsetsToTransaction(this.tx, o.groupId, o.topic, o.offsets)]);
    return { prepareMs };
  }

  commit(): Promise<void> {
    this.writing = true;
    return this.tx.commit();
  }

  abort(): Promise<void> {
    this.writing = true;
    return this.tx.abort();
  }
}

/**
 * AddPartitionsToTxn for these partitions and AddOffsetsToTxn for the group, side by side (the
 * patch's `addPartitions` and `addOffsets`, which the caller checked are there).
 */
function addToTransaction(
  tx: Required<Pick<Transaction, 'addPartitions' | 'addOffsets'>>,
  o: { groupId: string; partitions: { topic: string; partitions: number[] }[] },
): Promise<void> {
  const topics = o.partitions.filter((t) => t.partitions.length > 0);
  return settleAll([
    topics.length > 0
      ? tx.addPartitions(
          topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((partition) => ({ partition })),
          })),
        )
      : Promise.resolve(),
    tx.addOffsets({ consumerGroupId: o.groupId }),
  ]);
}

/** Waits for every promise to settle, then throws the first failure (in list order), if any. */
async function settleAll(ps: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(ps);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** The topic-partitions of the records that name their partition, as AddPartitionsToTxn takes them. */
export function placedPartitions(
  records: readonly ProduceRecord[],
): { topic: string; partitions: { partition: number }[] }[] {
  return partitionsOf(records).map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((partition) => ({ partition })),
  }));
}

/** Sends records in as few requests as the chunk limits allow (see `chunkRecords`), one after another, in order. */
async function sendInChunks(
  records: ProduceRecord[],
  sendBatch: (tm: TopicMessages) => Promise<unknown>,
  topicMax: TopicMaxBytes,
): Promise<void> {
  const maxes = new Set<number>();
  if (topicMax.size)
    for (const r of records) {
      const m = topicMax.get(r.topic);
      if (m !== undefined) maxes.add(m);
    }
  for (const chunk of chunkRecords(records, chunkLimitsFor(maxes))) await sendBatch(chunk);
}
