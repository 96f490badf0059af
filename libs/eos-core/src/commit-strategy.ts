/**
 * How a task makes a batch's outputs and its input offsets durable: the one place the two
 * delivery modes differ.
 *
 * - exactly-once (the product): one transaction per batch. initTransactions fences earlier owners;
 *   the outputs and the offsets (TransactionPort.write, to the pipeline's group) commit or abort together.
 * - at-least-once (for measuring what transactions cost): a plain producer writes the outputs at
 *   once, then the consumer commits the offsets to a group of the task's own. A crash between the
 *   two repeats the batch's outputs.
 */
import { atLeastOnceGroupOf } from '@eos/fleet-names';
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
}

export function commitStrategyFor(o: CommitStrategyOptions): CommitStrategy {
  return o.mode === 'at-least-once' ? atLeastOnce(o) : exactlyOnce(o);
}

function exactlyOnce(o: CommitStrategyOptions): CommitStrategy {
  return {
    offsetsGroup: o.consumerGroup,
    consumerCommitGroup: undefined,
    async connect() {
      const producer: TransactionalProducerPort = await o.kafka.transactionalProducer({
        transactionalId: o.transactionalId,
        transactionTimeoutMs: o.transactionTimeoutMs,
        // The output topic only: a dead-letter topic may not exist (yet), and kafkajs retries
        // a Metadata request for a missing topic for seconds while it holds the lock every
        // send takes to add its topics; the first transaction would wait behind it.
        prepare: { topics: [o.outputTopic], groupId: o.consumerGroup },
      });
      return {
        async begin() {
          const tx = await producer.begin();
          return {
            write: (records, nextOffsets) =>
              tx.write(records, { groupId: o.consumerGroup, topic: o.inputTopic, offsets: nextOffsets }),
            commit: () => tx.commit(),
            abort: () => tx.abort(),
          };
        },
        settle: (outputPartitions) =>
          producer.settle({
            groupId: o.consumerGroup,
            partitions: [
              { topic: o.outputTopic, partitions: Array.from({ length: outputPartitions }, (_, p) => p) },
            ],
          }),
        close: () => producer.close(),
      };
    },
  };
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
