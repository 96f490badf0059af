/**
 * Records the loop will not process normally, and why. A poison record goes to the dead-letter
 * topic in the same transaction as the rest of its batch (the `eos.reason` header says which
 * rule hit it), or, without a dead-letter topic, fails the task with an error naming the
 * pipeline, the record and the transform.
 */
import type { InputRecord, OutputRecord } from '@eos/transforms';
import { TaskFatalError } from './errors';

/** The `eos.reason` header of a dead letter. */
export type PoisonReason =
  /** The transform threw (a plain Error or PoisonRecordError). */
  | 'transform-error'
  /** The transform returned something that is not an output record, a list of them, or null. */
  | 'invalid-result'
  /** An output record is larger than its topic accepts (`max.message.bytes`). */
  | 'too-large'
  /** The transform kept throwing RetriableTransformError (or missing its deadline) past the attempt limit. */
  | 'retries-exhausted'
  /** The controller quarantined the record: it crashed or hung workers; the transform was not called. */
  | 'quarantined';

/** A record the controller quarantined: dead-letter it without calling the transform. */
export interface QuarantinedRecord {
  partition: number;
  /** Offset as a decimal string. */
  offset: string;
  /** Why (e.g. `crashed or hung 2 workers`); written to the `eos.error` header. */
  reason: string;
}

/** The transform returned something the loop cannot produce. */
export class InvalidTransformResultError extends Error {
  override readonly name = 'InvalidTransformResultError';
}

const isBytes = (v: unknown): v is Buffer | string => typeof v === 'string' || Buffer.isBuffer(v);

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (Buffer.isBuffer(v)) return 'a Buffer';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function checkOne(o: unknown, where: string): OutputRecord {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || Buffer.isBuffer(o))
    throw new InvalidTransformResultError(
      `transform returned ${describeValue(o)}${where}; expected { value } (an output record), a list of them, or null`,
    );
  const r = o as Record<string, unknown>;
  // A missing `value` would be produced as a tombstone: say so instead of deleting the key downstream.
  if (!('value' in r) || (r['value'] !== null && !isBytes(r['value'])))
    throw new InvalidTransformResultError(
      `transform returned an output record${where} whose value is ${'value' in r ? describeValue(r['value']) : 'missing'}; expected a string, a Buffer or null (a tombstone)`,
    );
  const key = r['key'];
  if (key !== undefined && key !== null && !isBytes(key))
    throw new InvalidTransformResultError(
      `transform returned an output record${where} whose key is ${describeValue(key)}; expected a string, a Buffer or null`,
    );
  const headers = r['headers'];
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
      throw new InvalidTransformResultError(
        `transform returned an output record${where} whose headers are ${describeValue(headers)}; expected an object of strings or Buffers`,
      );
    for (const [k, v] of Object.entries(headers as Record<string, unknown>))
      if (!isBytes(v))
        throw new InvalidTransformResultError(
          `transform returned an output record${where} whose header ${JSON.stringify(k).slice(0, 60)} is ${describeValue(v)}; expected a string or a Buffer`,
        );
  }
  return r as unknown as OutputRecord;
}

/**
 * The outputs of one transform call: null or undefined (drop the record), one output record, or
 * a list of them. Anything else throws {@link InvalidTransformResultError} naming what is wrong.
 */
export function transformOutputs(result: unknown): OutputRecord[] {
  if (result === null || result === undefined) return [];
  if (Array.isArray(result)) return result.map((o, i) => checkOne(o, ` (item ${i})`));
  return [checkOne(result, '')];
}

/** `topic/partition@offset` of an input record. */
export const recordRef = (r: Pick<InputRecord, 'topic' | 'partition' | 'offset'>) =>
  `${r.topic}/${r.partition}@${r.offset}`;

/** The error that fails a task on a poison record when the pipeline has no dead-letter topic. */
export function poisonWithoutDeadLetterTopic(
  pipeline: string,
  transformId: string,
  rec: InputRecord,
  reason: PoisonReason,
  detail: string,
): TaskFatalError {
  // No `cause`: the detail already says what the transform threw, once.
  return new TaskFatalError(
    `pipeline ${pipeline}: record ${recordRef(rec)} (partition ${rec.partition}, offset ${rec.offset}) is poison for transform ${transformId} (${reason}: ${detail}) and the pipeline has no dead-letter topic`,
  );
}
