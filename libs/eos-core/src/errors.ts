/**
 * What the EOS loop does with an error, by kind:
 * - `fenced`: another producer owns the transactional id now. Stop the task, report it lost, never retry.
 * - `retriable`: abort the transaction, rewind to the committed offsets, retry with capped backoff.
 * - `fatal`: the task cannot go on (bad options, a poison record with no dead-letter topic, a missing
 *   permission). Stop, report failed.
 */
export type ErrorKind = 'fenced' | 'retriable' | 'fatal';

/** The task's producer was fenced by a newer owner of its transactional id. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/** The task cannot continue; carries the reason. */
export class TaskFatalError extends Error {
  override readonly name = 'TaskFatalError';
}

/** Options handed to the loop are invalid; names the option. */
export class InvalidTaskOptionsError extends Error {
  override readonly name = 'InvalidTaskOptionsError';
}

// TRANSACTIONAL_ID_AUTHORIZATION_FAILED is not fencing: no other owner took over, the task lacks a
// permission (fatal, see authorization.ts); treating it as fenced moved the task in a tight loop.
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** Walks an error and its causes (ES2022 `cause`, kafkajs `originalError`, retry wrappers). */
export function* errorChain(err: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    yield cur as Record<string, unknown>;
    const o = cur as { cause?: unknown; originalError?: unknown; retriableError?: unknown };
    cur = o.cause ?? o.originalError ?? o.retriableError;
  }
}

/** True when the error (or one of its causes) says the producer was fenced. */
export function isFencedError(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e instanceof FencedError) return true;
    if (typeof e['type'] === 'string' && FENCED_TYPES.has(e['type'])) return true;
    if (
      typeof e['message'] === 'string' &&
      /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|producer.*fenced|fenced by/i.test(e['message'])
    )
      return true;
  }
  return false;
}

/**
 * True when the error, or one it wraps, is a kafkajs error that says trying again may work
 * (`retriable: true`): kafkajs wraps the cause when it gives up after its own retries.
 */
export function isRetriableKafkaError(err: unknown): boolean {
  for (const e of errorChain(err)) if (e['retriable'] === true) return true;
  return false;
}

/** Broker answers that retrying the same batch cannot fix. */
const FATAL_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/** Classifies an error raised while running a transaction. */
export function classifyError(err: unknown): ErrorKind {
  if (isFencedError(err)) return 'fenced';
  for (const e of errorChain(err)) {
    if (e instanceof TaskFatalError || e instanceof InvalidTaskOptionsError) return 'fatal';
    if (typeof e['type'] === 'string' && FATAL_TYPES.has(e['type'])) return 'fatal';
  }
  return 'retriable';
}

/** One-line description of an error and its first cause. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== err.message
    ? `${err.message} (cause: ${cause.message})`
    : err.message;
}
