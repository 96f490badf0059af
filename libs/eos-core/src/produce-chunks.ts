import type { ProduceRecord } from './kafka-port';

/** One produce request's worth of records, per topic, in input order (kafkajs's `topicMessages`). */
export type TopicMessages = { topic: string; messages: ProduceRecord[] }[];

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

interface TopicLoad {
  /** Bytes per known partition in the open chunk. */
  partitions: Map<number, number>;
  /** The largest of those. */
  max: number;
  /** Bytes of records without a partition (the partitioner picks one: any of them could get all). */
  unplaced: number;
}

/**
 * Splits records into produce requests, keeping their order. A request closes when a partition's
 * batch would pass `partitionBytes` (records without a partition count against every partition of
 * their topic) or the request would pass `requestBytes`; a single larger record goes alone.
 *
 * Limiting per partition rather than per request lets a transaction over several output
 * partitions go in a fraction of the requests: each one is a round trip on the transaction's
 * critical path.
 */
export function chunkRecords(
  records: readonly ProduceRecord[],
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): TopicMessages[] {
  const chunks: TopicMessages[] = [];
  let byTopic = new Map<string, ProduceRecord[]>();
  let loads = new Map<string, TopicLoad>();
  let requestBytes = 0;
  const close = () => {
    if (byTopic.size === 0) return;
    chunks.push([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    byTopic = new Map();
    loads = new Map();
    requestBytes = 0;
  };
  for (const r of records) {
    const b = recordBytes(r);
    let load = loads.get(r.topic);
    if (requestBytes > 0) {
      const partitionAfter = !load
        ? b
        : r.partition === undefined
          ? load.max + load.unplaced + b
          : (load.partitions.get(r.partition) ?? 0) + load.unplaced + b;
      if (partitionAfter > limits.partitionBytes || requestBytes + b > limits.requestBytes) {
        close();
        load = undefined;
      }
    }
    if (!load) loads.set(r.topic, (load = { partitions: new Map(), max: 0, unplaced: 0 }));
    if (r.partition === undefined) load.unplaced += b;
    else {
      const n = (load.partitions.get(r.partition) ?? 0) + b;
      load.partitions.set(r.partition, n);
      if (n > load.max) load.max = n;
    }
    requestBytes += b;
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    // The record itself (kafkajs reads key, value, partition and headers; `topic` is ignored).
    list.push(r);
  }
  close();
  return chunks;
}
