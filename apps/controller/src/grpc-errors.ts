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

/** Who called: the `x-actor` header if the caller set one, else the peer address. */
export function actorOf(call: grpc.ServerUnaryCall<unknown, unknown>): string {
  const a = call.metadata.get('x-actor')[0];
  return a ? String(a) : call.getPeer();
}

/**
 * Like `unary`, and records the operation (who, what, target, outcome) in the audit trail.
 */
export function audited<Req, Res>(
  action: string,
  target: (req: NoInfer<Req>) => string,
  record: (e: {
    actor: string;
    action: string;
    target: string;
    detail: string;
    outcome: string;
  }) => Promise<void>,
  fn: (req: Req) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const done = (outcome: string) =>
      record({
        actor: actorOf(call),
        action,
        target: target(call.request),
        detail: JSON.stringify(call.request).slice(0, 2000),
        outcome,
      });
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        async (res) => {
          await done('OK');
          callback(null, res);
        },
        async (err: unknown) => {
          const status = toGrpcError(err);
          await done(grpc.status[status.code ?? grpc.status.INTERNAL] ?? 'ERROR');
          callback(status);
        },
      );
  };
}
