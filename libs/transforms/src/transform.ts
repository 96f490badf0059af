/** The transform contract: a pure-ish function from one input record to zero or more outputs. */

/** Header values as the loop hands them over (Kafka headers are bytes). */
export type Headers = Record<string, Buffer | string | undefined>;

/** One input record. */
export interface InputRecord {
  topic: string;
  partition: number;
  /** Offset as a decimal string (Kafka offsets are int64). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  /** Record timestamp, ms since the epoch, as a decimal string. */
  timestamp: string;
}

/** One output record; without `key`, the input key is kept. */
export interface OutputRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
}

/** Where a record is being transformed. */
export interface TransformContext {
  pipeline: string;
  taskIndex: number;
}

export type TransformResult = OutputRecord | OutputRecord[] | null | undefined;

/**
 * Transforms one record. Return null or [] to drop it. Throw a plain Error (or PoisonRecordError)
 * to dead-letter the record; throw RetriableTransformError to abort and retry the batch.
 */
export type TransformFn = (
  record: InputRecord,
  ctx: TransformContext,
) => TransformResult | Promise<TransformResult>;

/** A transform module: what `TRANSFORMS_DIR` modules export and the built-ins are. */
export interface TransformDefinition {
  name: string;
  version: number;
  description?: string;
  /**
   * Config keys whose values are secrets: the controller shows them redacted in every read and in
   * the audit trail (keys named like password, secret, token or apiKey are redacted anyway).
   */
  secretKeys?: string[];
  /**
   * Builds the function for one config. Throws {@link TransformConfigError} when the config is
   * wrong; the controller calls it to validate a spec before accepting it.
   */
  create(config: Record<string, unknown>): TransformFn;
}

/** A transform's registry key. */
export const transformKey = (name: string, version: number) => `${name}@${version}`;
