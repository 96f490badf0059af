import { transformKey } from '@eos/transforms';
import { failedPrecondition, invalid } from './errors';
import type { FleetContext } from './fleet-context';
import { taskKey } from './fleet-state';
import type { PipelineRecord, TaskGateHealth } from './ports';
import type { Reconciler } from './reconciler';
import { guaranteeOf, validateSpec, type SpecInput, type ValidSpec } from './validation';

/**
 * Spec versions of a pipeline during an update: the new version is registered next to the
 * current one, tasks move to it one by one (the rollout job decides which and when), and the
 * update ends by making it the pipeline's spec or forgetting it.
 */
export class PipelineUpdates {
  constructor(
    private readonly ctx: FleetContext,
    private readonly reconciler: Reconciler,
  ) {}

  /** Everything UpdatePipeline checks before it changes anything (also before the rollout queue is asked). */
  check(spec: SpecInput | undefined): { name: string; p: PipelineRecord; v: ValidSpec } {
    const { state, o } = this.ctx;
    const name = spec?.name ?? '';
    const p = state.mustPipeline(name);
    const v = validateSpec(spec, {
      registry: o.registry,
      announced: state.announced(),
      inputPartitions: p.inputPartitions,
      topicRules: state.topicRules(),
    });
    if (v.inputTopic !== p.spec.inputTopic)
      throw invalid('spec.inputTopic', `cannot change in an update (is "${p.spec.inputTopic}")`);
    if (v.outputTopic !== p.spec.outputTopic)
      throw invalid('spec.outputTopic', `cannot change in an update (is "${p.spec.outputTopic}")`);
    if (v.tasks !== p.spec.tasks)
      throw invalid('spec.tasks', `cannot change in an update (is ${p.spec.tasks})`);
    if (v.guarantee !== guaranteeOf(p.spec))
      throw invalid('spec.guarantee', `cannot change in an update (is ${guaranteeOf(p.spec)})`);
    if (p.rollout)
      throw failedPrecondition(`pipeline ${name} has a rollout in progress (${p.rollout}); one at a time`);
    if (p.deleting || p.state === 'STOPPED')
      throw failedPrecondition(`pipeline ${name} is ${p.deleting ? 'being deleted' : 'STOPPED'}`);
    const key = transformKey(v.transform.name, v.transform.version);
    const capable = [...state.workers.values()].filter(
      (w) => w.state === 'ACTIVE' && w.channel && w.transforms.has(key),
    );
    if (capable.length === 0)
      throw failedPrecondition(`no active worker can run ${key}; start workers that announce it first`);
    return { name, p, v };
  }

  /**
   * Validates an updated spec and registers it as the pipeline's next version; the rollout job
   * then moves tasks to it. Returns the versions involved.
   */
  begin(spec: SpecInput | undefined): Promise<{ pipeline: string; fromVersion: number; toVersion: number }> {
    return this.ctx.serial(async () => {
      const { name, p, v } = this.check(spec);
      const toVersion = Math.max(p.specVersion, ...Object.keys(p.versions ?? {}).map(Number)) + 1;
      const next: PipelineRecord = {
        ...p,
        versions: { ...(p.versions ?? {}), [String(toVersion)]: v },
        updatedAtMs: this.ctx.o.now(),
      };
      await this.ctx.persist([{ kind: 'pipeline', name, value: next }]);
      this.ctx.state.pipelines.set(name, next);
      return { pipeline: name, fromVersion: p.specVersion, toVersion };
    });
  }

  /** Tasks of a pipeline, for the rollout job. */
  taskIndexes(pipeline: string): number[] {
    return Array.from({ length: this.ctx.state.mustPipeline(pipeline).spec.tasks }, (_, i) => i);
  }

  /** Moves one task to a spec version: its owner commits and releases it, then it starts again on that version. No-op when it runs that version already. */
  setTaskVersion(pipeline: string, index: number, version: number): Promise<void> {
    return this.ctx.serial(async () => {
      const t = this.ctx.state.tasks.get(taskKey(pipeline, index));
      if (!t || t.specVersion === version) return;
      t.specVersion = version;
      if (t.owner) t.restart = true;
      await this.ctx.persist([
        {
          kind: 'assignment',
          key: taskKey(pipeline, index),
          value: { owner: t.owner, epoch: t.epoch, specVersion: version },
        },
      ]);
      await this.reconciler.reconcile(`task ${pipeline}/${index} -> spec ${version}`);
    });
  }

  /** What a health gate needs to know about a task. */
  taskHealth(pipeline: string, index: number): TaskGateHealth {
    const t = this.ctx.state.tasks.get(taskKey(pipeline, index));
    if (!t) return { specVersion: 0, running: false, commits: 0, deadLettered: 0, owner: '' };
    return {
      specVersion: t.specVersion,
      running: !!t.owner && !t.restart && t.state === 'PROCESSING',
      commits: t.gate.commits,
      deadLettered: t.gate.deadLettered,
      owner: t.owner ?? '',
    };
  }

  /** The rollout succeeded: the new version becomes the pipeline's spec. */
  complete(pipeline: string, toVersion: number): Promise<void> {
    return this.ctx.serial(async () => {
      const p = this.ctx.state.mustPipeline(pipeline);
      const spec = p.versions?.[String(toVersion)];
      if (!spec) return;
      const next: PipelineRecord = {
        ...p,
        spec,
        specVersion: toVersion,
        versions: undefined,
        rollout: undefined,
        updatedAtMs: this.ctx.o.now(),
      };
      await this.ctx.persist([{ kind: 'pipeline', name: pipeline, value: next }]);
      this.ctx.state.pipelines.set(pipeline, next);
      this.ctx.o.log(`pipeline ${pipeline} now runs spec version ${toVersion}`);
    });
  }

  /** The rollout failed or was aborted (every task back on the old version): forget the new version. */
  cancel(pipeline: string, toVersion: number): Promise<void> {
    return this.ctx.serial(async () => {
      const p = this.ctx.state.pipelines.get(pipeline);
      if (!p) return;
      const versions = { ...(p.versions ?? {}) };
      delete versions[String(toVersion)];
      const next: PipelineRecord = {
        ...p,
        versions: Object.keys(versions).length ? versions : undefined,
        rollout: undefined,
        updatedAtMs: this.ctx.o.now(),
      };
      await this.ctx.persist([{ kind: 'pipeline', name: pipeline, value: next }]);
      this.ctx.state.pipelines.set(pipeline, next);
    });
  }
}
