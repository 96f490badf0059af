import type { PeerCertificate } from 'node:tls';
import { isRole, ROLES } from './roles';
import type { Identity } from './roles';

/**
 * The identity of a verified client certificate: the subject's CN is the name, its OU the role
 * (`viewer`, `operator`, `admin` or `worker`). Returns a reason instead when the certificate does
 * not say both. Only certificates the TLS layer verified against CONTROLLER_TLS_CLIENT_CA_FILE
 * reach this function, so the CA decides who may hold which role.
 */
export function certificateIdentity(cert: PeerCertificate | undefined): Identity | { refused: string } {
  if (!cert || !cert.subject || Object.keys(cert.subject).length === 0)
    return { refused: 'no client certificate' };
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  const name = first(cert.subject.CN);
  const role = first(cert.subject.OU);
  if (!name) return { refused: 'the client certificate has no subject CN (the name)' };
  if (!isRole(role))
    return {
      refused: `the client certificate's subject OU "${role}" is not a role (one of ${ROLES.join(', ')})`,
    };
  return { name, role, via: 'certificate' };
}
