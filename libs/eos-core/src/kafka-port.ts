/**
 * The narrow Kafka port the EOS loop needs. `createKafkaJsPort` (kafkajs/kafkajs-port.ts) is the real one;
 * `FakeKafka` (testing.ts) is an in-memory one for unit tests.
 */
import type { InputRecord } from '@eos/transforms';

/** One record to produce. Without `partition`, the key picks it. */
export interface ProduceRecord {
  topic: string;
  partition?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
}

/** partition -> offset */
export type OffsetMap = Map<number, number>;

/** A consumer group's offsets for one topic (partition -> next offset to read). */
export interface GroupOffsets {
  groupId: string;
  topic: string;
  offsets: OffsetMap;
}

/** How a transaction's `write` spent its time, as far as the adapter tells. */
export interface WriteTimings {
  /**
   * ms before the records went out: the transaction's partitions and offsets added to it
   * (AddPartitionsToTxn, AddOffsetsToTxn), which wait while the coordinator still writes the
   * previous transaction's commit markers.
   */
  prepareMs: number;
}

/** An open transaction. */
export interface TransactionPort {
  /**
   * Produces the records inside the transaction and adds the group's offsets (next offset to
   * read) to it. An adapter may overlap the two (the kafkajs one sends the offsets while the
   * records go out): they commit or abort together. Empty `offsets` adds none. May resolve with
   * how long it prepared before producing.
   */
  write(records: ProduceRecord[], offsets: GroupOffsets): Promise<WriteTimings | void>;
  /**
   * Optional: adds these partitions and the group's offsets to the transaction ahead of `write`
   * (AddPartitionsToTxn, AddOffsetsToTxn), so the write that follows sends only what is missing.
   * Writes nothing: a transaction prepared and never written can be aborted at no cost but its
   * abort markers. Never throws: a failure is the write's to meet again and report.
   */
  prepare?(o: { groupId: string; partitions: { topic: string; partitions: number[] }[] }): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A transactional producer after `initTransactions`. */
export interface TransactionalProducerPort {
  begin(): Promise<TransactionPort>;
  /**
   * Commits a transaction that writes nothing but adds the group's offsets partition and these
   * partitions: its commit markers complete whatever this transactional id's earlier epochs left
   * pending there (see `stableCommittedOffsets`). Kafka applies a commit marker to the producer's
   * open transaction on that partition, whichever epoch wrote it.
   */
  settle(o: { groupId: string; partitions: { topic: string; partitions: number[] }[] }): Promise<void>;
  /** Disconnects without aborting anything (the next owner's initTransactions resolves an open transaction). */
  close(): Promise<void>;
}

/** A plain (idempotent, non-transactional) producer: what it sends is written at once. */
export interface ProducerPort {
  /** Produces records, acknowledged by all in-sync replicas (one batched request per call where it fits). */
  send(records: ProduceRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** What a consumer hands the loop. */
export type ConsumedItem =
  | { kind: 'record'; record: InputRecord; bytes: number }
  /** Everything below `nextOffset` on this partition has been delivered (covers transaction markers and aborted records). */
  | { kind: 'position'; partition: number; nextOffset: number };

export interface ConsumerPortOptions {
  topic: string;
  partitions: number[];
  /** Where to start, per partition (next offset to read). */
  startOffsets: OffsetMap;
  /** The group `commitOffsets` writes to (at-least-once mode only); the consumer joins no group. */
  commitGroupId?: string;
  /** Receives items in order per partition; called synchronously with respect to delivery order. */
  onItems(items: ConsumedItem[]): void;
  /** The consumer broke (rejoined, crashed): the loop must recreate it from its committed position. */
  onBroken(err: Error): void;
}

/** A read_committed consumer of exactly the given partitions, started at the given offsets. */
export interface ConsumerPort {
  /** Commits offsets to `commitGroupId` outside any transaction (at-least-once mode only). */
  commitOffsets(offsets: OffsetMap): Promise<void>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export interface KafkaPort {
  /** Connects a transactional producer and runs initTransactions (fencing earlier owners). */
  transactionalProducer(options: {
    transactionalId: string;
    transactionTimeoutMs: number;
    /**
     * What the transactions will write to: the adapter may look up these topics' leaders and the
     * group's coordinator in the background once the producer is fenced, off the first
     * transaction's critical path (a new owner reads its offsets meanwhile). Topics that exist
     * only: a lookup of a missing one may hold the producer's sends back while it is retried.
     */
    prepare?: { topics: string[]; groupId: string };
  }): Promise<TransactionalProducerPort>;
  /**
   * A non-transactional producer, for the at-least-once mode (benchmarks): the loop commits its
   * offsets through its consumer after the records are written.
   */
  plainProducer(): Promise<ProducerPort>;
  /** Committed offsets of a group (next offset to read); partitions without one are absent. */
  committedOffsets(groupId: string, topic: string, partitions: number[]): Promise<OffsetMap>;
  /**
   * The same, read with `require_stable` (KIP-447): a partition whose offsets have a transactional
   * commit pending comes back in `pending`, without an offset, instead of with the offsets before
   * it. (A broker without it answers as `committedOffsets`, nothing pending.)
   */
  stableCommittedOffsets(
    groupId: string,
    topic: string,
    partitions: number[],
  ): Promise<{ offsets: OffsetMap; pending: number[] }>;
  /** Earliest available offset per partition (log start). */
  earliestOffsets(topic: string, partitions: number[]): Promise<OffsetMap>;
  /** Partition count of a topic; throws when it does not exist. */
  partitionCount(topic: string): Promise<number>;
  /**
   * The topic's effective `max.message.bytes` (its own setting, else the broker's
   * `message.max.bytes`). Once asked, the port also keeps each produce batch for the topic within
   * it. Optional: without it the loop cannot tell an output too large before producing it.
   */
  maxMessageBytes?(topic: string): Promise<number | undefined>;
  /** Starts consuming; resolves once positioned at the start offsets. */
  consume(options: ConsumerPortOptions): Promise<ConsumerPort>;
  /** Closes shared connections. */
  close(): Promise<void>;
}
