import { randomUUID } from 'node:crypto';
import { failedPrecondition } from './errors';
import type { PipelineUpdates } from './pipeline-updates';
import { isFinishedRollout, type RolloutRecord, type RolloutStrategyValues } from './ports';
import { checkStrategy, type StrategyInput } from './request-limits';
import type { RolloutStore } from './rollout-store';
import type { SpecInput } from './validation';

export const DEFAULT_STRATEGY: RolloutStrategyValues = {
  canaryTasks: 1,
  stepTasks: 2,
  gateCommits: 3,
  maxFailedRecords: 0,
  gateTimeoutMs: 60_000,
};

/** A request's strategy with the defaults filled in (0 means the default, but 0 failed records is 0). */
export function strategyOf(s: StrategyInput | undefined): RolloutStrategyValues {
  return {
    canaryTasks: s?.canaryTasks || DEFAULT_STRATEGY.canaryTasks,
    stepTasks: s?.stepTasks || DEFAULT_STRATEGY.stepTasks,
    gateCommits: s?.gateCommits || DEFAULT_STRATEGY.gateCommits,
    maxFailedRecords: s?.maxFailedRecords ?? DEFAULT_STRATEGY.maxFailedRecords,
    gateTimeoutMs: s?.gateTimeoutMs || DEFAULT_STRATEGY.gateTimeoutMs,
  };
}

export type RolloutRequest = 'PAUSE' | 'RESUME' | 'ABORT';

/**
 * The operator's side of rollouts: starting one (UpdatePipeline) and asking a running one to
 * pause, resume or abort. The rules live here: one rollout per pipeline at a time, a finished
 * rollout never changes. The job that carries a rollout out is `runRollout` (rollout-runner.ts).
 */
export class RolloutControl {
  constructor(
    private readonly updates: PipelineUpdates,
    private readonly store: RolloutStore,
    private readonly now: () => number,
  ) {}

  /**
   * Validates the update, registers the new spec version and stores a PENDING rollout record.
   * `ready` is asked after validation, before anything changes: it throws when rollouts cannot
   * start now (the queue that runs them is away), so a bad request is refused as such either way.
   */
  async start(
    spec: SpecInput | undefined,
    strategy: StrategyInput | undefined,
    ready: () => void = () => undefined,
  ): Promise<RolloutRecord> {
    checkStrategy(strategy);
    this.updates.check(spec);
    ready();
    if (spec?.name && this.store.active().some((r) => r.pipeline === spec.name))
      throw failedPrecondition(`pipeline ${spec.name} has a rollout in progress; one at a time`);
    const { pipeline, fromVersion, toVersion } = await this.updates.begin(spec);
    const now = this.now();
    const rec: RolloutRecord = {
      id: `ro-${randomUUID().slice(0, 8)}`,
      pipeline,
      fromVersion,
      toVersion,
      state: 'PENDING',
      strategy: strategyOf(strategy),
      moved: [],
      step: 0,
      gates: [],
      reason: '',
      createdAtMs: now,
      updatedAtMs: now,
    };
    return this.store.update(rec.id, () => rec, true);
  }

  /** Pause, resume or abort: recorded durably; the job applies it within one poll (mid-gate too). */
  async request(id: string, what: RolloutRequest): Promise<RolloutRecord> {
    const r = this.store.get(id);
    if (isFinishedRollout(r.state)) throw failedPrecondition(`rollout ${id} is ${r.state} already`);
    if (what === 'RESUME' && r.state !== 'PAUSED' && r.requested !== 'PAUSE')
      throw failedPrecondition(`rollout ${id} is not paused (${r.state})`);
    if (what === 'PAUSE' && r.state === 'PAUSED') return r;
    if (r.state === 'ROLLING_BACK') throw failedPrecondition(`rollout ${id} is rolling back already`);
    return this.store.update(id, (cur) => ({ ...cur, requested: what }));
  }
}
