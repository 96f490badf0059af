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
  TransactionPort,
  WriteTimings,
} from './kafka-port';
import { partitionsOf } from './produce-chunks';

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
  /** Starts one batch (exactly-once: begins its transaction, or takes the one `prepareNext` began). */
  begin(consumer: ConsumerPort): Promise<BatchWrite>;
  /**
   * Exactly-once, optional: begins the next batch's transaction now, on the id whose turn is next
   * when no batch is using it, and adds to it the partitions the last batch wrote and the
   * pipeline's offsets, so the next `write` finds them added (AddPartitionsToTxn and
   * AddOffsetsToTxn off its path: they take a round trip each through a busy broker, and on the
   * same id wait for the previous transaction's markers). The loop calls it only with records
   * waiting, and `release` when it has none: a transaction left open would be aborted by the
   * coordinator at its timeout, which fences its producer.
   */
  prepareNext?: () => void;
  /** Aborts the transactions `prepareNext` began that no batch took. */
  release?: () => Promise<void>;
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
      return new TransactionLanes(producers, o);
    },
  };
}

/**
 * How long after a commit the next transaction begun ahead on the same id adds its partitions
 * and offsets: by then the coordinator has usually written the commit's markers (tens of ms under
 * load), and the id's next write (after a whole batch on the other id) is further away.
 */
export const AHEAD_PREPARE_DELAY_MS = 50;

/** One transactional producer of a task, and the transaction it runs or has begun ahead. */
interface Lane {
  producer: TransactionalProducerPort;
  /** A batch's transaction is open on it (begun, not yet committed or aborted). */
  busy: boolean;
  /** A transaction `prepareNext` began for the next batch on this lane. */
  ahead: Promise<TransactionPort> | undefined;
}

/** The exactly-once writer: one lane per transactional id, used in turn. */
class TransactionLanes implements BatchWriter {
  private readonly lanes: Lane[];
  private turn = 0;
  /** The output partitions the last batch wrote: what a transaction begun ahead adds. */
  private lastPartitions: { topic: string; partitions: number[] }[] = [];

  constructor(
    producers: TransactionalProducerPort[],
    private readonly o: CommitStrategyOptions,
  ) {
    this.lanes = producers.map((producer) => ({ producer, busy: false, ahead: undefined }));
  }

  get overlapsCommits(): boolean {
    return this.lanes.length > 1;
  }

  async begin(): Promise<BatchWrite> {
    const lane = this.lanes[this.turn] as Lane;
    this.turn = (this.turn + 1) % this.lanes.length;
    lane.busy = true;
    const ahead = lane.ahead;
    lane.ahead = undefined;
    let tx: TransactionPort;
    try {
      tx = await (ahead ?? lane.producer.begin());
    } catch (err) {
      lane.busy = false;
      throw err;
    }
    const done = () => (lane.busy = false);
    return {
      write: (records, nextOffsets) => {
        this.lastPartitions = partitionsOf(records);
        return tx.write(records, {
          groupId: this.o.consumerGroup,
          topic: this.o.inputTopic,
          offsets: nextOffsets,
        });
      },
      commit: () => tx.commit().finally(done),
      abort: () => tx.abort().finally(done),
    };
  }

  prepareNext(): void {
    const lane = this.lanes[this.turn] as Lane;
    if (lane.busy || lane.ahead) return;
    const partitions = this.lastPartitions;
    const ahead = lane.producer.begin().then((tx) => {
      // Not at once: this id's transaction has just committed, and until the coordinator has
      // written its markers AddPartitionsToTxn is answered CONCURRENT_TRANSACTIONS and retried a
      // few ms apart (worker and broker CPU for nothing); this id's next write is a batch away.
      setTimeout(() => tx.prepare?.({ groupId: this.o.consumerGroup, partitions }), AHEAD_PREPARE_DELAY_MS);
      return tx;
    });
    ahead.catch(() => undefined); // the begin() that takes it meets the error
    lane.ahead = ahead;
  }

  async release(): Promise<void> {
    await Promise.all(
      this.lanes.map(async (lane) => {
        const ahead = lane.ahead;
        if (!ahead) return;
        lane.ahead = undefined;
        const tx = await ahead.catch(() => undefined);
        await tx?.abort();
      }),
    );
  }

  // Each id settles what its own earlier epochs left pending.
  async settle(outputPartitions: number): Promise<void> {
    const partitions = [
      { topic: this.o.outputTopic, partitions: Array.from({ length: outputPartitions }, (_, p) => p) },
    ];
    await settleAll(this.lanes.map((l) => l.producer.settle({ groupId: this.o.consumerGroup, partitions })));
  }

  async close(): Promise<void> {
    // Nothing begun ahead is left open for the next owner's fence to abort (it would wait for that).
    await this.release().catch(() => undefined);
    await Promise.all(this.lanes.map((l) => l.producer.close().catch(() => undefined)));
  }
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
