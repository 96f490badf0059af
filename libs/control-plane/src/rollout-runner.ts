import { isFinishedRollout, type RolloutFleetPort, type RolloutRecord } from './ports';

export interface RolloutRunnerOptions {
  /** Progress for the queue's job record. */
  progress?: (r: RolloutRecord) => Promise<void> | void;
  /** How often the job looks at tasks and requests. @default 100 */
  pollMs?: number;
  /**
   * A moved task that runs the new version with no input at all (lag 0) for this long passes its
   * gate: there is nothing to judge it on, and waiting for commits would fail an idle pipeline's
   * rollout. @default 2000
   */
  idleGraceMs?: number;
  log?: (m: string) => void;
}

/**
 * Runs (or resumes) one rollout: canary step, then steps of `stepTasks`, each followed by a
 * health gate (every moved task commits `gateCommits` times on the new version with at most
 * `maxFailedRecords` dead letters, within `gateTimeoutMs`). A failed gate or an abort moves every
 * moved task back. The record in controller state is the truth: tasks are recorded as moved
 * before they move, so a restarted job never hands a task off twice. Resolves with the record as
 * this run left it (finished, or as found when another run finished it).
 */
export async function runRollout(
  fleet: RolloutFleetPort,
  id: string,
  o: RolloutRunnerOptions = {},
): Promise<RolloutRecord> {
  const poll = o.pollMs ?? 100;
  const log = o.log ?? (() => undefined);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let r = fleet.getRolloutRecord(id);
  const save = async (patch: Partial<RolloutRecord>) => {
    r = await fleet.updateRollout(id, (cur) => ({ ...cur, ...patch }));
    await o.progress?.(r);
  };
  /**
   * Applies operator requests and waits while the rollout is paused. Resolves 'abort' when the
   * rollout must roll back, 'go' when it may go on.
   */
  const checkRequests = async (): Promise<'abort' | 'go'> => {
    for (;;) {
      const cur = fleet.getRolloutRecord(id);
      if (cur.requested === 'ABORT') return 'abort';
      if (cur.requested === 'PAUSE' && cur.state !== 'PAUSED')
        await save({ state: 'PAUSED', requested: undefined });
      else if (cur.requested === 'RESUME') await save({ state: 'RUNNING', requested: undefined });
      if (fleet.getRolloutRecord(id).state !== 'PAUSED') return 'go';
      await sleep(poll);
    }
  };
  const rollBack = async (final: 'FAILED' | 'ABORTED', reason: string) => {
    log(`rollout ${id}: rolling back (${reason})`);
    await save({ state: 'ROLLING_BACK', reason, requested: undefined });
    for (const t of fleet.taskIndexes(r.pipeline)) await fleet.setTaskVersion(r.pipeline, t, r.fromVersion);
    const deadline = Date.now() + Math.max(60_000, r.strategy.gateTimeoutMs);
    while (
      !fleet
        .taskIndexes(r.pipeline)
        .every((t) => fleet.taskHealth(r.pipeline, t).specVersion === r.fromVersion)
    ) {
      if (Date.now() > deadline) break;
      await sleep(poll);
    }
    await fleet.cancelUpdate(r.pipeline, r.toVersion);
    await save({ state: final, reason });
    log(`rollout ${id}: ${final}: ${reason}`);
  };

  if (isFinishedRollout(r.state)) return r;
  if (r.state === 'ROLLING_BACK') {
    await rollBack(r.reason.startsWith('aborted') ? 'ABORTED' : 'FAILED', r.reason);
    return r;
  }
  if (r.state === 'PENDING') await save({ state: 'RUNNING' });
  log(
    `rollout ${id}: ${r.pipeline} v${r.fromVersion} -> v${r.toVersion}, ${r.moved.length} task(s) moved so far`,
  );

  for (;;) {
    if ((await checkRequests()) === 'abort') {
      await rollBack('ABORTED', 'aborted by an operator');
      return r;
    }
    const all = fleet.taskIndexes(r.pipeline);
    const pending = all.filter((t) => !r.moved.includes(t));
    // A step interrupted by a restart: its tasks are recorded as moved; make sure they are, then gate them.
    const unGated = r.moved.filter((t) => !r.gates.some((g) => g.tasks.includes(t)));
    let batch: number[];
    if (unGated.length > 0) batch = unGated;
    else if (pending.length === 0) break;
    else {
      const size = r.moved.length === 0 ? r.strategy.canaryTasks : r.strategy.stepTasks;
      batch = pending.slice(0, Math.max(1, size));
      await save({ moved: [...r.moved, ...batch], step: r.step + 1 });
    }
    for (const t of batch) await fleet.setTaskVersion(r.pipeline, t, r.toVersion);
    log(`rollout ${id}: step ${r.step}: moved task(s) ${batch.join(',')}`);

    // Health gate.
    let started = Date.now();
    let verdict: { passed: boolean; reason: string } | undefined;
    const idleSince = new Map<number, number>();
    let lagCheckedAt = 0;
    while (!verdict) {
      const requested = fleet.getRolloutRecord(id).requested;
      if (requested === 'ABORT') break;
      if (requested === 'PAUSE') {
        // Paused mid-gate: the rollout stops where it is at once (no further step, no verdict)
        // and, once resumed, judges this step afresh.
        if ((await checkRequests()) === 'abort') break;
        started = Date.now();
        idleSince.clear();
        lagCheckedAt = 0;
        continue;
      }
      const health = batch.map((t) => ({ t, h: fleet.taskHealth(r.pipeline, t) }));
      // Tasks on the new version without enough commits: idle (lag 0) ones are judged by their lag.
      if (Date.now() - lagCheckedAt >= 500) {
        lagCheckedAt = Date.now();
        const waiting = health.filter(
          (x) => x.h.running && x.h.specVersion === r.toVersion && x.h.commits < r.strategy.gateCommits,
        );
        const lags = waiting.length
          ? await fleet.taskLags(r.pipeline).catch(() => new Map<number, number>())
          : undefined;
        for (const x of waiting) {
          if (lags?.get(x.t) === 0) {
            if (!idleSince.has(x.t)) idleSince.set(x.t, Date.now());
          } else idleSince.delete(x.t);
        }
      }
      const idle = (t: number) => Date.now() - (idleSince.get(t) ?? Infinity) >= (o.idleGraceMs ?? 2_000);
      const bad = health.find((x) => x.h.deadLettered > r.strategy.maxFailedRecords);
      if (bad)
        verdict = {
          passed: false,
          reason: `task ${bad.t} dead-lettered ${bad.h.deadLettered} record(s) on v${r.toVersion} (allowed ${r.strategy.maxFailedRecords})`,
        };
      else if (
        health.every(
          (x) =>
            x.h.running &&
            x.h.specVersion === r.toVersion &&
            (x.h.commits >= r.strategy.gateCommits || idle(x.t)),
        )
      ) {
        const idles = health.filter((x) => x.h.commits < r.strategy.gateCommits).map((x) => x.t);
        verdict = {
          passed: true,
          reason: idles.length ? `task(s) ${idles.join(',')} idle (no input, lag 0) on v${r.toVersion}` : '',
        };
      } else if (Date.now() - started > r.strategy.gateTimeoutMs) {
        const slow = health
          .filter((x) => !(x.h.running && x.h.commits >= r.strategy.gateCommits))
          .map((x) => x.t);
        verdict = {
          passed: false,
          reason: `task(s) ${slow.join(',')} did not commit ${r.strategy.gateCommits} times on v${r.toVersion} within ${r.strategy.gateTimeoutMs} ms`,
        };
      } else await sleep(poll);
    }
    if (!verdict) continue; // abort requested: handled at the top
    await save({
      gates: [
        ...r.gates,
        { step: r.step, tasks: batch, passed: verdict.passed, reason: verdict.reason, atMs: Date.now() },
      ],
    });
    if (!verdict.passed) {
      await rollBack('FAILED', `gate of step ${r.step} failed: ${verdict.reason}`);
      return r;
    }
  }
  await fleet.completeUpdate(r.pipeline, r.toVersion);
  await save({ state: 'SUCCEEDED' });
  log(`rollout ${id}: SUCCEEDED`);
  return r;
}
