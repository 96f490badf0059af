/** What an {@link EosTask} is given: its options, their defaults and their validation. */
import type { InputRecord, TransformFn } from '@eos/transforms';
import { InvalidTaskOptionsError } from './errors';
import type { KafkaPort } from './kafka-port';
import type { QuarantinedRecord } from './poison';
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from './record-buffer';

/** Everything one task needs. Only the Kafka port talks to the outside world. */
export interface EosTaskOptions {
  /** Pipeline name (headers, logs, the transform context). */
  pipeline: string;
  /** Task index within the pipeline. */
  taskIndex: number;
  inputTopic: string;
  /** Input partitions this task owns. */
  partitions: number[];
  outputTopic: string;
  /** Where records the transform rejects go; without one, a poison record fails the task. */
  deadLetterTopic?: string;
  /** The task's stable transactional id: the new owner's initTransactions fences the old one. */
  transactionalId: string;
  /** The pipeline's offsets group, written only through transactions. */
  consumerGroup: string;
  transform: TransformFn;
  /** `name@version`, recorded in dead-letter headers. */
  transformId: string;
  kafka: KafkaPort;
  /** Batch limits. @default DEFAULT_BATCH_LIMITS: { maxRecords: 20000, maxBytes: 16 MiB, lingerMs: 100 } */
  batching?: Partial<BatchLimits>;
  /** Broker-side transaction timeout. @default 30000 */
  transactionTimeoutMs?: number;
  /** Backoff after a failed transaction: doubles from `initialMs` up to `maxMs`. @default { initialMs: 100, maxMs: 5000 } */
  retry?: { initialMs?: number; maxMs?: number };
  /** Headers added to every output record (spec version, transform). */
  outputHeaders?: Record<string, string>;
  /** Start paused (assigned, consuming nothing). @default false */
  startPaused?: boolean;
  /**
   * `exactly-once` (the product) or `at-least-once` (no transaction; outputs produced, then offsets
   * committed; for measuring the cost of transactions). @default 'exactly-once'
   */
  mode?: 'exactly-once' | 'at-least-once';
  /**
   * Commit a batch while the next one is transformed and produced: exactly-once writes them on two
   * transactional ids in turn, `transactionalId` and `<transactionalId>.b`, both fenced at every
   * start (a transaction's commit no longer stops the next one: its AddPartitionsToTxn waits while
   * the coordinator writes the previous transaction's markers on the same id). @default true
   */
  overlapCommits?: boolean;
  /** A fast stop gives up waiting for a stuck transform after this long and drops the producer. @default 5000 */
  fastStopTimeoutMs?: number;
  /**
   * Attempts one record gets when the transform throws RetriableTransformError or misses its
   * deadline (each failed attempt aborts the batch and retries it after the `retry` backoff); then
   * the record is dead-lettered with reason `retries-exhausted`. 1..100. @default 5
   */
  transformMaxAttempts?: number;
  /**
   * Deadline of one transform call that returns a promise: one that has not settled by then is a
   * failed attempt (see `transformMaxAttempts`). A synchronous transform that never returns blocks
   * the event loop; the worker's watchdog handles that. @default 10000
   */
  transformTimeoutMs?: number;
  /** Records to dead-letter without calling the transform (the controller's quarantine). */
  quarantined?: readonly QuarantinedRecord[];
  /** Told around every transform call (the worker's watchdog and careful mode). */
  probe?: TransformProbe;
}

/**
 * Told around every transform call. `announce` may return a promise, awaited before the call
 * (careful mode: the record is announced to the controller before it can take the process down);
 * `before` runs synchronously right before the call and `after` as soon as it returns (an async
 * transform may still be running then): the watchdog's window.
 */
export interface TransformProbe {
  announce?(record: InputRecord): void | Promise<void>;
  before?(record: InputRecord): void;
  after?(): void;
  /** The call's outcome is known: returned, threw, or (async) settled or missed its deadline. */
  settled?(record: InputRecord): void;
}

/** The options with every default filled in. */
export type ResolvedTaskOptions = EosTaskOptions & {
  transactionTimeoutMs: number;
  fastStopTimeoutMs: number;
  overlapCommits: boolean;
  transformTimeoutMs: number;
  transformMaxAttempts: number;
  limits: BatchLimits;
  retryInitialMs: number;
  retryMaxMs: number;
};

/**
 * Validates the options and fills in the defaults.
 * @throws InvalidTaskOptionsError naming the option
 */
export function resolveTaskOptions(options: EosTaskOptions): ResolvedTaskOptions {
  validate(options);
  return {
    transactionTimeoutMs: 30_000,
    fastStopTimeoutMs: 5_000,
    ...options,
    overlapCommits: options.overlapCommits ?? true,
    transformTimeoutMs: options.transformTimeoutMs ?? 10_000,
    transformMaxAttempts: options.transformMaxAttempts ?? 5,
    limits: { ...DEFAULT_BATCH_LIMITS, ...stripUndefined(options.batching ?? {}) },
    retryInitialMs: options.retry?.initialMs ?? 100,
    retryMaxMs: options.retry?.maxMs ?? 5_000,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validate(o: EosTaskOptions): void {
  const need = (cond: boolean, what: string) => {
    if (!cond) throw new InvalidTaskOptionsError(`invalid task options: ${what}`);
  };
  need(typeof o.pipeline === 'string' && o.pipeline.length > 0, 'pipeline is required');
  need(Number.isInteger(o.taskIndex) && o.taskIndex >= 0, 'taskIndex must be an integer >= 0');
  need(!!o.inputTopic, 'inputTopic is required');
  need(!!o.outputTopic, 'outputTopic is required');
  need(o.inputTopic !== o.outputTopic, 'inputTopic and outputTopic must differ');
  need(
    Array.isArray(o.partitions) &&
      o.partitions.length > 0 &&
      o.partitions.every((p) => Number.isInteger(p) && p >= 0),
    'partitions must be a non-empty list of partition numbers',
  );
  need(!!o.transactionalId, 'transactionalId is required');
  need(!!o.consumerGroup, 'consumerGroup is required');
  need(typeof o.transform === 'function', 'transform must be a function');
  const b = o.batching ?? {};
  need(b.maxRecords === undefined || b.maxRecords >= 1, 'batching.maxRecords must be >= 1');
  need(b.maxBytes === undefined || b.maxBytes >= 1, 'batching.maxBytes must be >= 1');
  need(b.lingerMs === undefined || b.lingerMs >= 0, 'batching.lingerMs must be >= 0');
  const a = o.transformMaxAttempts;
  need(
    a === undefined || (Number.isInteger(a) && a >= 1 && a <= 100),
    'transformMaxAttempts must be an integer 1..100',
  );
  const d = o.transformTimeoutMs;
  need(
    d === undefined || (Number.isInteger(d) && d >= 1 && d <= 3_600_000),
    'transformTimeoutMs must be an integer 1..3600000',
  );
}
