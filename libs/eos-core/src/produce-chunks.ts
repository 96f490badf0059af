import type { ProduceRecord } from './kafka-port';

/** One produce request's worth of records, per topic (kafkajs's `topicMessages`). */
export type TopicMessages = { topic: string; messages: ProduceRecord[] }[];

/** The topic-partitions of the records that name their partition (records left to the partitioner are not). */
export function partitionsOf(records: readonly ProduceRecord[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, Set<number>>();
  for (const r of records) {
    if (r.partition === undefined) continue;
    let set = byTopic.get(r.topic);
    if (!set) byTopic.set(r.topic, (set = new Set()));
    set.add(r.partition);
  }
  return [...byTopic].map(([topic, ps]) => ({ topic, partitions: [...ps] }));
}

export interface ChunkLimits {
  /**
   * Most bytes one partition gets in one request. kafkajs sends one record batch per partition per
   * request and does not split it; brokers refuse batches over `message.max.bytes` (1 MiB by
   * default). @default 768 KiB
   */
  partitionBytes: number;
  /** Most bytes in one request over all partitions. @default 8 MiB */
  requestBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { partitionBytes: 768 * 1024, requestBytes: 8 << 20 };

/** Per-record overhead counted on top of key, value and headers (batch and record framing). */
const RECORD_OVERHEAD = 64;

const size = (v: Buffer | string | null | undefined) =>
  v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

/** Bytes a record adds to its batch, as counted against the limits. */
export function recordBytes(r: ProduceRecord): number {
  let b = size(r.key) + size(r.value) + RECORD_OVERHEAD;
  if (r.headers) for (const k in r.headers) b += k.length + size(r.headers[k]);
  return b;
}

/**
 * Room kept for the record batch's own header (61 bytes) and the varints `recordBytes` does not
 * count, so a record that passes {@link singleBatchBytes} fits a batch of its own.
 */
export const BATCH_OVERHEAD = 128;

/** Bytes of a batch holding only this record, as checked against a topic's `max.message.bytes`. */
export function singleBatchBytes(r: ProduceRecord): number {
  return recordBytes(r) + BATCH_OVERHEAD;
}

/**
 * Chunk limits for a transaction that writes to topics with these `max.message.bytes`: one
 * partition's batch must stay within the smallest of them.
 */
export function chunkLimitsFor(maxMessageBytes: Iterable<number>, base = DEFAULT_CHUNK_LIMITS): ChunkLimits {
  let partitionBytes = base.partitionBytes;
  for (const m of maxMessageBytes) partitionBytes = Math.min(partitionBytes, m - BATCH_OVERHEAD);
  return { ...base, partitionBytes: Math.max(1, partitionBytes) };
}

/** The records of one topic-partition (or of one topic's records without a partition), in order, cut into batches. */
interface Lane {
  topic: string;
  batches: { records: ProduceRecord[]; bytes: number }[];
}

/**
 * Plans the produce requests for a transaction's records. Records are grouped by topic and
 * partition (a "lane"; records without a partition, placed by the partitioner, form one lane per
 * topic); each lane is cut, in order, into batches of at most `partitionBytes` (half of it for a
 * topic that has records without a partition: those may land on any partition, next to its own
 * batch); request k carries batch k of every lane, within `requestBytes`. A single record larger
 * than the limit is a batch of its own.
 *
 * Order: within a partition, records keep their order (a lane's batches go in order, one request
 * after another). Records of different partitions may be reordered, which Kafka never orders
 * anyway. A transaction over several output partitions therefore goes in a few requests, each a
 * round trip on the transaction's critical path, rather than one per `partitionBytes` of output.
 */
export function chunkRecords(
  records: readonly ProduceRecord[],
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): TopicMessages[] {
  const unplacedTopics = new Set<string>();
  for (const r of records) if (r.partition === undefined) unplacedTopics.add(r.topic);
  const lanes = new Map<string, Lane>();
  for (const r of records) {
    const id = `${r.topic}\u0000${r.partition ?? ''}`;
    let lane = lanes.get(id);
    if (!lane) lanes.set(id, (lane = { topic: r.topic, batches: [] }));
    const limit = unplacedTopics.has(r.topic) ? limits.partitionBytes / 2 : limits.partitionBytes;
    const b = recordBytes(r);
    const last = lane.batches[lane.batches.length - 1];
    if (last && last.bytes + b <= limit) {
      last.records.push(r);
      last.bytes += b;
    } else lane.batches.push({ records: [r], bytes: b });
  }

  const chunks: TopicMessages[] = [];
  const pending = [...lanes.values()];
  const next = new Map<Lane, number>(pending.map((l) => [l, 0]));
  while (pending.length > 0) {
    const byTopic = new Map<string, ProduceRecord[]>();
    let bytes = 0;
    for (const lane of pending) {
      const i = next.get(lane) as number;
      const batch = lane.batches[i] as Lane['batches'][number];
      if (bytes > 0 && bytes + batch.bytes > limits.requestBytes) continue; // next request
      let list = byTopic.get(lane.topic);
      if (!list) byTopic.set(lane.topic, (list = []));
      // The records themselves: kafkajs reads key, value, partition and headers (and ignores `topic`).
      for (const r of batch.records) list.push(r);
      bytes += batch.bytes;
      next.set(lane, i + 1);
    }
    chunks.push([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    for (let j = pending.length - 1; j >= 0; j--) {
      const lane = pending[j] as Lane;
      if ((next.get(lane) as number) >= lane.batches.length) pending.splice(j, 1);
    }
  }
  return chunks;
}
