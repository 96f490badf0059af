import * as grpc from '@grpc/grpc-js';
import { ControlError, type ControlErrorCode } from '@eos/control-plane';

const CODES: Record<ControlErrorCode, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

/** The one place domain errors become gRPC statuses. Unknown errors are INTERNAL (and logged). */
export function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof ControlError) {
    const metadata = new grpc.Metadata();
    if (err.field) metadata.set('field', err.field);
    return { code: CODES[err.code], details: err.message, metadata };
  }
  console.error('[controller] internal error', err);
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** Wraps an async unary handler: resolves to the response or a mapped status. */
export function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toGrpcError(err)),
      );
  };
}
