/** What an {@link EosTask} tells its owner: its state, its events, how it ended. */
import type { OffsetMap } from './kafka-port';
import type { PoisonReason } from './poison';

export type TaskState =
  'created' | 'starting' | 'running' | 'paused' | 'recovering' | 'stopping' | 'stopped' | 'fenced' | 'failed';

/** A committed transaction. */
export interface CommitInfo {
  /** partition -> next offset, for the partitions this transaction moved. */
  offsets: OffsetMap;
  records: number;
  bytes: number;
  deadLettered: number;
  outputs: number;
  durationMs: number;
  committedAt: number;
  /** Timestamps (ms) of the batch's first and last input records; undefined for an empty batch. */
  inputSpan?: { first: number; last: number };
  /** Where the loop's time went for this batch, from asking for it to its commit. */
  steps: TransactionSteps;
}

/**
 * One batch's pass through the loop, in ms; the steps follow one another, so they add up to the
 * batch's time (`durationMs` is begin -> commit, without `waitMs`). With overlapped commits
 * (`overlapCommits`) a batch's commit runs beside the next batch's steps, so the loop's own time per
 * batch is the sum without `commitMs`'s EndTxn.
 */
export interface TransactionSteps {
  /** Waiting for the batch: for input, or for the linger to fill it. */
  waitMs: number;
  /** Starting the transaction (exactly-once: a fresh producer's first begin may look things up). */
  beginMs: number;
  /** The transform. */
  transformMs: number;
  /**
   * Exactly-once: adding the transaction's partitions and offsets before the records go out
   * (waits while the coordinator writes the previous transaction's markers); 0 when the adapter
   * does not tell, or at least once.
   */
  prepareMs: number;
  /** Producing the records (exactly-once: beside the offsets' TxnOffsetCommit). */
  produceMs: number;
  /**
   * Exactly-once: EndTxn; at least once: the consumer's OffsetCommit. With overlapped commits, also
   * the wait for the previous batch's commit, which must succeed first.
   */
  commitMs: number;
}

/** How long each step of a (re)start took, in ms; a step that did not run is absent. */
export interface StartSteps {
  /** Producer connect and initTransactions (fences earlier owners, settles their transaction). */
  fenceMs?: number;
  /** The output topics' partition count and max.message.bytes (read while fencing; the rest). */
  configsMs?: number;
  /** Committed offsets (and the earliest, for partitions without any). */
  offsetsMs?: number;
  /** The fetcher up and positioned (after the offsets read, unless it started early). */
  consumerMs?: number;
  /** The fetch started before the fence, at the offsets read after it (see EosTask.ensureStarted). */
  earlyFetch?: boolean;
  /**
   * Input partitions whose offsets were still pending after the fence (a transaction of an earlier
   * epoch committed, its offsets commit marker lost by the broker), settled before reading on.
   */
  settledPartitions?: number[];
}

export interface TaskEvents {
  state: [TaskState];
  /** Initialized and positioned at the committed offsets. */
  started: [{ offsets: OffsetMap; steps?: StartSteps }];
  committed: [CommitInfo];
  aborted: [{ reason: string; records: number }];
  /**
   * A retriable error; the loop backs off `backoffMs` and starts over from the committed offsets.
   * For a transform failure, the record and the attempt (of `maxAttempts`).
   */
  retrying: [
    {
      error: string;
      backoffMs: number;
      record?: { partition: number; offset: string };
      attempt?: number;
      maxAttempts?: number;
    },
  ];
  /** A record went to the dead-letter topic (emitted when its transaction commits). */
  deadLettered: [{ partition: number; offset: string; reason: PoisonReason; error: string }];
  fenced: [{ error: string }];
  failed: [{ error: string }];
  stopped: [{ graceful: boolean; offsets: OffsetMap }];
}

/** How the task ended. */
export type TaskOutcome =
  | { kind: 'stopped'; graceful: boolean; offsets: OffsetMap }
  | { kind: 'fenced'; error: string }
  | { kind: 'failed'; error: string };
