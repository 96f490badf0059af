/** Sequence-numbered workloads and the exactly-once check over what a reader saw. */
import type { Producer } from 'kafkajs';
import type { ReadRecord } from './kafka-helpers';

/** Input value for key k, sequence s: `k<k>:<s>`. */
export const seqValue = (key: number, seq: number) => `k${key}:${seq}`;

/**
 * Produces `count` records over `keys` keys, spread over `partitions` partitions (key k goes to
 * partition k mod partitions), idempotent, in batches. Returns what was acknowledged.
 */
export async function produceSequence(
  producer: Producer,
  topic: string,
  o: { count: number; keys: number; partitions: number; from?: number; batch?: number },
): Promise<{ partition: number; key: string; value: string }[]> {
  const acked: { partition: number; key: string; value: string }[] = [];
  const batch = o.batch ?? 500;
  const from = o.from ?? 0;
  for (let i = from; i < from + o.count; i += batch) {
    const msgs = [];
    for (let j = i; j < Math.min(from + o.count, i + batch); j++) {
      const key = j % o.keys;
      msgs.push({
        partition: key % o.partitions,
        key: `k${key}`,
        value: seqValue(key, Math.floor(j / o.keys)),
      });
    }
    await producer.send({ topic, acks: -1, messages: msgs });
    acked.push(...msgs);
  }
  return acked;
}

export interface ExactlyOnceReport {
  inputs: number;
  outputs: number;
  missing: string[];
  duplicates: string[];
  unexpected: string[];
  orderViolations: string[];
}

/**
 * Checks that every input appears exactly once in the output as `transform(value)`, and that per
 * key the sequence numbers come in order.
 */
export function checkExactlyOnce(
  inputs: { value: string }[],
  outputs: ReadRecord[],
  transform: (v: string) => string,
): ExactlyOnceReport {
  const expected = new Map<string, string>();
  for (const i of inputs) expected.set(transform(i.value), i.value);
  const seen = new Map<string, number>();
  const unexpected: string[] = [];
  const lastSeq = new Map<string, number>();
  const orderViolations: string[] = [];
  for (const o of [...outputs].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    seen.set(o.value, (seen.get(o.value) ?? 0) + 1);
    const src = expected.get(o.value);
    if (src === undefined) {
      unexpected.push(o.value);
      continue;
    }
    const [k, s] = src.split(':');
    const seq = Number(s);
    const prev = lastSeq.get(k as string);
    if (prev !== undefined && seq <= prev) orderViolations.push(`${k}: ${seq} after ${prev}`);
    lastSeq.set(k as string, seq);
  }
  const missing = [...expected.keys()].filter((v) => !seen.has(v));
  const duplicates = [...seen].filter(([v, n]) => n > 1 && expected.has(v)).map(([v, n]) => `${v} x${n}`);
  return { inputs: inputs.length, outputs: outputs.length, missing, duplicates, unexpected, orderViolations };
}
