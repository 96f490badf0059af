import type { AuditEntry, StateChange } from './ports';

/**
 * The audit trail in memory: the newest `retention` records. Appending returns the durable
 * changes (the record, and tombstones for the records it pushes out, which compaction removes), so
 * neither memory nor the state topic grows with the trail.
 */
export class AuditLog {
  private entries: AuditEntry[] = [];
  private seq = 0;

  constructor(
    private readonly retention: number,
    private readonly now: () => number,
  ) {}

  /**
   * Keeps the newest records found at start; returns the deletions of the others (the store keeps
   * only the newest in memory and names the ones it dropped in `dropped`).
   */
  load(audit: AuditEntry[], dropped: number[] = []): StateChange[] {
    this.entries = audit.slice(-this.retention);
    this.seq = this.entries.reduce((m, a) => Math.max(m, a.seq), 0);
    return [...dropped, ...audit.slice(0, -this.retention).map((a) => a.seq)].map((seq) => ({
      kind: 'auditDelete' as const,
      seq,
    }));
  }

  /** Appends a record; returns the durable changes to persist. */
  append(e: Omit<AuditEntry, 'seq' | 'atMs'>): StateChange[] {
    const entry: AuditEntry = { ...e, seq: ++this.seq, atMs: this.now() };
    this.entries.push(entry);
    const changes: StateChange[] = [{ kind: 'audit', value: entry }];
    while (this.entries.length > this.retention)
      changes.push({ kind: 'auditDelete', seq: (this.entries.shift() as AuditEntry).seq });
    return changes;
  }

  /** The newest `limit` records, newest first. */
  newest(limit: number): AuditEntry[] {
    return this.entries.slice(-limit).reverse();
  }
}
