import type { TaskCommit } from '@eos/proto';

/**
 * Commit reports waiting to be sent to the controller, bounded. While the session is down
 * (controller restarting or unreachable) reports pile up at the tasks' commit rate; past `max`
 * a new report is merged into the newest waiting report of the same task and epoch (offsets and
 * time of the later, counts summed), so memory stays bounded and no record count is lost. The
 * controller then sees fewer, larger commits (a rollout gate counts commits; a gate running
 * through such an outage judges on fewer).
 */
export class CommitBuffer {
  private pending: TaskCommit[] = [];

  /** @param max reports held before merging starts (then at most one more per task). @default 10000 */
  constructor(private readonly max = 10_000) {}

  get size(): number {
    return this.pending.length;
  }

  push(c: TaskCommit): void {
    if (this.pending.length < this.max) {
      this.pending.push(c);
      return;
    }
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i] as TaskCommit;
      if (
        p.epoch === c.epoch &&
        p.task?.pipeline === c.task?.pipeline &&
        p.task?.taskIndex === c.task?.taskIndex
      ) {
        this.pending[i] = {
          ...c,
          records: p.records + c.records,
          bytes: p.bytes + c.bytes,
          deadLettered: p.deadLettered + c.deadLettered,
          durationMs: p.durationMs + c.durationMs,
        };
        return;
      }
    }
    // A task (or epoch) with nothing waiting yet gets one slot past `max`: at most one per task
    // the worker runs, so the bound holds (max + capacity).
    this.pending.push(c);
  }

  /** Everything waiting, oldest first; the buffer is empty afterwards. */
  take(): TaskCommit[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
