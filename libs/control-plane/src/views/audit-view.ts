import type { AuditRecord } from '@eos/proto';
import type { AuditEntry } from '../ports';

/** The proto view of an audit entry (its sequence number stays inside). */
export function auditView(a: AuditEntry): AuditRecord {
  return {
    atMs: a.atMs,
    actor: a.actor,
    action: a.action,
    target: a.target,
    detail: a.detail,
    outcome: a.outcome,
  };
}
