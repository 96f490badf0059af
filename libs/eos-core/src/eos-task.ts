import { EventEmitter } from 'node:events';
import { describeAuthorizationFailure, type TaskPhase } from './authorization';
import { BatchTransform, type TransformedBatch } from './batch-transform';
import { commitStrategyFor, type BatchWrite, type BatchWriter, type CommitStrategy } from './commit-strategy';
import { resolveTaskOptions, type EosTaskOptions, type ResolvedTaskOptions } from './eos-task-options';
import { classifyError, describeError } from './errors';
import type { ConsumerPort, OffsetMap } from './kafka-port';
import { RecordBuffer, type TakenBatch } from './record-buffer';
import type {
  CommitInfo,
  StartSteps,
  TaskEvents,
  TaskOutcome,
  TaskState,
  TransactionSteps,
} from './task-events';
import { TransformRetryError } from './transform-attempts';

class StopRequested extends Error {
  override readonly name = 'StopRequested';
}

/**
 * One task of a pipeline running the exactly-once loop: initTransactions (fences earlier owners),
 * read the committed offsets, consume the task's partitions read_committed, and per batch begin ->
 * write (outputs, dead letters and the offsets, through the TransactionPort) -> commit.
 *
 * The consumer's records wait in a {@link RecordBuffer} (record-buffer.ts) until a batch is taken;
 * {@link BatchTransform} (batch-transform.ts) runs the transform over it; the
 * {@link CommitStrategy} (commit-strategy.ts) writes and commits it, in one transaction or, in the
 * at-least-once mode, as a plain produce then an offset commit. A batch commits while the next one
 * is transformed and written when the strategy's writer allows it (`overlapCommits`; the rules are
 * on `BatchWriter.overlapsCommits`): at most one commit is in flight, commits complete in batch
 * order, and every error, pause and stop first waits for it. This class holds the lifecycle
 * (start, pause, stop), rewinds to the committed offsets after a retriable error, and reports
 * through events (task-events.ts).
 *
 * ```ts
 * const task = new EosTask({ ...options });
 * task.on('committed', (c) => report(c));
 * await task.start();          // resolves once running (or ended)
 * await task.stop({ graceful: true });
 * ```
 */
export class EosTask extends EventEmitter<TaskEvents> {
  private readonly o: ResolvedTaskOptions;
  /** Exactly-once or at-least-once: how a batch becomes durable. */
  private readonly strategy: CommitStrategy;
  private readonly transform: BatchTransform;
  private phase: TaskPhase = 'init';
  private readonly buffer: RecordBuffer;
  private _state: TaskState = 'created';
  private producer: BatchWriter | undefined;
  private producerDirty = false;
  /** The producer was (re)created since the offsets were last read: initTransactions settled every earlier transaction. */
  private producerFresh = false;
  /** The next batch is the first since the consumer (re)started: take it without lingering. */
  private firstBatch = false;
  private consumer: ConsumerPort | undefined;
  private consumerBroken: Error | undefined;
  /** Which consumer may deliver into the buffer (see openConsumer). */
  private consumerGen = 0;
  private committed: OffsetMap = new Map();
  /**
   * Where the next batch starts, partition -> next offset: the committed offsets and the batch whose
   * commit is in flight.
   */
  private taken: OffsetMap = new Map();
  /** The previous batch's commit, in flight beside the next batch (a writer that overlaps commits). */
  private inflight: Promise<void> | undefined;
  /** That commit failed: the loop stops waiting for input and throws its error. */
  private inflightFailed = false;
  private stopRequested = false;
  /** A graceful stop committed what was buffered (once). */
  private flushedAtStop = false;
  private graceful = true;
  private paused: boolean;
  private backpressured = false;
  private wakeIdle: (() => void) | undefined;
  private loop: Promise<TaskOutcome> | undefined;
  private runningOnce: Promise<void> | undefined;
  private resolveRunningOnce: (() => void) | undefined;

  constructor(options: EosTaskOptions) {
    super();
    this.o = resolveTaskOptions(options);
    this.strategy = commitStrategyFor(this.o);
    this.transform = new BatchTransform(this.o);
    this.paused = options.startPaused ?? false;
    this.buffer = new RecordBuffer(this.o.limits, (high) => {
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
    let backoff = this.o.retryInitialMs;
    this.setState('starting');
    while (!this.stopRequested) {
      try {
        await this.ensureStarted();
        backoff = this.o.retryInitialMs;
        await this.processBatches();
      } catch (thrown) {
        // The commit in flight ends first: it moves the committed offsets the loop rewinds to. A
        // fence it met ends the task whatever else failed.
        const commitErr = await this.drainCommit().then(
          () => undefined,
          (e: unknown) => e,
        );
        const err = commitErr !== undefined && classifyError(commitErr) === 'fenced' ? commitErr : thrown;
        // A transaction begun ahead would sit open through the backoff (the coordinator's timeout
        // aborts it by fencing its producer): aborted now, or the producer replaced.
        await this.releaseAhead();
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
        backoff = Math.min(backoff * 2, this.o.retryMaxMs);
      }
    }
    await this.teardown();
    this.setState('stopped');
    const offsets = this.positions();
    this.emit('stopped', { graceful: this.graceful, offsets });
    return { kind: 'stopped', graceful: this.graceful, offsets };
  }

  /**
   * initTransactions (fencing), then committed offsets, then the consumer. On a fresh start (no
   * producer, no consumer: a task's first start, a handoff) the committed offsets are read and the
   * fetch starts at them WHILE the producer fences; after the fence they are read again, and a
   * fetch started at offsets that moved meanwhile (the last owner's commit landed during the
   * fence) is thrown away with its records. Only offsets read after the fence count: before it an
   * earlier owner may still commit, and OffsetFetch does not wait for its markers. What the early
   * fetch saves is the offsets read and the fetcher's start on a handoff's critical path.
   */
  private async ensureStarted(): Promise<void> {
    // The output topics' partition count and max.message.bytes are read while the producer
    // fences (neither depends on it): a task start is on a handoff's critical path.
    const configs =
      !this.consumer && this.transform.output.outputPartitions === 0 ? this.readOutputConfigs() : undefined;
    // Awaited below, after init (whose failure comes first).
    configs?.partitions.catch(() => undefined);
    configs?.maxes.catch(() => undefined);
    const steps: StartSteps = {};
    let at = Date.now();
    const step = (name: Exclude<keyof StartSteps, 'earlyFetch' | 'settledPartitions'>) => {
      const now = Date.now();
      steps[name] = now - at;
      at = now;
    };
    let early: Promise<EarlyFetch> | undefined;
    if (!this.producer && !this.consumer) {
      this.buffer.clear();
      early = this.readStartOffsets().then(async (offsets) => ({
        offsets,
        consumer: await this.openConsumer(offsets),
      }));
      early.catch(() => undefined);
    }
    let adopted = false;
    try {
      if (!this.producer) {
        this.phase = 'init';
        this.producer = await this.strategy.connect();
        this.producerDirty = false;
        this.producerFresh = true;
        step('fenceMs');
      }
      if (this.stopRequested) throw new StopRequested();
      if (!this.consumer) {
        this.phase = 'read';
        if (configs) {
          // A refusal names Describe on the topics (the partition count), then DescribeConfigs.
          this.phase = 'init';
          await configs.partitions;
          this.phase = 'configs';
          await configs.maxes;
          this.phase = 'read';
          step('configsMs');
        }
        const committed = await this.readStartOffsets(steps);
        this.committed = committed;
        this.taken = new Map(committed);
        step('offsetsMs');
        const e = early ? await early.catch(() => undefined) : undefined;
        if (e && sameOffsets(e.offsets, committed)) {
          adopted = true;
          this.consumer = e.consumer;
          steps.earlyFetch = true;
        } else {
          this.buffer.clear(); // an early fetch from other offsets is closed below
          this.consumer = await this.openConsumer(committed);
        }
        this.applyConsumerPause();
        step('consumerMs');
        this.producerFresh = false;
        this.firstBatch = true;
        this.emit('started', { offsets: this.positions(), steps });
      }
    } finally {
      // Not adopted: its offsets moved, or the start failed. Its deliveries are already dropped
      // (openConsumer's generation); it is closed once it exists.
      if (early && !adopted)
        void early.then(
          (e) => e.consumer.close().catch(() => undefined),
          () => undefined,
        );
    }
    this.setState(this.paused ? 'paused' : 'running');
    this.resolveRunningOnce?.();
  }

  /**
   * The committed offsets (and the earliest, for partitions without any). With the same producer
   * as the last commit (nothing pending), what this task committed itself is at least as recent:
   * OffsetFetch without require_stable does not wait for commit markers, so right after our own
   * commit it can still answer the previous offsets. Right after this task's fence (`afterFence`
   * with a fresh producer) they are read with require_stable instead: see `readSettledOffsets`.
   */
  private async readStartOffsets(afterFence?: StartSteps): Promise<OffsetMap> {
    const settle = this.producer?.settle?.bind(this.producer);
    const committed =
      afterFence && this.producerFresh && settle
        ? await this.readSettledOffsets(settle, afterFence)
        : await this.o.kafka.committedOffsets(
            this.strategy.offsetsGroup,
            this.o.inputTopic,
            this.o.partitions,
          );
    if (!this.producerFresh)
      for (const [p, off] of this.committed) if (off > (committed.get(p) ?? -1)) committed.set(p, off);
    const missing = this.o.partitions.filter((p) => !committed.has(p));
    if (missing.length > 0) {
      const earliest = await this.o.kafka.earliestOffsets(this.o.inputTopic, missing);
      for (const p of missing) committed.set(p, earliest.get(p) ?? 0);
    }
    return committed;
  }

  /**
   * The committed offsets after this task's fence, read with require_stable. The fence completed
   * every transaction of earlier epochs, so an offset commit still pending now is one the broker
   * will not complete by itself: Kafka 4.4, SIGKILLed and restarted, completed transactions whose
   * commit marker never reached the offsets partition. Read without require_stable, those offsets
   * are the ones BEFORE a committed transaction, and its outputs would be written twice (the chaos
   * run's broker-kill found it). One empty transaction over the offsets group and the output
   * partitions settles them: its commit markers complete this transactional id's pending commits
   * there (outputs included). What stays pending after that belongs to another producer (a
   * partition that moved between tasks): waited for, up to the transaction timeout.
   */
  private async readSettledOffsets(
    settle: (outputPartitions: number) => Promise<void>,
    steps: StartSteps,
  ): Promise<OffsetMap> {
    const deadline = Date.now() + this.o.transactionTimeoutMs;
    let wait = 20;
    for (;;) {
      const { offsets, pending } = await this.o.kafka.stableCommittedOffsets(
        this.strategy.offsetsGroup,
        this.o.inputTopic,
        this.o.partitions,
      );
      if (pending.length === 0) return offsets;
      if (this.stopRequested) throw new StopRequested();
      if (!steps.settledPartitions) {
        steps.settledPartitions = pending;
        this.phase = 'produce'; // a refusal names Write on the output topic
        try {
          await settle(this.transform.output.outputPartitions);
        } catch (err) {
          this.producerDirty = true; // a transaction in an unknown state: start over with a fresh producer
          throw err;
        }
        this.phase = 'read';
        continue;
      }
      if (Date.now() >= deadline)
        throw Object.assign(
          new Error(
            `the committed offsets of ${this.o.inputTopic} partitions ${pending.join(', ')} in group ${this.strategy.offsetsGroup} are still pending ${this.o.transactionTimeoutMs} ms after this task's fence (another producer's transaction?)`,
          ),
          { retriable: true },
        );
      await this.sleep(wait);
      wait = Math.min(wait * 2, 500);
    }
  }

  /**
   * A consumer from `startOffsets` whose records go to the buffer while it is the current one
   * (a newer one, or none, since: its late deliveries are dropped).
   */
  private async openConsumer(startOffsets: OffsetMap): Promise<ConsumerPort> {
    const gen = ++this.consumerGen;
    this.consumerBroken = undefined;
    return this.o.kafka.consume({
      topic: this.o.inputTopic,
      partitions: this.o.partitions,
      startOffsets,
      commitGroupId: this.strategy.consumerCommitGroup,
      onItems: (items) => {
        if (gen === this.consumerGen) this.buffer.push(items);
      },
      onBroken: (err) => {
        if (gen !== this.consumerGen) return;
        this.consumerBroken = err;
        this.buffer.wake();
      },
    });
  }

  /**
   * The output topic's partition count, and each output topic's max.message.bytes
   * (DescribeConfigs), so a record too large for it is dead-lettered instead of failing its batch.
   */
  private readOutputConfigs(): { partitions: Promise<void>; maxes: Promise<void> } {
    const output = this.transform.output;
    const partitions = this.o.kafka.partitionCount(this.o.outputTopic).then((n) => {
      output.outputPartitions = n;
    });
    const topics = [this.o.outputTopic, this.o.deadLetterTopic].filter((t): t is string => !!t);
    const maxes = Promise.all(
      topics.map(async (t) => {
        const max = await this.o.kafka.maxMessageBytes?.(t);
        if (max !== undefined) output.maxMessageBytes.set(t, max);
      }),
    ).then(() => undefined);
    return { partitions, maxes };
  }

  private async processBatches(): Promise<void> {
    for (;;) {
      if (this.inflightFailed) await this.drainCommit(); // throws its error
      if (this.stopRequested) {
        // A graceful stop commits what is already buffered, in one batch without lingering, so
        // the last owner's output reaches its revoke, and the next owner's backlog (the output
        // pause of a handoff) starts there.
        if (this.graceful && !this.flushedAtStop && !this.consumerBroken) {
          this.flushedAtStop = true;
          const batch = this.takeBuffered();
          if (batch.records.length > 0 || batch.nextOffsets.size > 0) await this.runTransaction(batch);
        }
        await this.drainCommit();
        throw new StopRequested();
      }
      if (this.consumerBroken) {
        this.phase = 'read';
        throw this.consumerBroken;
      }
      if (this.paused) {
        await this.drainCommit(); // paused: no transaction open
        await this.releaseAhead();
        this.setState('paused');
        await new Promise<void>((r) => (this.wakeIdle = r));
        this.wakeIdle = undefined;
        continue;
      }
      this.setState('running');
      // Nothing waiting: a transaction begun ahead is not left open for as long as the input is dry.
      if (this.buffer.empty) await this.releaseAhead();
      const asked = Date.now();
      const batch = await this.buffer.take(
        this.taken,
        () => this.stopRequested || this.paused || this.consumerBroken !== undefined || this.inflightFailed,
        { linger: !this.firstBatch },
      );
      this.firstBatch = false;
      if (batch.records.length === 0 && batch.nextOffsets.size === 0) continue;
      for (const [p, off] of batch.nextOffsets) this.taken.set(p, off);
      await this.runTransaction(batch, Date.now() - asked);
    }
  }

  /** What is buffered now, as one batch (a graceful stop's last). */
  private takeBuffered(): TakenBatch {
    const batch = this.buffer.takeBuffered(this.taken);
    for (const [p, off] of batch.nextOffsets) this.taken.set(p, off);
    return batch;
  }

  /** Aborts what the writer began ahead (`BatchWriter.prepareNext`); an abort that fails replaces the producer. */
  private async releaseAhead(): Promise<void> {
    try {
      await this.producer?.release?.();
    } catch {
      this.producerDirty = true;
    }
  }

  /**
   * Waits for the commit in flight, if any; throws its error (the batch's own `aborted` event is
   * already out, and its producer marked for replacement).
   */
  private async drainCommit(): Promise<void> {
    const c = this.inflight;
    if (!c) return;
    try {
      await c;
    } finally {
      if (this.inflight === c) {
        this.inflight = undefined;
        this.inflightFailed = false;
      }
    }
  }

  /**
   * One batch: transform, write, commit (through the strategy); an error aborts it and propagates.
   * With a writer that overlaps commits, the commit is left in flight (`inflight`) once the batch
   * is written and the previous commit is done; without, it is awaited.
   */
  private async runTransaction(batch: TakenBatch, waitMs = 0): Promise<void> {
    const writer = this.producer as BatchWriter;
    if (!writer.overlapsCommits) await this.drainCommit();
    const t0 = Date.now();
    this.phase = 'produce';
    const write: BatchWrite = await writer.begin(this.consumer as ConsumerPort);
    const steps: TransactionSteps = {
      waitMs,
      beginMs: Date.now() - t0,
      transformMs: 0,
      prepareMs: 0,
      produceMs: 0,
      commitMs: 0,
    };
    let produced = false;
    let result: TransformedBatch;
    try {
      let at = Date.now();
      result = await this.transform.run(batch.records, () => this.throwIfFastStop());
      this.throwIfFastStop();
      produced = true;
      steps.transformMs = Date.now() - at;
      at = Date.now();
      const timings = await write.write(result.records, batch.nextOffsets);
      steps.prepareMs = timings ? timings.prepareMs : 0;
      steps.produceMs = Date.now() - at - steps.prepareMs;
      this.throwIfFastStop();
      // Commits go in batch order: this one after the previous one succeeded (counted as commit time).
      at = Date.now();
      await this.drainCommit();
      steps.commitMs = Date.now() - at;
    } catch (err) {
      if (classifyError(err) === 'fenced') throw err;
      // A produce that failed may still have landed: kafkajs rolls its sequence numbers back, so
      // the same producer could see the retried batch taken for a duplicate. Start over fresh.
      if (produced && !(err instanceof StopRequested)) this.producerDirty = true;
      try {
        await write.abort();
      } catch (abortErr) {
        if (classifyError(abortErr) === 'fenced') throw abortErr;
        this.producerDirty = true; // an abort that did not land: start over with a fresh producer
      }
      const reason = err instanceof StopRequested ? 'fast stop' : describeError(err);
      this.emit('aborted', { reason, records: batch.records.length });
      throw err;
    }
    const commit = this.commitBatch(write, batch, result, steps, t0).then(() => {
      // Records are waiting: the next batch's transaction begins now, on the id just freed, and adds its
      // partitions and offsets while this loop transforms and writes (BatchWriter.prepareNext).
      if (this.producer === writer && !this.buffer.empty && !this.stopRequested && !this.paused)
        writer.prepareNext?.();
    });
    if (!writer.overlapsCommits) return commit;
    this.inflight = commit;
    commit.catch(() => {
      if (this.inflight !== commit) return;
      this.inflightFailed = true;
      this.buffer.wake();
    });
  }

  /** Commits a written batch and reports it; a failure emits `aborted` (unless fenced) and throws. */
  private async commitBatch(
    write: BatchWrite,
    batch: TakenBatch,
    result: TransformedBatch,
    steps: TransactionSteps,
    t0: number,
  ): Promise<void> {
    const committing = Date.now();
    try {
      await write.commit(batch.nextOffsets);
      steps.commitMs += Date.now() - committing;
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
    this.transform.committed(this.committed);
    for (const d of result.deadLettered) this.emit('deadLettered', d);
    this.emit('committed', {
      offsets: batch.nextOffsets,
      records: batch.records.length,
      bytes: batch.bytes,
      deadLettered: result.deadLettered.length,
      outputs: result.outputs,
      durationMs: Date.now() - t0,
      committedAt: Date.now(),
      inputSpan: inputSpan(batch.records),
      steps,
    });
  }

  /** A fast stop abandons the transaction in flight at the next step. */
  private throwIfFastStop(): void {
    if (this.stopRequested && !this.graceful) throw new StopRequested();
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
    this.consumerGen++;
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

/**
 * The timestamps of the batch's first and last records: its input's age, for the first-commit log
 * line (with several partitions, an approximation: each partition's records are in offset order).
 */
function inputSpan(records: readonly { timestamp: string }[]): CommitInfo['inputSpan'] {
  const a = records[0];
  const b = records[records.length - 1];
  return a && b ? { first: Number(a.timestamp), last: Number(b.timestamp) } : undefined;
}

/** A consumer started before the fence, and the offsets it started at. */
interface EarlyFetch {
  offsets: OffsetMap;
  consumer: ConsumerPort;
}

function sameOffsets(a: OffsetMap, b: OffsetMap): boolean {
  return a.size === b.size && [...a].every(([p, off]) => b.get(p) === off);
}
