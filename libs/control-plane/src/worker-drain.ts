import { failedPrecondition, invalid, notFound } from './errors';
import type { FleetContext } from './fleet-context';
import type { WorkerRecord } from './fleet-state';
import type { Reconciler } from './reconciler';
import { checkDrainOptions } from './request-limits';

/**
 * Draining a worker: it gets no new tasks and its tasks are revoked a few at a time (the
 * reconciler does the revoking and declares it DRAINED when it holds nothing); past a deadline
 * the rest are stopped the fast way.
 */
export class WorkerDrain {
  constructor(
    private readonly ctx: FleetContext,
    private readonly reconciler: Reconciler,
  ) {}

  /** Starts draining a worker (or sets a new deadline for a drain in progress). */
  drain(id: string, o: { deadlineMs?: number; maxConcurrent?: number } = {}): Promise<WorkerRecord> {
    return this.ctx.serial(async () => {
      if (!id) throw invalid('workerId', 'is required');
      checkDrainOptions(o);
      const w = this.ctx.state.workers.get(id);
      if (!w) throw notFound(`worker ${id} is not known`);
      if (w.state === 'DEAD') throw failedPrecondition(`worker ${id} is dead; its tasks have moved already`);
      if (w.state === 'DRAINED') throw failedPrecondition(`worker ${id} is drained already`);
      const now = this.ctx.o.now();
      if (w.state !== 'DRAINING') {
        w.state = 'DRAINING';
        w.drain = {
          startedAt: now,
          deadlineAt: o.deadlineMs ? now + o.deadlineMs : 0,
          maxConcurrent: o.maxConcurrent || this.ctx.o.drainConcurrency,
          escalated: false,
        };
        this.ctx.o.log(
          `worker ${id} draining (${this.ctx.state.tasksOwnedBy(id).length} tasks${o.deadlineMs ? `, deadline ${o.deadlineMs} ms` : ''})`,
        );
      } else if (w.drain && o.deadlineMs) {
        w.drain.deadlineAt = now + o.deadlineMs; // a new deadline for a drain in progress
        w.drain.escalated = false;
      }
      await this.reconciler.reconcile(`drain ${id}`);
      return w;
    });
  }

  /** Cancels a drain. */
  undrain(id: string): Promise<WorkerRecord> {
    return this.ctx.serial(async () => {
      const w = this.ctx.state.workers.get(id);
      if (!w) throw notFound(`worker ${id} is not known`);
      if (w.state !== 'DRAINING') throw failedPrecondition(`worker ${id} is not draining (state ${w.state})`);
      w.state = 'ACTIVE';
      w.drain = undefined;
      this.ctx.o.log(`worker ${id} undrained`);
      await this.reconciler.reconcile(`undrain ${id}`);
      return w;
    });
  }
}
