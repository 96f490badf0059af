/**
 * How a task makes a batch's outputs and its input offsets durable: the one place the two
 * delivery modes differ.
 *
 * - exactly-once (the product): one transaction per batch. initTransactions fences earlier owners;
 *   the outputs and the offsets (TransactionPort.write, to the pipeline's group) commit or abort
 *   together. With `overlapCommits` the task has two transactional ids (its own and
 *   `pairedTransactionalIdOf` it), used in turn, so one batch commits while the next is produced
 *   (see {@link BatchWriter.overlapsCommits} for the rules the loop keeps).
 * - at-least-once (for measuring what transactions cost): a plain producer writes the outputs at
 *   once, then the consumer commits the offsets to a group of the task's own. A crash between the
 *   two repeats the batch's outputs. With `overlapCommits` the offset commit also runs beside the
 *   next batch's produce, so the two modes stay comparable.
 */
import { atLeastOnceGroupOf, pairedTransactionalIdOf } from '@eos/fleet-names';
import type {
  ConsumerPort,
  KafkaPort,
  OffsetMap,
  ProduceRecord,
  ProducerPort,
  TransactionalProducerPort,
  WriteTimings,
} from './kafka-port';

export interface CommitStrategy {
  /** Where the task's committed offsets live (read at every start). */
  readonly offsetsGroup: string;
  /** The group the consumer commits to itself (at-least-once); undefined when offsets go through transactions. */
  readonly consumerCommitGroup: string | undefined;
  /** Connects the producer; exactly-once runs initTransactions first, fencing earlier owners. */
  connect(): Promise<BatchWriter>;
}

/** A connected producer, writing one batch at a time. */
export interface BatchWriter {
  /**
   * One batch may commit while the next one is begun, transformed and written (and no more than
   * one). The loop keeps the order that makes it safe: a batch's `write` starts after the previous
   * batch's `write` returned (its records follow in every partition, and its offsets are appended
   * after the previous ones: the later-appended transactional offset commit wins, whichever
   * commit marker lands first), and its `commit` starts only after the previous `commit`
   * succeeded (when that one fails, this one is aborted). Exactly-once writes them on two
   * transactional ids in turn, both fenced and settled at connect: a batch begins on the one
   * whose commit is done.
   */
  readonly overlapsCommits: boolean;
  /** Starts one batch (exactly-once: begins its transaction). */
  begin(consumer: ConsumerPort): Promise<BatchWrite>;
  /**
   * Exactly-once only (its offsets are transactional): commits an empty transaction over the
   * offsets group and the output topic's first `outputPartitions` partitions, whose commit markers
   * complete what earlier epochs of the transactional id left pending there (see
   * `KafkaPort.stableCommittedOffsets`).
   */
  settle?: (outputPartitions: number) => Promise<void>;
  /** Disconnects without aborting anything (the next owner's initTransactions resolves an open transaction). */
  close(): Promise<void>;
}

/** One batch being written. */
export interface BatchWrite {
  /**
   * Produces the batch's records, and (exactly-once) adds its offsets to the transaction; may
   * tell how long it prepared the transaction before producing.
   */
  write(records: ProduceRecord[], nextOffsets: OffsetMap): Promise<WriteTimings | void>;
  /** Makes the batch durable: commits the transaction, or (at-least-once) the consumer's offsets. */
  commit(nextOffsets: OffsetMap): Promise<void>;
  /** Gives the batch up: aborts the transaction (at-least-once: what was written stays). */
  abort(): Promise<void>;
}

/** What the strategies need from the task's options. */
export interface CommitStrategyOptions {
  kafka: KafkaPort;
  mode?: 'exactly-once' | 'at-least-once';
  inputTopic: string;
  outputTopic: string;
  /** The pipeline's offsets group. */
  consumerGroup: string;
  taskIndex: number;
  transactionalId: string;
  transactionTimeoutMs: number;
  /** Commit a batch while the next one is written (see {@link BatchWriter.overlapsCommits}). */
  overlapCommits: boolean;
}

export function commitStrategyFor(o: CommitStrategyOptions): CommitStrategy {
  return o.mode === 'at-least-once' ? atLeastOnce(o) : exactlyOnce(o);
}

function exactlyOnce(o: CommitStrategyOptions): CommitStrategy {
  const ids = o.overlapCommits
    ? [o.transactionalId, pairedTransactionalIdOf(o.transactionalId)]
    : [o.transactionalId];
  return {
    offsetsGroup: o.consumerGroup,
    consumerCommitGroup: undefined,
    async connect() {
      // Both ids are fenced (and their open transactions completed) before the task reads its
      // offsets: an earlier owner could otherwise still commit on the one not yet fenced.
      const producers = await connectAll(ids, (transactionalId) =>
        o.kafka.transactionalProducer({
          transactionalId,
          transactionTimeoutMs: o.transactionTimeoutMs,
          // The output topic only: a dead-letter topic may not exist (yet), and kafkajs retries
          // a Metadata request for a missing topic for seconds while it holds the lock every
          // send takes to add its topics; the first transaction would wait behind it.
          prepare: { topics: [o.outputTopic], groupId: o.consumerGroup },
        }),
      );
      let turn = 0;
      return {
        overlapsCommits: producers.length > 1,
        async begin() {
          const producer = producers[turn] as TransactionalProducerPort;
          turn = (turn + 1) % producers.length;
          const tx = await producer.begin();
          return {
            write: (records, nextOffsets) =>
              tx.write(records, { groupId: o.consumerGroup, topic: o.inputTopic, offsets: nextOffsets }),
            commit: () => tx.commit(),
            abort: () => tx.abort(),
          };
        },
        // Each id settles what its own earlier epochs left pending.
        settle: async (outputPartitions) => {
          const partitions = [
            { topic: o.outputTopic, partitions: Array.from({ length: outputPartitions }, (_, p) => p) },
          ];
          await settleAll(producers.map((p) => p.settle({ groupId: o.consumerGroup, partitions })));
        },
        close: async () => {
          await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
        },
      };
    },
  };
}

/** Connects one producer per id, side by side; when one fails, the others are closed and the first failure thrown. */
async function connectAll(
  ids: string[],
  connect: (id: string) => Promise<TransactionalProducerPort>,
): Promise<TransactionalProducerPort[]> {
  const results = await Promise.allSettled(ids.map(connect));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return results.map((r) => (r as PromiseFulfilledResult<TransactionalProducerPort>).value);
  await Promise.all(
    results.map((r) =>
      r.status === 'fulfilled' ? r.value.close().catch(() => undefined) : Promise.resolve(undefined),
    ),
  );
  throw failed.reason;
}

/** Waits for every promise to settle, then throws the first failure (in list order), if any. */
async function settleAll(ps: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(ps);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

function atLeastOnce(o: CommitStrategyOptions): CommitStrategy {
  // A stable group of the task's own: the consumer commits to it outside any transaction.
  const group = atLeastOnceGroupOf(o.consumerGroup, o.taskIndex);
  return {
    offsetsGroup: group,
    consumerCommitGroup: group,
    async connect() {
      const producer: ProducerPort = await o.kafka.plainProducer();
      return {
        overlapsCommits: o.overlapCommits,
        async begin(consumer) {
          return {
            write: async (records) => {
              await producer.send(records);
            },
            commit: (nextOffsets) => consumer.commitOffsets(nextOffsets),
            abort: async () => undefined,
          };
        },
        close: () => producer.close(),
      };
    },
  };
}
