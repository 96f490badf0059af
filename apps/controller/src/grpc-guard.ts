import type * as grpc from '@grpc/grpc-js';

/** What a request deserializer returns for bytes that are not the request message. */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

/**
 * A copy of a service definition whose request deserializers never throw: grpc-js answers a
 * deserializer's exception with INTERNAL, which says "our bug" about what is the caller's (random
 * bytes, a truncated frame). The handler gets a {@link MalformedRequest} instead and answers
 * INVALID_ARGUMENT.
 */
export function withSafeDeserializers<S extends grpc.ServiceDefinition>(service: S): S {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(service) as [string, grpc.MethodDefinition<unknown, unknown>][]) {
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (err) {
          return new MalformedRequest(`request is not a valid ${m.path} message: ${(err as Error).message}`);
        }
      },
    };
  }
  return out as unknown as S;
}
