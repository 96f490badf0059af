import { atLeastOnceGroupOf } from '@eos/fleet-names';
import { EventEmitter } from 'node:events';
import {
  isRetriableTransformError,
  type InputRecord,
  type OutputRecord,
  type TransformContext,
  type TransformFn,
  type TransformResult,
} from '@eos/transforms';
import { describeAuthorizationFailure, type TaskPhase } from './authorization';
import { classifyError, describeError, InvalidTaskOptionsError, TaskFatalError } from './errors';
import {
  InvalidTransformResultError,
  poisonWithoutDeadLetterTopic,
  recordRef,
  transformOutputs,
  type PoisonReason,
  type QuarantinedRecord,
} from './poison';
import { singleBatchBytes } from './produce-chunks';
import { TransformAttempts, TransformRetryError, TransformTimeoutError } from './transform-attempts';
import type {
  ConsumerPort,
  KafkaPort,
  OffsetMap,
  ProduceRecord,
  TransactionalProducerPort,
  TransactionPort,
} from './kafka-port';
import { RecordBuffer, type BatchLimits, type TakenBatch } from './record-buffer';

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
  /** Batch limits. @default { maxRecords: 5000, maxBytes: 4 MiB, lingerMs: 100 } */
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
}

export interface TaskEvents {
  state: [TaskState];
  /** Initialized and positioned at the committed offsets. */
  started: [{ offsets: OffsetMap }];
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

const DEFAULT_BATCHING: BatchLimits = { maxRecords: 5000, maxBytes: 4 << 20, lingerMs: 100 };

class StopRequested extends Error {
  override readonly name = 'StopRequested';
}

/**
 * One task of a pipeline running the exactly-once loop: initTransactions (fences earlier owners),
 * read the committed offsets, consume the task's partitions read_committed, and per batch begin ->
 * produce outputs and dead letters -> sendOffsets -> commit.
 *
 * ```ts
 * const task = new EosTask({ ...options });
 * task.on('committed', (c) => report(c));
 * await task.start();          // resolves once running (or ended)
 * await task.stop({ graceful: true });
 * ```
 */
export class EosTask extends EventEmitter<TaskEvents> {
  private readonly o: Required<
    Pick<EosTaskOptions, 'transactionTimeoutMs' | 'fastStopTimeoutMs' | 'transformTimeoutMs'>
  > &
    EosTaskOptions;
  private readonly attempts: TransformAttempts;
  private readonly quarantine: Map<string, QuarantinedRecord>;
  /** `max.message.bytes` of the output and dead-letter topics, when the port knows it. */
  private readonly maxMessageBytes = new Map<string, number>();
  private phase: TaskPhase = 'init';
  private readonly limits: BatchLimits;
  private readonly retryInitial: number;
  private readonly retryMax: number;
  private readonly buffer: RecordBuffer;
  private _state: TaskState = 'created';
  private producer: TransactionalProducerPort | undefined;
  private producerDirty = false;
  /** The producer was (re)created since the offsets were last read: initTransactions settled every earlier transaction. */
  private producerFresh = false;
  private consumer: ConsumerPort | undefined;
  private consumerBroken: Error | undefined;
  private committed: OffsetMap = new Map();
  private outputPartitions = 0;
  private stopRequested = false;
  private graceful = true;
  private paused: boolean;
  private backpressured = false;
  private wakeIdle: (() => void) | undefined;
  private loop: Promise<TaskOutcome> | undefined;
  private runningOnce: Promise<void> | undefined;
  private resolveRunningOnce: (() => void) | undefined;

  constructor(options: EosTaskOptions) {
    super();
    validate(options);
    this.o = {
      transactionTimeoutMs: 30_000,
      fastStopTimeoutMs: 5_000,
      ...options,
      transformTimeoutMs: options.transformTimeoutMs ?? 10_000,
    };
    this.attempts = new TransformAttempts(options.transformMaxAttempts ?? 5);
    this.quarantine = new Map((options.quarantined ?? []).map((q) => [`${q.partition}@${q.offset}`, q]));
    this.limits = { ...DEFAULT_BATCHING, ...stripUndefined(options.batching ?? {}) };
    this.retryInitial = options.retry?.initialMs ?? 100;
    this.retryMax = options.retry?.maxMs ?? 5_000;
    this.paused = options.startPaused ?? false;
    this.buffer = new RecordBuffer(this.limits, (high) => {
      this.backpressured = high;
      this.applyConsumerPause();
    });
  }

  get state(): TaskState {
    return this._state;
  }

  /** The committed position: partition -> next offset. */
  positions(): OffsetMap {
    return new Map(this.committed);
  }

  /** Starts the loop; resolves once it runs (or ends, e.g. fenced at start). */
  start(): Promise<void> {
    if (this.loop) return this.runningOnce ?? Promise.resolve();
    this.runningOnce = new Promise((r) => (this.resolveRunningOnce = r));
    this.loop = this.runLoop().finally(() => this.resolveRunningOnce?.());
    return this.runningOnce;
  }

  /** Resolves with how the task ended. */
  done(): Promise<TaskOutcome> {
    if (!this.loop) throw new Error('task not started');
    return this.loop;
  }

  /**
   * Stops the task. Graceful: the transaction in flight finishes and commits. Fast: the
   * transaction in flight is aborted (a stuck transform is abandoned after `fastStopTimeoutMs`;
   * the next owner's initTransactions aborts what it left open). Calling it again with
   * `graceful: false` escalates a graceful stop.
   */
  async stop({ graceful = true }: { graceful?: boolean } = {}): Promise<TaskOutcome> {
    if (!this.loop) {
      this.setState('stopped');
      return { kind: 'stopped', graceful, offsets: this.positions() };
    }
    this.stopRequested = true;
    if (!graceful) this.graceful = false;
    if (!['fenced', 'failed', 'stopped'].includes(this._state)) this.setState('stopping');
    this.buffer.wake();
    this.wakeIdle?.();
    if (graceful) return this.loop;
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<'timeout'>(
      (r) => (timer = setTimeout(() => r('timeout'), this.o.fastStopTimeoutMs)),
    );
    const res = await Promise.race([this.loop, abandoned]);
    clearTimeout(timer);
    if (res !== 'timeout') return res;
    // The loop is stuck in user code: drop the connections without aborting; fencing protects the next owner.
    await this.teardown();
    return { kind: 'stopped', graceful: false, offsets: this.positions() };
  }

  /** Pauses after the transaction in flight: stays assigned, consumes nothing, no open transaction. */
  pause(): void {
    this.paused = true;
    this.applyConsumerPause();
    this.buffer.wake();
  }

  resume(): void {
    this.paused = false;
    this.applyConsumerPause();
    this.wakeIdle?.();
  }

  private setState(s: TaskState): void {
    if (this._state === s) return;
    this._state = s;
    this.emit('state', s);
  }

  private applyConsumerPause(): void {
    if (!this.consumer) return;
    if (this.paused || this.backpressured) this.consumer.pause();
    else this.consumer.resume();
  }

  private async runLoop(): Promise<TaskOutcome> {
    let backoff = this.retryInitial;
    this.setState('starting');
    while (!this.stopRequested) {
      try {
        await this.ensureStarted();
        backoff = this.retryInitial;
        await this.processBatches();
      } catch (err) {
        if (err instanceof StopRequested) break;
        const denied = describeAuthorizationFailure(err, { ...this.o, phase: this.phase });
        const kind = denied ? 'fatal' : classifyError(err);
        const message = denied ?? describeError(err);
        if (kind === 'fenced' || kind === 'fatal') {
          await this.teardown();
          const end = kind === 'fenced' ? 'fenced' : 'failed';
          this.setState(end);
          this.emit(end, { error: message });
          return { kind: end, error: message };
        }
        // Retriable: rewind by recreating the consumer at the committed offsets.
        await this.closeConsumer();
        if (this.producerDirty) await this.closeProducer();
        if (this.stopRequested) break;
        this.setState('recovering');
        this.emit(
          'retrying',
          err instanceof TransformRetryError
            ? {
                error: message,
                backoffMs: backoff,
                record: err.record,
                attempt: err.attempt,
                maxAttempts: err.maxAttempts,
              }
            : { error: message, backoffMs: backoff },
        );
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.retryMax);
      }
    }
    await this.teardown();
    this.setState('stopped');
    const offsets = this.positions();
    this.emit('stopped', { graceful: this.graceful, offsets });
    return { kind: 'stopped', graceful: this.graceful, offsets };
  }

  /** initTransactions (fencing), then committed offsets, then the consumer. */
  private async ensureStarted(): Promise<void> {
    if (!this.producer) {
      this.phase = 'init';
      this.producer =
        this.o.mode === 'at-least-once'
          ? await this.o.kafka.plainProducer()
          : await this.o.kafka.transactionalProducer({
              transactionalId: this.o.transactionalId,
              transactionTimeoutMs: this.o.transactionTimeoutMs,
            });
      this.producerDirty = false;
      this.producerFresh = true;
    }
    if (this.stopRequested) throw new StopRequested();
    if (!this.consumer) {
      this.phase = 'read';
      if (this.outputPartitions === 0) {
        this.outputPartitions = await this.o.kafka.partitionCount(this.o.outputTopic);
        // Each output topic's max.message.bytes (DescribeConfigs), so a record too large for it is
        // dead-lettered instead of failing its batch.
        this.phase = 'configs';
        for (const topic of [this.o.outputTopic, this.o.deadLetterTopic]) {
          const max = topic ? await this.o.kafka.maxMessageBytes?.(topic) : undefined;
          if (topic && max !== undefined) this.maxMessageBytes.set(topic, max);
        }
        this.phase = 'read';
      }
      const committed = await this.o.kafka.committedOffsets(
        this.offsetsGroup(),
        this.o.inputTopic,
        this.o.partitions,
      );
      // OffsetFetch does not wait for commit markers (kafkajs sends no require_stable), so right
      // after our own commit it can still answer the previous offsets. With the same producer
      // (nothing pending), what this task committed itself is at least as recent.
      if (!this.producerFresh)
        for (const [p, off] of this.committed) if (off > (committed.get(p) ?? -1)) committed.set(p, off);
      const missing = this.o.partitions.filter((p) => !committed.has(p));
      if (missing.length > 0) {
        const earliest = await this.o.kafka.earliestOffsets(this.o.inputTopic, missing);
        for (const p of missing) committed.set(p, earliest.get(p) ?? 0);
      }
      this.committed = committed;
      this.buffer.clear();
      this.consumerBroken = undefined;
      this.consumer = await this.o.kafka.consume({
        topic: this.o.inputTopic,
        partitions: this.o.partitions,
        startOffsets: committed,
        // At-least-once commits through its consumer, to a (stable) group of the task's own.
        commitGroupId: this.o.mode === 'at-least-once' ? this.offsetsGroup() : undefined,
        onItems: (items) => this.buffer.push(items),
        onBroken: (err) => {
          this.consumerBroken = err;
          this.buffer.wake();
        },
      });
      this.applyConsumerPause();
      this.producerFresh = false;
      this.emit('started', { offsets: this.positions() });
    }
    this.setState(this.paused ? 'paused' : 'running');
    this.resolveRunningOnce?.();
  }

  /** Where this task's committed offsets live: the pipeline group, or (at-least-once) a group of the task's own. */
  private offsetsGroup(): string {
    return this.o.mode === 'at-least-once'
      ? atLeastOnceGroupOf(this.o.consumerGroup, this.o.taskIndex)
      : this.o.consumerGroup;
  }

  private async processBatches(): Promise<void> {
    for (;;) {
      if (this.stopRequested) throw new StopRequested();
      if (this.consumerBroken) {
        this.phase = 'read';
        throw this.consumerBroken;
      }
      if (this.paused) {
        this.setState('paused');
        await new Promise<void>((r) => (this.wakeIdle = r));
        this.wakeIdle = undefined;
        continue;
      }
      this.setState('running');
      const batch = await this.buffer.take(
        this.committed,
        () => this.stopRequested || this.paused || this.consumerBroken !== undefined,
      );
      if (batch.records.length === 0 && batch.nextOffsets.size === 0) continue;
      await this.runTransaction(batch);
    }
  }

  private async runTransaction(batch: TakenBatch): Promise<void> {
    const producer = this.producer as TransactionalProducerPort;
    const t0 = Date.now();
    this.phase = 'produce';
    const tx: TransactionPort = await producer.begin();
    let deadLettered = 0;
    let outputs = 0;
    let produced = false;
    const poisoned: { partition: number; offset: string; reason: PoisonReason; error: string }[] = [];
    try {
      const toSend: ProduceRecord[] = [];
      const ctx: TransformContext = { pipeline: this.o.pipeline, taskIndex: this.o.taskIndex };
      const poison = (rec: InputRecord, reason: PoisonReason, error: string) => {
        toSend.push(this.poison(rec, reason, error));
        poisoned.push({ partition: rec.partition, offset: rec.offset, reason, error });
        deadLettered++;
      };
      for (const rec of batch.records) {
        this.throwIfFastStop();
        const quarantined = this.quarantine.size
          ? this.quarantine.get(`${rec.partition}@${rec.offset}`)
          : undefined;
        if (quarantined) {
          poison(rec, 'quarantined', quarantined.reason);
          continue;
        }
        let outs: OutputRecord[];
        try {
          let result = this.callTransform(rec, ctx);
          // Only a promise is awaited: a synchronous transform costs no extra tick per record.
          if (result && typeof (result as Promise<unknown>).then === 'function') result = await result;
          outs = transformOutputs(result);
        } catch (err) {
          if (err instanceof InvalidTransformResultError) poison(rec, 'invalid-result', err.message);
          else if (isRetriableTransformError(err)) {
            const retry = this.attempts.failed(rec, err);
            if (retry) throw retry;
            poison(
              rec,
              'retries-exhausted',
              `gave up after ${this.attempts.maxAttempts} attempts: ${describeError(err)}`,
            );
          } else poison(rec, 'transform-error', describeError(err));
          continue;
        }
        const records = outs.map((out) => this.output(rec, out));
        const big = records.find((r) => this.tooLarge(r));
        if (big) {
          poison(rec, 'too-large', this.tooLargeText(big));
          continue;
        }
        for (const r of records) toSend.push(r);
        outputs += records.length;
      }
      this.throwIfFastStop();
      produced = true;
      await tx.send(toSend);
      await tx.sendOffsets(this.o.consumerGroup, this.o.inputTopic, batch.nextOffsets);
      this.throwIfFastStop();
    } catch (err) {
      if (classifyError(err) === 'fenced') throw err;
      // A produce that failed may still have landed: kafkajs rolls its sequence numbers back, so
      // the same producer could see the retried batch taken for a duplicate. Start over fresh.
      if (produced && !(err instanceof StopRequested)) this.producerDirty = true;
      try {
        await tx.abort();
      } catch (abortErr) {
        if (classifyError(abortErr) === 'fenced') throw abortErr;
        this.producerDirty = true; // an abort that did not land: start over with a fresh producer
      }
      const reason = err instanceof StopRequested ? 'fast stop' : describeError(err);
      this.emit('aborted', { reason, records: batch.records.length });
      throw err;
    }
    try {
      if (this.o.mode === 'at-least-once')
        await (this.consumer as ConsumerPort).commitOffsets(batch.nextOffsets);
      await tx.commit();
    } catch (err) {
      if (classifyError(err) === 'fenced') throw err;
      // Outcome unknown: a delayed EndTxn could land on the next transaction (KAFKA-17754), so the
      // producer is recreated, and the consumer re-reads the committed offsets, whichever way it went.
      this.producerDirty = true;
      this.emit('aborted', {
        reason: `commit outcome unknown: ${describeError(err)}`,
        records: batch.records.length,
      });
      throw err;
    }
    for (const [p, off] of batch.nextOffsets) this.committed.set(p, off);
    this.attempts.committed(this.committed);
    for (const d of poisoned) this.emit('deadLettered', d);
    this.emit('committed', {
      offsets: batch.nextOffsets,
      records: batch.records.length,
      bytes: batch.bytes,
      deadLettered,
      outputs,
      durationMs: Date.now() - t0,
      committedAt: Date.now(),
    });
  }

  /** A fast stop abandons the transaction in flight at the next step. */
  private throwIfFastStop(): void {
    if (this.stopRequested && !this.graceful) throw new StopRequested();
  }

  private output(rec: InputRecord, out: OutputRecord): ProduceRecord {
    const headers = this.o.outputHeaders ? { ...(out.headers ?? {}), ...this.o.outputHeaders } : out.headers;
    return {
      topic: this.o.outputTopic,
      // Same partition as the input when the output has it: per-partition order carries over.
      partition: rec.partition < this.outputPartitions ? rec.partition : undefined,
      key: out.key === undefined ? rec.key : out.key,
      value: out.value,
      headers,
    };
  }

  /**
   * Calls the transform between the probe's `before` and `after`. Returns the result, or a promise
   * of it (the caller awaits only a promise) that rejects with {@link TransformTimeoutError} past
   * `transformTimeoutMs`.
   */
  private callTransform(rec: InputRecord, ctx: TransformContext): TransformResult | Promise<TransformResult> {
    const probe = this.o.probe;
    const run = (): TransformResult | Promise<TransformResult> => {
      let result;
      let threw = true;
      probe?.before?.(rec);
      try {
        result = this.o.transform(rec, ctx);
        threw = false;
      } finally {
        probe?.after?.();
        if (threw) probe?.settled?.(rec);
      }
      if (!result || typeof (result as Promise<unknown>).then !== 'function') {
        probe?.settled?.(rec);
        return result;
      }
      const settling = this.withDeadline(result as Promise<TransformResult>, rec);
      return probe?.settled ? settling.finally(() => probe.settled?.(rec)) : settling;
    };
    const wait = probe?.announce?.(rec);
    return wait ? wait.then(run) : run();
  }

  private withDeadline(p: Promise<TransformResult>, rec: InputRecord): Promise<TransformResult> {
    const ms = this.o.transformTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TransformTimeoutError(
              `transform ${this.o.transformId} did not settle within ${ms} ms on ${recordRef(rec)}`,
            ),
          ),
        ms,
      );
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  private tooLarge(r: ProduceRecord): boolean {
    const max = this.maxMessageBytes.get(r.topic);
    return max !== undefined && singleBatchBytes(r) > max;
  }

  private tooLargeText(r: ProduceRecord): string {
    return `an output record of about ${singleBatchBytes(r)} bytes exceeds max.message.bytes ${this.maxMessageBytes.get(r.topic)} of topic ${r.topic}`;
  }

  /** The dead letter for a poison record, or the error that fails the task without a dead-letter topic. */
  private poison(rec: InputRecord, reason: PoisonReason, error: string): ProduceRecord {
    if (!this.o.deadLetterTopic)
      throw poisonWithoutDeadLetterTopic(this.o.pipeline, this.o.transformId, rec, reason, error);
    const dl = this.deadLetter(rec, reason, error);
    if (this.tooLarge(dl))
      throw new TaskFatalError(
        `pipeline ${this.o.pipeline}: record ${recordRef(rec)} is poison for transform ${this.o.transformId} (${reason}: ${error}) and its dead letter cannot be written: ${this.tooLargeText(dl)}`,
      );
    return dl;
  }

  private deadLetter(rec: InputRecord, reason: PoisonReason, error: string): ProduceRecord {
    const headers: Record<string, Buffer | string> = {};
    for (const [k, v] of Object.entries(rec.headers)) if (v !== undefined) headers[k] = v;
    Object.assign(headers, {
      'eos.source.topic': rec.topic,
      'eos.source.partition': String(rec.partition),
      'eos.source.offset': rec.offset,
      'eos.error': error.slice(0, 1000),
      'eos.reason': reason,
      'eos.transform': this.o.transformId,
      'eos.pipeline': this.o.pipeline,
    });
    return { topic: this.o.deadLetterTopic as string, key: rec.key, value: rec.value, headers };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeIdle = undefined;
        resolve();
      }, ms);
      this.wakeIdle = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async closeConsumer(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    this.buffer.clear();
    if (c) await c.close().catch(() => undefined);
  }

  private async closeProducer(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await p.close().catch(() => undefined);
  }

  private async teardown(): Promise<void> {
    await Promise.all([this.closeConsumer(), this.closeProducer()]);
  }
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
