import { ControlError, alreadyExists, failedPrecondition, invalid } from './errors';
import type { FleetContext } from './fleet-context';
import { taskKey } from './fleet-state';
import { offsetsGroups, type PipelineOffsets } from './offsets';
import type { PipelineRecord, StateChange } from './ports';
import type { Reconciler } from './reconciler';
import type { TaskMessenger } from './task-messenger';
import { validateSpec, type SpecInput } from './validation';

/**
 * A pipeline's lifecycle: create (validate, make its topics, store it), pause / resume / stop,
 * delete (stop, wait for its tasks to be released, forget it), and input partitions added after
 * creation. Each change is stored first, then the reconciler acts on it.
 */
export class Pipelines {
  private partitionTimer: NodeJS.Timeout | undefined;
  private partitionCheck: Promise<void> | undefined;

  constructor(
    private readonly ctx: FleetContext,
    private readonly reconciler: Reconciler,
    private readonly messenger: TaskMessenger,
    private readonly offsets: PipelineOffsets,
  ) {}

  /** Polls input topics for added partitions every `partitionPollMs`. */
  start(): void {
    this.partitionTimer = setInterval(() => void this.checkInputPartitions(), this.ctx.o.partitionPollMs);
  }

  stop(): void {
    if (this.partitionTimer) clearInterval(this.partitionTimer);
    this.partitionTimer = undefined;
  }

  create(spec: SpecInput | undefined): Promise<PipelineRecord> {
    const { state, o } = this.ctx;
    return this.ctx.serial(async () => {
      const pre = validateSpec(spec, { registry: o.registry, announced: state.announced() });
      if (state.pipelines.has(pre.name)) throw alreadyExists(`pipeline ${pre.name} already exists`);
      const inputPartitions = await o.topics.partitions(pre.inputTopic);
      if (inputPartitions === undefined)
        throw invalid('spec.inputTopic', `topic "${pre.inputTopic}" does not exist; create it first`);
      const v = validateSpec(spec, {
        registry: o.registry,
        announced: state.announced(),
        inputPartitions,
        topicRules: state.topicRules(),
      });
      await o.topics.ensureTopic(v.outputTopic, inputPartitions);
      await o.topics.ensureTopic(v.deadLetterTopic, 1);
      const now = o.now();
      const rec: PipelineRecord = {
        spec: v,
        state: 'RUNNING',
        specVersion: 1,
        consumerGroup: o.names.pipelineGroup(v.name),
        inputPartitions,
        createdAtMs: now,
        updatedAtMs: now,
      };
      await this.ctx.persist([{ kind: 'pipeline', name: v.name, value: rec }]);
      state.pipelines.set(v.name, rec);
      o.log(
        `pipeline ${v.name} created: ${v.inputTopic} -> ${v.outputTopic}, ${v.tasks} tasks, ${v.transform.name}@${v.transform.version}`,
      );
      await this.reconciler.reconcile(`create ${v.name}`);
      return rec;
    });
  }

  setState(name: string, next: PipelineRecord['state']): Promise<PipelineRecord> {
    const { state, o } = this.ctx;
    return this.ctx.serial(async () => {
      const p = state.mustPipeline(name);
      if (p.deleting) throw failedPrecondition(`pipeline ${name} is being deleted`);
      if (p.state !== next) {
        const rec = { ...p, state: next, updatedAtMs: o.now() };
        await this.ctx.persist([{ kind: 'pipeline', name, value: rec }]);
        state.pipelines.set(name, rec);
        for (const t of state.tasksOf(name))
          if (t.owner && t.state !== 'REVOKING') this.messenger.setPaused(t, next === 'PAUSED');
        o.log(`pipeline ${name}: ${p.state} -> ${next}`);
        await this.reconciler.reconcile(`${name} ${next}`);
      }
      return state.mustPipeline(name);
    });
  }

  /** Stops the pipeline, waits for its tasks to be released, then forgets it (topics kept). */
  async delete(name: string, timeoutMs = 60_000): Promise<void> {
    const { state, o } = this.ctx;
    await this.ctx.serial(async () => {
      const p = state.mustPipeline(name);
      if (p.rollout)
        throw failedPrecondition(`pipeline ${name} has a rollout in progress (${p.rollout}); abort it first`);
      const next = { ...p, state: 'STOPPED' as const, deleting: true, updatedAtMs: o.now() };
      await this.ctx.persist([{ kind: 'pipeline', name, value: next }]);
      state.pipelines.set(name, next);
      await this.reconciler.reconcile(`delete ${name}`);
    });
    const deadline = o.now() + timeoutMs;
    while (state.tasksOf(name).some((t) => t.owner)) {
      if (o.now() > deadline)
        throw new ControlError(
          'UNAVAILABLE',
          `pipeline ${name}: tasks not released within ${timeoutMs} ms; retry DeletePipeline`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.ctx.serial(async () => {
      const p = state.pipelines.get(name);
      if (!p) return;
      // Every task committed or aborted and released: the offsets group goes, so a pipeline created
      // again under this name starts afresh. The task transactional ids have no open transaction;
      // the broker expires them (transactional.id.expiration.ms).
      for (const group of offsetsGroups(p)) await o.topics.deleteGroup(group);
      const changes: StateChange[] = [{ kind: 'pipeline', name, value: null }];
      for (const t of state.tasksOf(name))
        changes.push({ kind: 'assignment', key: taskKey(name, t.index), value: null });
      await this.ctx.persist(changes);
      for (const t of state.tasksOf(name)) state.tasks.delete(taskKey(name, t.index));
      this.ctx.health.forgetPipeline(name);
      state.pipelines.delete(name);
      o.log(`pipeline ${name} deleted`);
      this.ctx.changed(`delete ${name}`);
    });
  }

  /**
   * Input partitions added after a pipeline was created: the pipeline's partition count grows
   * (durably), and each task that owns a new partition (p mod tasks) is restarted through a
   * graceful revoke and assigned again, under a new epoch, with its full partition list. A new
   * partition has no committed offset, so its task reads it from the beginning: nothing written to
   * it is skipped. Checks run one at a time (a poll and a status read share one).
   */
  checkInputPartitions(): Promise<void> {
    this.partitionCheck ??= this.readInputPartitions().finally(() => (this.partitionCheck = undefined));
    return this.partitionCheck;
  }

  private async readInputPartitions(): Promise<void> {
    const { state, o } = this.ctx;
    const grown: [string, number][] = [];
    for (const p of [...state.pipelines.values()]) {
      if (p.deleting) continue;
      const n = await o.topics.partitions(p.spec.inputTopic).catch(() => undefined);
      if (n !== undefined && n > p.inputPartitions) grown.push([p.spec.name, n]);
    }
    if (grown.length === 0) return;
    await this.ctx
      .serial(async () => {
        for (const [name, n] of grown) {
          const p = state.pipelines.get(name);
          if (!p || n <= p.inputPartitions) continue;
          const next: PipelineRecord = { ...p, inputPartitions: n, updatedAtMs: o.now() };
          await this.ctx.persist([{ kind: 'pipeline', name, value: next }]);
          state.pipelines.set(name, next);
          this.offsets.invalidate(name);
          const affected = new Set<number>();
          for (let part = p.inputPartitions; part < n; part++) affected.add(part % p.spec.tasks);
          for (const i of affected) {
            const t = state.tasks.get(taskKey(name, i));
            if (t?.owner) t.restart = true; // revoke, release, assign again with every partition
          }
          o.log(
            `pipeline ${name}: input ${p.spec.inputTopic} grew from ${p.inputPartitions} to ${n} partitions; tasks ${[...affected].join(', ')} restart with them`,
          );
        }
        await this.reconciler.reconcile('input partitions added');
      })
      .catch((err: unknown) => o.log(`input partition check failed: ${(err as Error).message}`));
  }
}
