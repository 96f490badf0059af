import type { PartitionStatus, ResetPipelineOffsetsRequest } from '@eos/proto';
import { atLeastOnceGroupOf } from '@eos/fleet-names';
import { failedPrecondition, invalid } from './errors';
import type { FleetContext } from './fleet-context';
import type { PipelineRecord } from './ports';
import { LIMITS, checkInt } from './request-limits';
import { TtlCache } from './ttl-cache';
import { guaranteeOf } from './validation';

/** Where the committed offsets of an input partition live (the task's own group at least once). */
export function offsetsGroupOf(p: PipelineRecord, partition: number): string {
  return guaranteeOf(p.spec) === 'at-least-once'
    ? atLeastOnceGroupOf(p.consumerGroup, partition % p.spec.tasks) // partition p belongs to task p mod tasks
    : p.consumerGroup;
}

/** Every group holding the pipeline's committed offsets. */
export function offsetsGroups(p: PipelineRecord): string[] {
  return guaranteeOf(p.spec) === 'at-least-once'
    ? Array.from({ length: p.spec.tasks }, (_, t) => atLeastOnceGroupOf(p.consumerGroup, t))
    : [p.consumerGroup];
}

/**
 * A pipeline's input offsets in Kafka: committed offset, end offset and lag per partition (read
 * at most once per `statusCacheMs` per pipeline, shared by UI tabs, SSE refreshes and rollout
 * gates), and resets of the committed offsets of a stopped pipeline.
 */
export class PipelineOffsets {
  private readonly cache: TtlCache<PartitionStatus[]>;

  constructor(private readonly ctx: FleetContext) {
    this.cache = new TtlCache(ctx.o.statusCacheMs, ctx.o.now);
  }

  /** Offsets and lag per input partition, read from Kafka at most once per `statusCacheMs` per pipeline. */
  status(p: PipelineRecord): Promise<PartitionStatus[]> {
    return this.cache.get(p.spec.name, () => this.read(p));
  }

  /** The next read of this pipeline goes to Kafka (its offsets or partitions changed). */
  invalidate(pipeline: string): void {
    this.cache.invalidate(pipeline);
  }

  private async read(p: PipelineRecord): Promise<PartitionStatus[]> {
    const topics = this.ctx.o.topics;
    const groups = offsetsGroups(p);
    const [ends, ...perGroup] = await Promise.all([
      topics.endOffsets(p.spec.inputTopic),
      ...groups.map((g) => topics.committedOffsets(g, p.spec.inputTopic)),
    ]);
    const committedIn = new Map(groups.map((g, i) => [g, perGroup[i]!]));
    return [...ends]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, end]) => {
        const c = committedIn.get(offsetsGroupOf(p, partition))?.get(partition) ?? -1;
        return { partition, committedOffset: c, endOffset: end, lag: Math.max(0, end - Math.max(c, 0)) };
      });
  }

  /** Input lag per task (sum over its partitions), read from Kafka once for the whole pipeline. */
  async taskLags(pipeline: string): Promise<Map<number, number>> {
    const p = this.ctx.state.mustPipeline(pipeline);
    const lags = new Map<number, number>();
    for (const x of await this.status(p)) {
      const task = x.partition % p.spec.tasks; // partition p belongs to task p mod tasks
      lags.set(task, (lags.get(task) ?? 0) + x.lag);
    }
    return lags;
  }

  /** Moves the committed offsets of a stopped pipeline (all tasks released). */
  reset(req: ResetPipelineOffsetsRequest): Promise<PartitionStatus[]> {
    const { state, o } = this.ctx;
    return this.ctx.serial(async () => {
      const p = state.mustPipeline(req.name);
      if (p.state !== 'STOPPED')
        throw failedPrecondition(`pipeline ${req.name} is ${p.state}; stop it before resetting offsets`);
      const owned = state.tasksOf(req.name).filter((t) => t.owner);
      if (owned.length)
        throw failedPrecondition(
          `pipeline ${req.name} still has ${owned.length} task(s) being released; retry shortly`,
        );
      const topic = p.spec.inputTopic;
      const [low, high] = await Promise.all([o.topics.earliestOffsets(topic), o.topics.endOffsets(topic)]);
      let target: Map<number, number>;
      const t = req.target;
      if (!t) throw invalid('target', 'one of earliest, latest, timestampMs or explicit is required');
      switch (t.$case) {
        case 'earliest':
          target = low;
          break;
        case 'latest':
          target = high;
          break;
        case 'timestampMs':
          checkInt('timestampMs', t.value, LIMITS.timestampMs, false);
          target = await o.topics.offsetsForTimestamp(topic, t.value);
          break;
        case 'explicit': {
          target = new Map();
          if (t.value.offsets.length === 0) throw invalid('explicit.offsets', 'name at least one partition');
          for (const x of t.value.offsets) {
            checkInt('explicit.offsets.partition', x.partition, LIMITS.partition, false);
            checkInt('explicit.offsets.offset', x.offset, LIMITS.offset, false);
            const lo = low.get(x.partition);
            const hi = high.get(x.partition);
            if (lo === undefined || hi === undefined)
              throw invalid('explicit.offsets', `partition ${x.partition} does not exist in ${topic}`);
            if (x.offset < lo || x.offset > hi)
              throw invalid(
                'explicit.offsets',
                `offset ${x.offset} for partition ${x.partition} is outside [${lo}, ${hi}]`,
              );
            target.set(x.partition, x.offset);
          }
          break;
        }
      }
      // One transaction per offsets group (one group, or one per task at least once).
      const byGroup = new Map<string, Map<number, number>>();
      for (const [partition, offset] of target) {
        const group = offsetsGroupOf(p, partition);
        if (!byGroup.has(group)) byGroup.set(group, new Map());
        byGroup.get(group)!.set(partition, offset);
      }
      for (const [group, offsets] of byGroup)
        await o.topics.commitOffsetsInTransaction(
          o.names.offsetsResetTransactionalId(req.name),
          group,
          topic,
          offsets,
        );
      o.log(`pipeline ${req.name}: offsets reset (${t.$case}) to ${JSON.stringify([...target])}`);
      this.invalidate(req.name);
      return this.status(p);
    });
  }
}
