/**
 * Bounded retries of a transform that throws RetriableTransformError (or misses its deadline):
 * attempts are counted per input record across rewinds, so the same record cannot keep a task
 * retrying forever. Past the limit the record is poison (`retries-exhausted`).
 */
import type { InputRecord } from '@eos/transforms';
import { recordRef } from './poison';

/** A retriable transform failure, with the record and the attempt: the loop aborts, backs off and retries. */
export class TransformRetryError extends Error {
  override readonly name = 'TransformRetryError';
  constructor(
    readonly record: { partition: number; offset: string },
    readonly attempt: number,
    readonly maxAttempts: number,
    message: string,
    /** What the transform threw (not a `cause`: the message already says it). */
    readonly original?: unknown,
  ) {
    super(message);
  }
}

/** The transform did not settle within its deadline (an async transform that hangs). */
export class TransformTimeoutError extends Error {
  override readonly name = 'TransformTimeoutError';
  /** Retried like RetriableTransformError, within the same attempt limit. */
  readonly retriable = true;
}

export class TransformAttempts {
  private readonly failures = new Map<string, number>();

  constructor(readonly maxAttempts: number) {}

  /**
   * Counts a failed attempt on a record. Returns the retry error to throw, or `undefined` when the
   * record has used up its attempts (the caller dead-letters it).
   */
  failed(rec: InputRecord, err: unknown): TransformRetryError | undefined {
    const key = `${rec.partition}@${rec.offset}`;
    const attempt = (this.failures.get(key) ?? 0) + 1;
    if (attempt >= this.maxAttempts) {
      this.failures.delete(key);
      return undefined;
    }
    this.failures.set(key, attempt);
    const why = err instanceof Error ? err.message : String(err);
    return new TransformRetryError(
      { partition: rec.partition, offset: rec.offset },
      attempt,
      this.maxAttempts,
      `transform failed on ${recordRef(rec)} (attempt ${attempt} of ${this.maxAttempts}): ${why}`,
      err,
    );
  }

  /** Forgets records below the committed offsets (they will not be seen again). */
  committed(offsets: Map<number, number>): void {
    for (const key of this.failures.keys()) {
      const [p, o] = key.split('@');
      const next = offsets.get(Number(p));
      if (next !== undefined && Number(o) < next) this.failures.delete(key);
    }
  }
}
