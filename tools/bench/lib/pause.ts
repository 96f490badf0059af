/**
 * The output pause of each task handoff (drain, rollout step, rebalance): the old owner's last
 * commit -> the new owner's first commit, from GetPipelineStatus polled every `intervalMs`, with
 * commit times as the controller records them (`last_commit_at_ms`).
 *
 * A handoff is a change of a task's epoch (every new assignment has one, also when a rollout
 * restarts a task on the worker that ran it). The last commit under the old epoch is the value
 * seen last before the epoch changed: the old owner's final commit happens while the task is
 * REVOKING, before the controller can assign it again, so a poll every 20 ms sees it.
 */
import type { GetPipelineStatusResponse } from '@eos/proto';

export interface PauseWatch {
  /** Resolves after the first status read: start the handoffs after it. */
  readonly ready: Promise<void>;
  /** Stops polling; the pauses of the handoffs completed so far, ms, in the order they ended. */
  stop(): Promise<number[]>;
  /** Handoffs completed so far. */
  readonly count: number;
}

interface Seen {
  epoch: number;
  lastCommitAtMs: number;
  /** Set when the epoch changed: the old owner's last commit, waiting for the new owner's first. */
  pendingSince?: number;
}

export function watchPauses(
  status: () => Promise<GetPipelineStatusResponse>,
  o: { intervalMs?: number } = {},
): PauseWatch {
  const seen = new Map<number, Seen>();
  const pauses: number[] = [];
  let running = true;
  let firstPoll: () => void = () => undefined;
  const ready = new Promise<void>((r) => (firstPoll = r));
  const poll = async () => {
    const s = await status();
    for (const t of s.tasks) {
      const epoch = Number(t.epoch);
      const last = Number(t.lastCommitAtMs);
      const prev = seen.get(t.taskIndex);
      if (!prev) {
        seen.set(t.taskIndex, { epoch, lastCommitAtMs: last });
        continue;
      }
      if (epoch !== prev.epoch) {
        // A new assignment; a pause already pending (two handoffs before a commit) keeps its start.
        prev.pendingSince ??= prev.lastCommitAtMs;
        prev.epoch = epoch;
      }
      if (prev.pendingSince !== undefined && last > prev.pendingSince && prev.pendingSince > 0) {
        pauses.push(last - prev.pendingSince);
        prev.pendingSince = undefined;
      }
      prev.lastCommitAtMs = last;
    }
  };
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      await poll().then(firstPoll, () => undefined);
      await new Promise((r) => setTimeout(r, Math.max(0, (o.intervalMs ?? 20) - (Date.now() - t0))));
    }
  })();
  return {
    ready,
    async stop() {
      running = false;
      await loop;
      return [...pauses];
    },
    get count() {
      return pauses.length;
    },
  };
}
