import { notFound } from './errors';
import type { FleetContext } from './fleet-context';
import { isFinishedRollout, type RolloutRecord, type StateChange } from './ports';

/**
 * Rollout records, durable in controller state (the truth; the queue only carries the job):
 * every active one, and the newest `finishedRolloutsRetention` finished ones. A record that is
 * finished never changes again; an active one links its pipeline (`PipelineRecord.rollout`).
 */
export class RolloutStore {
  private rollouts = new Map<string, RolloutRecord>();

  constructor(private readonly ctx: FleetContext) {}

  /** Takes the records found at start; returns the deletions of finished ones past the retention. */
  load(rollouts: Map<string, RolloutRecord>): StateChange[] {
    this.rollouts = rollouts;
    return this.prune();
  }

  /**
   * Retention of rollout records: every active one, and the newest `finishedRolloutsRetention`
   * finished ones; returns the deletions for the others (the caller persists them).
   */
  private prune(): StateChange[] {
    const finished = [...this.rollouts.values()]
      .filter((r) => isFinishedRollout(r.state))
      .sort((a, b) => b.updatedAtMs - a.updatedAtMs || b.createdAtMs - a.createdAtMs);
    return finished
      .slice(this.ctx.o.finishedRolloutsRetention)
      .map((r) => ({ kind: 'rolloutDelete' as const, id: r.id }));
  }

  /**
   * Changes a rollout record inside the controller's one-at-a-time section, from its current
   * value, so an operator's request and the job's progress never overwrite each other.
   */
  update(
    id: string,
    change: (current: RolloutRecord) => RolloutRecord,
    create = false,
  ): Promise<RolloutRecord> {
    const { state, o } = this.ctx;
    return this.ctx.serial(async () => {
      const cur = this.rollouts.get(id);
      if (!cur && !create) throw notFound(`rollout ${id} does not exist`);
      if (cur && isFinishedRollout(cur.state)) return cur; // final
      const rec = { ...change(cur as RolloutRecord), updatedAtMs: o.now() };
      const changes: StateChange[] = [{ kind: 'rollout', value: rec }];
      this.rollouts.set(id, rec);
      changes.push(...this.prune());
      if (cur) this.rollouts.set(id, cur);
      else this.rollouts.delete(id);
      const p = state.pipelines.get(rec.pipeline);
      if (p && !isFinishedRollout(rec.state) && p.rollout !== rec.id) {
        const next = { ...p, rollout: rec.id };
        changes.push({ kind: 'pipeline', name: p.spec.name, value: next });
        state.pipelines.set(p.spec.name, next);
      }
      await this.ctx.persist(changes);
      this.rollouts.set(id, rec);
      for (const c of changes) if (c.kind === 'rolloutDelete') this.rollouts.delete(c.id);
      this.ctx.changed(`rollout ${id}`);
      return rec;
    });
  }

  get(id: string): RolloutRecord {
    const r = this.rollouts.get(id);
    if (!r) throw notFound(`rollout ${id} does not exist`);
    return r;
  }

  /** Newest first, of one pipeline or all. */
  list(pipeline?: string): RolloutRecord[] {
    return [...this.rollouts.values()]
      .filter((r) => !pipeline || r.pipeline === pipeline)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** Rollouts not finished (for re-enqueueing after a controller or Redis restart). */
  active(): RolloutRecord[] {
    return [...this.rollouts.values()].filter((r) => !isFinishedRollout(r.state));
  }
}
