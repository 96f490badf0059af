import { Rollout_State, type Rollout } from '@eos/proto';
import type { RolloutRecord } from '../ports';

/** The proto view of a rollout record; `tasks` are the pipeline's tasks and the version each runs now. */
export function rolloutView(r: RolloutRecord, tasks: { index: number; specVersion: number }[]): Rollout {
  const onNew: number[] = [];
  const onOld: number[] = [];
  for (const t of tasks) (t.specVersion === r.toVersion ? onNew : onOld).push(t.index);
  return {
    rolloutId: r.id,
    pipeline: r.pipeline,
    fromSpecVersion: r.fromVersion,
    toSpecVersion: r.toVersion,
    state: Rollout_State[r.state],
    tasksOnOld: onOld,
    tasksOnNew: onNew,
    currentStep: r.step,
    gates: r.gates.map((g) => ({
      step: g.step,
      taskIndexes: g.tasks,
      passed: g.passed,
      reason: g.reason,
      atMs: g.atMs,
    })),
    reason: r.reason,
    strategy: r.strategy,
    createdAtMs: r.createdAtMs,
    updatedAtMs: r.updatedAtMs,
  };
}
