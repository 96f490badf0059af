import type { ProduceRecord } from './kafka-port';
import { chunkRecords, recordBytes } from './produce-chunks';

const rec = (topic: string, partition: number | undefined, bytes: number, i = 0): ProduceRecord => ({
  topic,
  partition,
  key: `k${i}`,
  value: Buffer.alloc(bytes - 64 - `k${i}`.length),
});
const KB = 1024;
const limits = { partitionBytes: 10 * KB, requestBytes: 40 * KB };
/** Per chunk: topic -> partition -> record count. */
const shape = (chunks: ReturnType<typeof chunkRecords>) =>
  chunks.map((c) =>
    Object.fromEntries(
      c.map(({ topic, messages }) => [
        topic,
        messages.reduce<Record<string, number>>((a, m) => {
          const p = String(m.partition ?? '?');
          a[p] = (a[p] ?? 0) + 1;
          return a;
        }, {}),
      ]),
    ),
  );

describe('chunkRecords', () => {
  it('counts key, value, headers and framing', () => {
    expect(recordBytes(rec('t', 0, 1000))).toBe(1000);
    expect(recordBytes({ topic: 't', key: null, value: 'ab', headers: { h: 'xyz' } })).toBe(64 + 2 + 1 + 3);
  });

  it('limits bytes per partition, not per request: four partitions share one request', () => {
    // 4 partitions x 9 KB: one request (36 KB <= 40 KB), each partition under 10 KB.
    const records = Array.from({ length: 36 }, (_, i) => rec('out', i % 4, KB, i));
    expect(shape(chunkRecords(records, limits))).toEqual([{ out: { 0: 9, 1: 9, 2: 9, 3: 9 } }]);
  });

  it("sends a partition's records beyond its limit in the next request, in order", () => {
    const records = Array.from({ length: 25 }, (_, i) => rec('out', 0, KB, i));
    const chunks = chunkRecords(records, limits);
    expect(chunks.map((c) => c[0]?.messages.length)).toEqual([10, 10, 5]);
    expect(chunks.flatMap((c) => c.flatMap((t) => t.messages))).toEqual(records);
  });

  it('closes a request at the request limit', () => {
    const records = Array.from({ length: 50 }, (_, i) => rec('out', i % 10, KB, i));
    expect(chunkRecords(records, limits).map((c) => c[0]?.messages.length)).toEqual([40, 10]);
  });

  it('puts every partition in each request even when records come grouped by partition (as consumed)', () => {
    const records = [0, 1, 2, 3].flatMap((p) =>
      Array.from({ length: 20 }, (_, i) => rec('out', p, KB, p * 100 + i)),
    );
    const chunks = chunkRecords(records, limits);
    expect(shape(chunks)).toEqual([
      { out: { 0: 10, 1: 10, 2: 10, 3: 10 } },
      { out: { 0: 10, 1: 10, 2: 10, 3: 10 } },
    ]);
    // Per partition, the order is the input order.
    for (const p of [0, 1, 2, 3])
      expect(chunks.flatMap((c) => c.flatMap((t) => t.messages)).filter((m) => m.partition === p)).toEqual(
        records.filter((r) => r.partition === p),
      );
  });

  it('halves the partition limit of a topic with records the partitioner places (they may join any partition)', () => {
    const records = [
      ...Array.from({ length: 8 }, (_, i) => rec('out', 0, KB, i)),
      ...Array.from({ length: 3 }, (_, i) => rec('out', undefined, KB, 100 + i)),
    ];
    expect(shape(chunkRecords(records, limits))).toEqual([{ out: { 0: 5, '?': 3 } }, { out: { 0: 3 } }]);
  });

  it('puts a record larger than the partition limit in a batch of its own', () => {
    const records = [
      rec('out', 0, KB, 1),
      rec('dlq', 0, 20 * KB, 2),
      rec('out', 0, KB, 3),
      rec('dlq', 0, KB, 4),
    ];
    expect(shape(chunkRecords(records, limits))).toEqual([
      { out: { 0: 2 }, dlq: { 0: 1 } },
      { dlq: { 0: 1 } },
    ]);
  });
});
