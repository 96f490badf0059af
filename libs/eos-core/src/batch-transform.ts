/**
 * Runs the transform over one batch's records, in order, and collects what the batch writes:
 * outputs, and dead letters for records that are quarantined, rejected by the transform, too
 * large for their topic, or out of retries. A retriable failure throws (the loop aborts the
 * batch and retries it); so does a poison record with no dead-letter topic.
 */
import {
  isRetriableTransformError,
  type InputRecord,
  type OutputRecord,
  type TransformContext,
} from '@eos/transforms';
import type { ResolvedTaskOptions } from './eos-task-options';
import { describeError } from './errors';
import type { ProduceRecord } from './kafka-port';
import { OutputRecords } from './output-records';
import {
  InvalidTransformResultError,
  transformOutputs,
  type PoisonReason,
  type QuarantinedRecord,
} from './poison';
import { callTransform } from './transform-call';
import { TransformAttempts } from './transform-attempts';

/** A record sent to the dead-letter topic. */
export interface DeadLetteredRecord {
  partition: number;
  offset: string;
  reason: PoisonReason;
  error: string;
}

/** What one batch writes. */
export interface TransformedBatch {
  /** Outputs and dead letters, in input order. */
  records: ProduceRecord[];
  outputs: number;
  deadLettered: DeadLetteredRecord[];
}

export class BatchTransform {
  readonly output: OutputRecords;
  private readonly attempts: TransformAttempts;
  private readonly quarantine: Map<string, QuarantinedRecord>;
  private readonly ctx: TransformContext;

  constructor(private readonly o: ResolvedTaskOptions) {
    this.output = new OutputRecords(o);
    this.attempts = new TransformAttempts(o.transformMaxAttempts);
    this.quarantine = new Map((o.quarantined ?? []).map((q) => [`${q.partition}@${q.offset}`, q]));
    this.ctx = { pipeline: o.pipeline, taskIndex: o.taskIndex };
  }

  /** Transforms the records; `checkStop` throws to abandon the batch (a fast stop) between records. */
  async run(batch: InputRecord[], checkStop: () => void): Promise<TransformedBatch> {
    const records: ProduceRecord[] = [];
    const deadLettered: DeadLetteredRecord[] = [];
    let outputs = 0;
    const poison = (rec: InputRecord, reason: PoisonReason, error: string) => {
      records.push(this.output.poison(rec, reason, error));
      deadLettered.push({ partition: rec.partition, offset: rec.offset, reason, error });
    };
    for (const rec of batch) {
      checkStop();
      const quarantined = this.quarantine.size
        ? this.quarantine.get(`${rec.partition}@${rec.offset}`)
        : undefined;
      if (quarantined) {
        poison(rec, 'quarantined', quarantined.reason);
        continue;
      }
      let outs: OutputRecord[];
      try {
        let result = callTransform(rec, this.ctx, this.o);
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
      const produced = outs.map((out) => this.output.output(rec, out));
      let tooLarge: string | undefined;
      for (const r of produced) if ((tooLarge = this.output.tooLarge(r))) break;
      if (tooLarge) {
        poison(rec, 'too-large', tooLarge);
        continue;
      }
      for (const r of produced) records.push(r);
      outputs += produced.length;
    }
    return { records, outputs, deadLettered };
  }

  /** The batch committed: attempts of records below the committed offsets are forgotten. */
  committed(offsets: Map<number, number>): void {
    this.attempts.committed(offsets);
  }
}
