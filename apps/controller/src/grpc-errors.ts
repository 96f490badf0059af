import * as grpc from '@grpc/grpc-js';
import { ControlError, redactSecrets, type ControlErrorCode } from '@eos/control-plane';
import { reportInternalError } from './internal-error';
import { callIdentity } from './auth/grpc-auth';

const CODES: Record<ControlErrorCode, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

/**
 * The one place domain errors become gRPC statuses (messages with URL credentials redacted).
 * Unknown errors are INTERNAL with a generic message and an id; the detail goes to the log.
 */
export function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof ControlError) {
    const metadata = new grpc.Metadata();
    if (err.field) metadata.set('field', err.field);
    return { code: CODES[err.code], details: redactSecrets(err.message), metadata };
  }
  const reply = reportInternalError('gRPC', err);
  return { code: grpc.status.INTERNAL, details: reply.message };
}

/**
 * Who called, for the audit trail: the authenticated identity's name; `x-actor` is not trusted
 * then. Without authentication (loopback only), the `x-actor` header if set, else the peer.
 */
export function actorOf(call: grpc.ServerUnaryCall<unknown, unknown>): string {
  const who = callIdentity(call.metadata);
  if (who && who.via !== 'open') return who.name;
  const a = call.metadata.get('x-actor')[0];
  return a ? String(a) : call.getPeer();
}
