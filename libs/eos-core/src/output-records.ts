/**
 * The records a task produces for one input record: its outputs (input partition and headers
 * carried over) or its dead letter, each checked against its topic's `max.message.bytes`.
 */
import type { InputRecord, OutputRecord } from '@eos/transforms';
import type { EosTaskOptions } from './eos-task-options';
import { TaskFatalError } from './errors';
import type { ProduceRecord } from './kafka-port';
import { poisonWithoutDeadLetterTopic, recordRef, type PoisonReason } from './poison';
import { singleBatchBytes } from './produce-chunks';

export type OutputRecordsOptions = Pick<
  EosTaskOptions,
  'pipeline' | 'outputTopic' | 'deadLetterTopic' | 'outputHeaders' | 'transformId'
>;

export class OutputRecords {
  /** Partitions of the output topic; 0 until known. */
  outputPartitions = 0;
  /** `max.message.bytes` of the output and dead-letter topics, when the port knows it. */
  readonly maxMessageBytes = new Map<string, number>();

  constructor(private readonly o: OutputRecordsOptions) {}

  output(rec: InputRecord, out: OutputRecord): ProduceRecord {
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

  /** Why the record is too large for its topic, or undefined when it fits (or the limit is unknown). */
  tooLarge(r: ProduceRecord): string | undefined {
    const max = this.maxMessageBytes.get(r.topic);
    if (max === undefined) return undefined;
    const bytes = singleBatchBytes(r);
    return bytes > max
      ? `an output record of about ${bytes} bytes exceeds max.message.bytes ${max} of topic ${r.topic}`
      : undefined;
  }

  /** The dead letter for a poison record, or the error that fails the task without a dead-letter topic. */
  poison(rec: InputRecord, reason: PoisonReason, error: string): ProduceRecord {
    if (!this.o.deadLetterTopic)
      throw poisonWithoutDeadLetterTopic(this.o.pipeline, this.o.transformId, rec, reason, error);
    const dl = this.deadLetter(rec, reason, error);
    const tooLarge = this.tooLarge(dl);
    if (tooLarge)
      throw new TaskFatalError(
        `pipeline ${this.o.pipeline}: record ${recordRef(rec)} is poison for transform ${this.o.transformId} (${reason}: ${error}) and its dead letter cannot be written: ${tooLarge}`,
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
}
