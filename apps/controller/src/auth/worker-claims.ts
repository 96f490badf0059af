/**
 * Which identity holds which worker id. The first Hello of an identity for an id claims it; a
 * Hello for an id another identity holds is refused, so a stolen or second credential cannot end
 * a live worker's session and take its tasks. A claim lapses when the fleet no longer knows the
 * worker (forgotten after WORKER_FORGET_MS), so ids can be reused by a new credential in time.
 *
 * Claims live in memory: after a controller restart the first Hello per id claims it again
 * (workers reconnect within a lease, so the live worker is normally first; docs/security.md).
 */
export class WorkerClaims {
  private readonly holders = new Map<string, string>();

  /** @param known whether the fleet still lists a worker id */
  constructor(private readonly known: (workerId: string) => boolean) {}

  /** Claims `workerId` for `identity`; returns the other holder's name when refused. */
  claim(workerId: string, identity: string): { ok: true } | { ok: false; holder: string } {
    const holder = this.holders.get(workerId);
    if (holder !== undefined && holder !== identity && this.known(workerId)) return { ok: false, holder };
    this.holders.set(workerId, identity);
    return { ok: true };
  }

  holder(workerId: string): string | undefined {
    return this.holders.get(workerId);
  }
}
