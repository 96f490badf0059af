import type { PeerCertificate } from 'node:tls';
import { certificateIdentity } from './cert-identity';
import { allows, type Identity, type Requirement } from './roles';
import type { TokenStore } from './token-store';

/** What a request carries that can prove who sent it. */
export interface Credentials {
  /** The `authorization` header or metadata value. */
  authorization?: string;
  /** The client certificate the TLS layer verified (mTLS), if any. */
  certificate?: PeerCertificate;
}

export type AuthOutcome =
  | { ok: true; identity: Identity }
  | { ok: false; code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED'; message: string };

/** The caller when no authentication is configured (the controller then listens on loopback only). */
export const OPEN_IDENTITY: Identity = { name: 'anonymous', role: 'admin', via: 'open' };

export interface AuthenticatorOptions {
  /** Bearer tokens (CONTROLLER_TOKENS_FILE). */
  tokens?: TokenStore;
  /** Client certificates are verified against a CA and identify their holder. */
  clientCertificates?: boolean;
}

/**
 * Decides who is calling and whether they may: one place for gRPC and HTTP. A bearer token, when
 * tokens are configured, names the caller; otherwise the verified client certificate does.
 */
export class Authenticator {
  constructor(private readonly o: AuthenticatorOptions = {}) {}

  /** Whether any authentication is configured (else every caller is {@link OPEN_IDENTITY}). */
  get enabled(): boolean {
    return Boolean(this.o.tokens || this.o.clientCertificates);
  }

  authenticate(c: Credentials): AuthOutcome {
    if (!this.enabled) return { ok: true, identity: OPEN_IDENTITY };
    const unauthenticated = (message: string): AuthOutcome => ({
      ok: false,
      code: 'UNAUTHENTICATED',
      message,
    });
    if (c.authorization !== undefined && this.o.tokens) {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(c.authorization);
      if (!m) return unauthenticated('the authorization header must be "Bearer <token>"');
      const entry = this.o.tokens.lookup(m[1] as string);
      if (!entry) return unauthenticated('the bearer token is not known (revoked or mistyped)');
      return { ok: true, identity: { name: entry.name, role: entry.role, via: 'token' } };
    }
    if (this.o.clientCertificates && c.certificate) {
      const id = certificateIdentity(c.certificate);
      return 'refused' in id ? unauthenticated(id.refused) : { ok: true, identity: id };
    }
    return unauthenticated(
      this.o.tokens
        ? 'no credential: send the header "authorization: Bearer <token>"'
        : "no credential: present a client certificate signed by the controller's client CA",
    );
  }

  /** Authenticates and checks that the caller may do something that needs `need` (`what` names it). */
  check(c: Credentials, need: Requirement, what: string): AuthOutcome {
    if (need === 'open') return { ok: true, identity: OPEN_IDENTITY };
    const a = this.authenticate(c);
    if (!a.ok || allows(a.identity, need)) return a;
    return {
      ok: false,
      code: 'PERMISSION_DENIED',
      message: `${what} needs role ${need}; ${a.identity.name} has role ${a.identity.role}`,
    };
  }
}
