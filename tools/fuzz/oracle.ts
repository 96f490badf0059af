import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * The answers the controller documents (docs/architecture.md, "HTTP" and "Bounds"). Anything else,
 * a 500 / INTERNAL / UNKNOWN above all, a closed connection without an answer, or no answer within
 * the bound, is a failure of the run.
 */
export const DOCUMENTED_HTTP = new Set([
  200, // done
  400, // INVALID_ARGUMENT, FAILED_PRECONDITION, malformed request target or body, Node's own parse errors
  401, // no or unknown credential (docs/security.md)
  403, // role too low, or a cross-site Origin
  404, // NOT_FOUND, unknown route
  405, // wrong method
  408, // request timeout (server's requestTimeout / headersTimeout)
  409, // ALREADY_EXISTS
  413, // body over the limit
  414, // request target too long
  415, // a mutation whose Content-Type is not application/json
  417, // an `expect` header other than 100-continue (Node's parser)
  421, // a Host that is not one of the controller's names (DNS rebinding)
  431, // header fields too large (Node's parser)
  503, // UNAVAILABLE: a dependency (Redis, Kafka) is down
]);

export const DOCUMENTED_GRPC = new Set<number>([
  GrpcStatus.OK,
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.ALREADY_EXISTS,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.RESOURCE_EXHAUSTED, // over the gRPC message size limit
  GrpcStatus.UNIMPLEMENTED, // a method that does not exist (raw frames)
  GrpcStatus.UNAUTHENTICATED, // no or unknown credential (docs/security.md)
  GrpcStatus.PERMISSION_DENIED, // role too low
]);

/** What one action got back. */
export type Outcome =
  | { transport: 'http'; status: number }
  | { transport: 'grpc'; code: number; details: string }
  | { transport: 'none'; reason: string }
  /** The server closed the connection while an oversized request (header block over 16 KiB, body over 1 MiB) was still being sent. */
  | { transport: 'closed-oversized'; bytes: number };

/** Undefined when the outcome is a documented answer; otherwise why it is not. */
export function violation(o: Outcome): string | undefined {
  switch (o.transport) {
    case 'http':
      return DOCUMENTED_HTTP.has(o.status) ? undefined : `undocumented HTTP status ${o.status}`;
    case 'grpc':
      return DOCUMENTED_GRPC.has(o.code)
        ? undefined
        : `undocumented gRPC status ${GrpcStatus[o.code] ?? o.code}: ${o.details}`;
    case 'none':
      return `no answer: ${o.reason}`;
    case 'closed-oversized':
      return undefined;
  }
}
