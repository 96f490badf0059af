import type { Admin } from 'kafkajs';
import { endOffsets, groupOffsets } from './kafka-helpers';

/**
 * Polls `fn` until it returns something truthy (and returns it), asking the real system each
 * time; errors count as "not yet" (the last one is named on timeout).
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until a group's committed offsets reach the topic's end offsets on every partition. */
export async function waitCaughtUp(
  admin: Admin,
  topic: string,
  groupId: string,
  timeoutMs = 120_000,
): Promise<void> {
  await until(
    `${groupId} to catch up on ${topic}`,
    async () => {
      const [ends, committed] = await Promise.all([
        endOffsets(admin, topic),
        groupOffsets(admin, groupId, topic),
      ]);
      return [...ends].every(([p, e]) => (committed.get(p) ?? -1) >= e);
    },
    timeoutMs,
    200,
  );
}

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
