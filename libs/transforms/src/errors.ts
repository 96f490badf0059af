/**
 * Transform errors, grouped by what the EOS loop must do with them:
 * - a plain `Error` (or {@link PoisonRecordError}) thrown for one record: that record goes to the
 *   dead-letter topic in the same transaction, and the batch goes on;
 * - {@link RetriableTransformError}: abort the transaction, rewind, retry the batch with backoff;
 * - {@link TransformConfigError} / {@link TransformLoadError}: the pipeline spec or the module is
 *   wrong; reject it up front, naming what is wrong.
 */

/** The record cannot be transformed: dead-letter it. Any other plain Error means the same. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}

/** A passing failure (a lookup timed out, ...): abort the batch and retry it. */
export class RetriableTransformError extends Error {
  override readonly name = 'RetriableTransformError';
}

/** The transform rejects its configuration. `field` names the config key at fault. */
export class TransformConfigError extends Error {
  override readonly name = 'TransformConfigError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A transform name@version is not known to the registry. */
export class UnknownTransformError extends Error {
  override readonly name = 'UnknownTransformError';
  constructor(
    readonly transformName: string,
    readonly version: number,
    readonly known: string[],
  ) {
    super(`unknown transform ${transformName}@${version} (known: ${known.join(', ') || 'none'})`);
  }
}

/** A user transform module is missing or malformed. */
export class TransformLoadError extends Error {
  override readonly name = 'TransformLoadError';
}

/** True when the loop must abort and retry rather than dead-letter the record. */
export function isRetriableTransformError(err: unknown): boolean {
  return (
    err instanceof RetriableTransformError || (err as { retriable?: unknown } | null)?.retriable === true
  );
}
