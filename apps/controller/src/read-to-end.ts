import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { FleetNames } from '@eos/fleet-names';

/**
 * Reads a topic from the beginning to its current end, read_committed, calling `onRecord` in
 * order. The end counts transaction markers: batches made only of markers never reach
 * `eachBatch`, so their ends come from kafkajs's batch-start events.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  onRecord: (key: string, value: string | null) => void,
  timeoutMs = 60_000,
  /** The one-off group of this read (under the fleet's prefix, so the controller's group ACL covers it). */
  groupId = new FleetNames().controllerReaderGroup(randomUUID()),
): Promise<void> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  const lows = new Map(offsets.map((p) => [p.partition, Number(p.low)]));
  const pos = new Map<number, number>([...lows]);
  const done = () => [...ends].every(([p, e]) => (pos.get(p) ?? 0) >= e);
  if (done()) return;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  let finish: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const advance = (partition: number, next: number) => {
    if (next > (pos.get(partition) ?? 0)) pos.set(partition, next);
    if (done()) finish();
  };
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) advance(payload.partition, Number(payload.lastOffset) + 1);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
  const timer = setTimeout(() => fail(new Error(`timed out reading ${topic} to its end`)), timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (Number(m.offset) >= (ends.get(batch.partition) ?? 0)) break;
          onRecord(m.key?.toString() ?? '', m.value === null ? null : m.value.toString());
        }
        advance(batch.partition, Number(batch.lastOffset()) + 1);
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
