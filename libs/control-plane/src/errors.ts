/**
 * Control-plane errors by what the caller did wrong; the controller maps each code to a gRPC
 * status (and later an HTTP status) in one place.
 */
export type ControlErrorCode =
  'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'FAILED_PRECONDITION' | 'UNAVAILABLE' | 'INTERNAL';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly code: ControlErrorCode,
    message: string,
    /** The request field at fault (INVALID_ARGUMENT), e.g. `spec.inputTopic`. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalid = (field: string, message: string) =>
  new ControlError('INVALID_ARGUMENT', `${field}: ${message}`, field);
export const notFound = (message: string) => new ControlError('NOT_FOUND', message);
export const alreadyExists = (message: string) => new ControlError('ALREADY_EXISTS', message);
export const failedPrecondition = (message: string) => new ControlError('FAILED_PRECONDITION', message);

/**
 * The state store cannot write any more: another controller fenced this one, or the store's
 * producer is in an unknown state. The controller must stop (a restart reads the state afresh).
 * Any other failed write fails only the request that made it.
 */
export class StateStoreFatalError extends Error {
  override readonly name = 'StateStoreFatalError';
}
