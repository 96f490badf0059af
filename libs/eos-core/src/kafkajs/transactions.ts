/**
 * What kafkajs 2.2.4 needs to run Kafka transactions the way the fleet relies on, in one place:
 * fencing when a producer starts, a short first retry of CONCURRENT_TRANSACTIONS, and the
 * `sendOffsets` payload. Used by the worker's port (kafkajs-port.ts) and by the controller's
 * state store, whose writes are transactions too.
 */
import type { Kafka, Producer, ProducerConfig, RetryOptions, Transaction } from 'kafkajs';
import type { OffsetMap } from '../kafka-port';

/** A transactional producer's settings; `idempotent` and one request in flight are implied. */
export type TransactionalProducerConfig = ProducerConfig & { transactionalId: string };

/**
 * Retry settings for a transactional producer. CONCURRENT_TRANSACTIONS is the common case: the
 * first send after a commit meets it while the coordinator still writes the previous
 * transaction's markers (a few ms on a local broker), and a new owner's InitProducerId meets it
 * while the coordinator aborts the dead owner's transaction (tens to hundreds of ms). kafkajs's
 * default first retry waits 300 ms and doubles; a doubling schedule from 20 ms still overshot by
 * up to the time already waited (an abort done after 700 ms was seen at 1,260 ms), and a first
 * wait of 20 ms cost every transaction under load 20 ms. So the retries start at 2 ms and grow by
 * half up to `maxRetryTime` (the Java producer retries every 100 ms); `retries` is
 * counted so that all of them together wait about `patienceMs`. On the local broker under load
 * about half of the transactions meet CONCURRENT_TRANSACTIONS on their first request, and the
 * first retry went through every time, whether it came after 1, 2 or 5 ms (tools/bench/eos-loop.ts).
 *
 * The transaction's control requests (InitProducerId, AddOffsetsToTxn, TxnOffsetCommit, EndTxn)
 * take these settings only through the install-time kafkajs patch (patches/kafkajs+2.2.4.patch):
 * unpatched kafkajs 2.2.4 runs them on its defaults (300 ms, doubling), so a new owner's fence
 * that the broker settled in a few ms waited about 300 ms more.
 */
export function transactionRetry(o: { patienceMs: number; maxRetryTime: number }): RetryOptions {
  const initialRetryTime = 2;
  const multiplier = 1.5;
  let wait = initialRetryTime;
  let total = 0;
  let retries = 0;
  while (total < o.patienceMs) {
    total += wait;
    retries++;
    wait = Math.min(wait * multiplier, o.maxRetryTime);
  }
  return { retries, initialRetryTime, maxRetryTime: o.maxRetryTime, multiplier, factor: 0.2 };
}

/**
 * Creates and connects a transactional producer and runs the transactional InitProducerId (Java's
 * `initTransactions`) before returning it, so every earlier owner of the transactional id is
 * fenced, and its open transaction completed, before the caller reads anything. The transactional
 * InitProducerId runs on kafkajs's first transaction(), so an empty transaction, aborted locally,
 * forces it here. (Pristine kafkajs's connect() also ran an InitProducerId WITHOUT the
 * transactional id, which fences no one: a round trip on every new owner's fence that the kafkajs
 * patch drops; a plain `send` on the producer runs it on first use.) A producer that fails to
 * start is disconnected.
 */
export async function connectTransactionalProducer(
  kafka: Kafka,
  config: TransactionalProducerConfig,
): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, ...config });
  try {
    await producer.connect();
    const init = await producer.transaction();
    await init.abort();
  } catch (err) {
    await producer.disconnect().catch(() => undefined);
    throw err;
  }
  return producer;
}

/** One topic's offsets as kafkajs sends them (offsets as strings), for sendOffsets and OffsetCommit. */
export function topicOffsets(
  topic: string,
  offsets: OffsetMap,
): { topic: string; partitions: { partition: number; offset: string }[] } {
  return {
    topic,
    partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })),
  };
}

/**
 * Adds a group's offsets (next offset to read, per partition) to the transaction
 * (`sendOffsetsToTransaction`); with no offsets it sends nothing.
 */
export async function sendOffsetsToTransaction(
  tx: Transaction,
  groupId: string,
  topic: string,
  offsets: OffsetMap,
): Promise<void> {
  if (offsets.size === 0) return;
  await tx.sendOffsets({ consumerGroupId: groupId, topics: [topicOffsets(topic, offsets)] });
}
