import type { Admin, Kafka } from 'kafkajs';
import { startAssignedFetcher, type AssignedFetcher } from '@eos/eos-core';

/**
 * Reads a topic from the beginning to its current end, read_committed, calling `onRecord` in
 * order per partition. It joins no consumer group (a new group waits the broker's
 * `group.initial.rebalance.delay.ms`, 3 s by default, which every controller start paid), and its
 * positions count transaction markers, so a topic ending in a marker is read to its end.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  onRecord: (key: string, value: string | null) => void,
  timeoutMs = 60_000,
): Promise<void> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  const pos = new Map(offsets.map((p) => [p.partition, Number(p.low)]));
  const done = () => [...ends].every(([p, e]) => (pos.get(p) ?? 0) >= e);
  if (done()) return;
  let finish: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const timer = setTimeout(() => fail(new Error(`timed out reading ${topic} to its end`)), timeoutMs);
  let fetcher: AssignedFetcher | undefined;
  try {
    // Positions follow `nextOffset`, which counts transaction markers (see startAssignedFetcher).
    fetcher = await startAssignedFetcher(kafka, {
      topic,
      partitions: [...ends.keys()],
      startOffsets: new Map(pos),
      onFetched(partition, messages, nextOffset) {
        const end = ends.get(partition) ?? 0;
        for (const m of messages) {
          if (Number(m.offset) >= end) break;
          onRecord(m.key?.toString() ?? '', m.value === null ? null : m.value.toString());
        }
        if (nextOffset > (pos.get(partition) ?? 0)) pos.set(partition, nextOffset);
        if (done()) finish();
      },
      onError: fail,
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await fetcher?.close().catch(() => undefined);
  }
}
