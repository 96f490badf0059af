import * as grpc from '@grpc/grpc-js';
import type { Authenticator } from './authenticator';
import { grpcRequirement, isRole, type Identity } from './roles';

/** Metadata keys through which the interceptor hands the authenticated identity to handlers. */
const NAME = 'x-eos-identity-name';
const ROLE = 'x-eos-identity-role';
const VIA = 'x-eos-identity-via';

const CODES = {
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
} as const;

/**
 * A server interceptor that authenticates every call (bearer token in the `authorization`
 * metadata, or the verified client certificate) and checks the role its method needs
 * ({@link grpcRequirement}) before any handler sees it. The identity reaches handlers as
 * metadata ({@link callIdentity}); values a client sent under those keys are dropped first.
 */
export function authInterceptor(auth: Authenticator): grpc.ServerInterceptor {
  return (method, call) => {
    const need = grpcRequirement(method.path);
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            for (const k of [NAME, ROLE, VIA]) metadata.remove(k);
            const authorization = metadata.get('authorization')[0];
            const outcome = auth.check(
              {
                authorization: authorization === undefined ? undefined : String(authorization),
                certificate: call.getAuthContext()?.sslPeerCertificate,
              },
              need,
              method.path,
            );
            if (!outcome.ok) {
              call.sendStatus({
                code: CODES[outcome.code],
                details: outcome.message,
                metadata: new grpc.Metadata(),
              });
              return;
            }
            if (need !== 'open') {
              metadata.set(NAME, outcome.identity.name);
              metadata.set(ROLE, outcome.identity.role);
              metadata.set(VIA, outcome.identity.via);
            }
            proceed(metadata);
          },
        }),
    });
  };
}

/** The identity the interceptor authenticated for this call (undefined for open methods). */
export function callIdentity(metadata: grpc.Metadata): Identity | undefined {
  const name = metadata.get(NAME)[0];
  const role = String(metadata.get(ROLE)[0] ?? '');
  const via = String(metadata.get(VIA)[0] ?? '');
  if (name === undefined || !isRole(role) || (via !== 'token' && via !== 'certificate' && via !== 'open'))
    return undefined;
  return { name: String(name), role, via };
}
