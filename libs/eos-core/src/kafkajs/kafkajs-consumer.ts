/**
 * The port's consumer on kafkajs: an {@link AssignedFetcher} of exactly the task's partitions,
 * started at the committed offsets, handing the loop records and positions.
 */
import type { Kafka } from 'kafkajs';
import type { Headers, InputRecord } from '@eos/transforms';
import type { ConsumedItem, ConsumerPort, ConsumerPortOptions } from '../kafka-port';
import { startAssignedFetcher } from './start-fetcher';

/** Fetch settings of the port's consumers (see `DEFAULT_FETCH`). */
export interface KafkaJsConsumerOptions {
  maxWaitMs?: number | undefined;
  maxBytesPerPartition?: number | undefined;
}

export async function kafkaJsConsumer(
  kafka: Kafka,
  o: ConsumerPortOptions,
  fetch: KafkaJsConsumerOptions,
): Promise<ConsumerPort> {
  let broken = false;
  const fetcher = await startAssignedFetcher(kafka, {
    topic: o.topic,
    partitions: o.partitions,
    startOffsets: o.startOffsets,
    maxWaitMs: fetch.maxWaitMs,
    maxBytesPerPartition: fetch.maxBytesPerPartition,
    onFetched(partition, messages, nextOffset) {
      const items: ConsumedItem[] = [];
      for (const m of messages) {
        const record: InputRecord = {
          topic: o.topic,
          partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: normalizeHeaders(m.headers),
          timestamp: m.timestamp,
        };
        items.push({ kind: 'record', record, bytes: (m.value?.length ?? 0) + (m.key?.length ?? 0) });
      }
      // The position also covers what the fetch dropped: aborted records and transaction markers.
      items.push({ kind: 'position', partition, nextOffset });
      o.onItems(items);
    },
    onError(err) {
      broken = true;
      o.onBroken(err);
    },
  });
  return {
    async commitOffsets(offsets) {
      if (!o.commitGroupId) throw new Error('commitOffsets needs the consumer created with a commitGroupId');
      if (broken) throw new Error('consumer broke; not committing');
      await fetcher.commitToGroup(o.commitGroupId, offsets);
    },
    pause: () => fetcher.pause(),
    resume: () => fetcher.resume(),
    close: () => fetcher.close(),
  };
}

function normalizeHeaders(h: Record<string, unknown> | undefined): Headers {
  const out: Headers = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (Buffer.isBuffer(v) || typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v.length > 0) out[k] = v[v.length - 1] as Buffer | string; // last value wins
  }
  return out;
}
