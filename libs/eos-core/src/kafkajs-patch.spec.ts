/**
 * eos-fleet patches kafkajs 2.2.4 at install (`patches/kafkajs+2.2.4.patch`, applied by
 * patch-package in `postinstall`): a native CRC32C, a linear `groupMessagesPerPartition`, varints
 * written in place, record/batch encoders sized up front, a fetch answer's cut-short last batch
 * skipped without an error, and the producer's retry settings for the transaction's control
 * requests (InitProducerId, EndTxn, ...). These tests pin that the patch is
 * installed and that kafkajs still writes the bytes the pristine 2.2.4 wrote.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describeKafkaJsPatch, kafkaJsPatchStatus } from './kafkajs/patch-status';

const kafkajs = createRequire(require.resolve('kafkajs'));
const crc32C = kafkajs('./src/protocol/recordBatch/crc32C') as ((b: Buffer) => number) & {
  pureJs: (b: Buffer) => number;
  isNative: boolean;
};
const Encoder = kafkajs('./src/protocol/encoder') as new () => {
  writeVarInt(v: number): unknown;
  writeUVarInt(v: number): unknown;
  writeVarLong(v: number | bigint): unknown;
  buffer: Buffer;
};
const Decoder = kafkajs('./src/protocol/decoder') as new (b: Buffer) => {
  readVarInt(): number;
  readVarLong(): { toString(): string };
};
const group = kafkajs('./src/producer/groupMessagesPerPartition') as (a: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { partition: number; i: number }[];
  partitioner: (a: { message: { partition: number } }) => number;
}) => Record<string, { partition: number; i: number }[]>;
const produceV3 = kafkajs('./src/protocol/requests/produce/v3/request') as (a: Record<string, unknown>) => {
  encode: () => Promise<{ buffer: Buffer; size(): number }>;
};
const wrapRequest = kafkajs('./src/protocol/request') as (a: {
  correlationId: number;
  clientId: string | null;
  request: ReturnType<typeof produceV3>;
}) => Promise<{ buffer: Buffer }>;
const RecordV0 = kafkajs('./src/protocol/recordBatch/record/v0') as (a: Record<string, unknown>) => {
  buffer: Buffer;
  buf: Buffer;
  size(): number;
};
const DecoderClass = kafkajs('./src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeBatch = kafkajs('./src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{
  records: Record<string, unknown>[];
}>;
const decodeMessages = kafkajs('./src/protocol/requests/fetch/v4/decodeMessages') as (
  d: unknown,
) => Promise<{ offset: string }[]>;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('kafkajs as eos-fleet patches it', () => {
  it('is installed with the native CRC32C (npm ci ran patch-package)', () => {
    expect(crc32C.isNative).toBe(true);
  });

  it('computes the CRC32C check value and agrees with the pure-JS one on every size', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const size of [0, 1, 7, 8, 63, 64, 65, 1000, 4096, 100_003]) {
      const b = randomBytes(size);
      expect(crc32C(b)).toBe(crc32C.pureJs(b));
      expect(crc32C(b)).toBeGreaterThanOrEqual(0); // unsigned, as the batch header writes it
    }
  });

  it('writes the zigzag varints and varlongs of the Kafka protocol, and reads them back', () => {
    const zigzag = (v: bigint) => (v << 1n) ^ (v >> 63n);
    const uvarint = (u: bigint) => {
      const out: number[] = [];
      let x = BigInt.asUintN(64, u);
      while (x >= 0x80n) {
        out.push(Number((x & 0x7fn) | 0x80n));
        x >>= 7n;
      }
      out.push(Number(x));
      return Buffer.from(out);
    };
    const ints = [0, 1, -1, 63, -64, 64, -65, 300, -300, 2 ** 20, 2 ** 31 - 1, -(2 ** 31)];
    for (const v of ints) {
      const e = new Encoder();
      e.writeVarInt(v);
      expect(e.buffer).toEqual(uvarint(zigzag(BigInt(v)) & 0xffffffffn));
      expect(new Decoder(e.buffer).readVarInt()).toBe(v);
    }
    for (const v of [...ints, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 3, -(2 ** 45), Number.MAX_SAFE_INTEGER]) {
      const e = new Encoder();
      e.writeVarLong(v);
      expect(e.buffer).toEqual(uvarint(zigzag(BigInt(v))));
      expect(new Decoder(e.buffer).readVarLong().toString()).toBe(String(v));
    }
  });

  it('groups messages per partition keeping their order', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ partition: (i * 7) % 5, i }));
    const g = group({
      topic: 't',
      partitionMetadata: [{}],
      messages,
      partitioner: ({ message }) => message.partition,
    });
    expect(Object.keys(g).sort()).toEqual(['0', '1', '2', '3', '4']);
    for (const [p, ms] of Object.entries(g)) {
      expect(ms.every((m) => m.partition === Number(p))).toBe(true);
      expect(ms.map((m) => m.i)).toEqual(messages.filter((m) => m.partition === Number(p)).map((m) => m.i));
    }
    expect(group({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
  });

  // Null, string and Buffer keys and values, empty and 2 KB values, repeated and binary headers.
  const messages = Array.from({ length: 300 }, (_, i) => ({
    partition: i % 3,
    key: i % 5 === 0 ? null : i % 2 ? Buffer.from(`k${i}`) : `k${i}`,
    value: i % 7 === 0 ? null : i % 3 ? Buffer.alloc(i * 7, i % 256) : 'v'.repeat(i),
    timestamp: String(1_765_000_000_000 + ((i * 997) % 5000)),
    headers:
      i % 4 === 0
        ? undefined
        : { 'eos.a': String(i), 'eos.multi': ['x', `y${i}`], bin: Buffer.from([i % 256, 1, 2]) },
  }));
  // The hashes below were computed with the unpatched kafkajs 2.2.4 from npm on the same input.

  it('encodes a produce request byte for byte as the pristine kafkajs 2.2.4 did', async () => {
    const grouped = group({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages: messages as never,
      partitioner: ({ message }) => message.partition,
    });
    const partitions = Object.entries(grouped).map(([p, m]) => ({
      partition: Number(p),
      firstSequence: 5,
      messages: m,
    }));
    const request = produceV3({
      acks: -1,
      timeout: 30_000,
      transactionalId: 'eos.p.0',
      topicData: [{ topic: 't', partitions }],
    });
    const bytes = (await request.encode()).buffer;
    expect(bytes.length).toBe(207_884);
    expect(sha(bytes)).toBe('6f6a3f1566649ba1958194e313043748671f8665cb8a52425694ebadf80689be');
    // With the request header and size prefix, as it goes on the wire.
    const wire = await wrapRequest({ correlationId: 77, clientId: 'eos-worker-w1', request });
    expect(wire.buffer.length).toBe(207_911);
    expect(sha(wire.buffer)).toBe('d949f09502803adf2e8e056f09b28424aa630b8c86b0fc4be9a4d262df914ecf');
  });

  it('encodes single records (the compressed path) and an empty partition as the pristine kafkajs did', async () => {
    const records = Buffer.concat(
      messages.map(
        (m, i) =>
          RecordV0({
            key: m.key,
            value: m.value,
            headers: m.headers,
            offsetDelta: i,
            timestampDelta: i * 3 - 400,
          }).buffer,
      ),
    );
    expect(sha(records)).toBe('e55cf21b01fe2ff9f24a72a321e996f2525c8f60451e8a20e56eabc17df078ae');
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_765_000_000_000);
    try {
      const request = produceV3({
        acks: 1,
        timeout: 1000,
        topicData: [{ topic: 't2', partitions: [{ partition: 0, messages: [] }] }],
      });
      const wire = await wrapRequest({ correlationId: 78, clientId: null, request });
      expect(sha(wire.buffer)).toBe('5fdccbadbc782bef5b13858f83c91c1ceb5c74ec07c2ce217b08916e10e6b6c1');
    } finally {
      now.mockRestore();
    }
  });

  it('sizes a record encoder exactly, so it never grows (copying itself) while written', () => {
    for (const [i, m] of messages.entries()) {
      const e = RecordV0({
        key: m.key,
        value: m.value,
        headers: m.headers,
        offsetDelta: i,
        timestampDelta: 0,
      });
      expect(e.buf.length).toBe(e.size());
    }
  });

  it('decodes records (offsets, timestamps, keys, values, headers) as the pristine kafkajs 2.2.4 did', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_765_000_000_000);
    try {
      // Timestamp deltas small (the number path) and over 2^27 (the Long path); repeated header
      // names, and names Object.prototype has.
      const input = Array.from({ length: 300 }, (_, i) => ({
        key: i % 5 === 0 ? null : `k${i}`,
        value: i % 7 === 0 ? null : Buffer.alloc(i % 50, i),
        timestamp: String(1_765_000_000_000 + ((i * 997) % 5000) - (i % 3 ? 0 : 200_000_000)),
        headers:
          i % 4 === 0
            ? undefined
            : { a: String(i), m: ['x', `y${i}`], toString: 't', ['__proto__']: 'p', constructor: ['c'] },
      }));
      const request = produceV3({
        acks: -1,
        timeout: 1,
        transactionalId: 'x',
        topicData: [{ topic: 't', partitions: [{ partition: 0, messages: input }] }],
      });
      // The record set starts after the request's fields up to the partition's record set size.
      const batch = Buffer.from(
        (await request.encode()).buffer.subarray(2 + 1 + 2 + 4 + 4 + 2 + 1 + 4 + 4 + 4),
      );
      batch.writeInt32BE(0, 0);
      batch.writeInt32BE(123_456_789, 4); // the batch's first offset
      const { records } = await decodeBatch(new DecoderClass(batch));
      expect(records[3]).toMatchObject({
        offset: '123456792',
        timestamp: String(1_765_000_000_000 + 2991 - 200_000_000),
      });
      const canonical = JSON.stringify(
        records.map((r) => [
          r.offset,
          r.timestamp,
          r.key,
          r.value,
          r.headers,
          r.attributes,
          r.isControlRecord,
          r.magicByte,
        ]),
      );
      expect(sha(canonical)).toBe('9e143e8bf451860f302bbc5ddfda1aa29573bdc46cc6ffd656ec578c9b969d52');
    } finally {
      now.mockRestore();
    }
  });
});

describe("a fetch answer's record batches", () => {
  /** One record batch of `n` records from offset `base`, as a broker sends it. */
  async function recordBatch(base: number, n: number): Promise<Buffer> {
    const request = produceV3({
      acks: -1,
      timeout: 1,
      transactionalId: 'x', // the offset below counts its 1 + 2 bytes
      topicData: [
        {
          topic: 't',
          partitions: [{ partition: 0, messages: Array.from({ length: n }, (_, i) => ({ value: `v${i}` })) }],
        },
      ],
    });
    const batch = Buffer.from(
      (await request.encode()).buffer.subarray(2 + 1 + 2 + 4 + 4 + 2 + 1 + 4 + 4 + 4),
    );
    batch.writeInt32BE(0, 0);
    batch.writeInt32BE(base, 4);
    return batch;
  }

  it('end at a batch the fetch cut short, without building an error for it', async () => {
    const whole = await recordBatch(100, 3);
    const cut = (await recordBatch(103, 50)).subarray(0, 200); // past the batch header, short of its end
    const messages = Buffer.concat([whole, cut]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(messages.length, 0);
    const stacks = jest.spyOn(Error, 'captureStackTrace');
    try {
      const records = await decodeMessages(new DecoderClass(Buffer.concat([size, messages])));
      expect(records.map((r) => r.offset)).toEqual(['100', '101', '102']);
      // Pristine kafkajs decoded the cut batch and threw KafkaJSPartialMessageError, whose
      // constructor captures a stack: 50-100 ms per fetch-heavy window of three workers.
      expect(stacks).not.toHaveBeenCalled();
    } finally {
      stacks.mockRestore();
    }
  });
});

describe('kafkaJsPatchStatus', () => {
  it('reports the patch and the native CRC32C as installed, and words each missing piece', () => {
    expect(kafkaJsPatchStatus()).toEqual({ patched: true, nativeCrc32c: true });
    expect(describeKafkaJsPatch()).toBe('');
    expect(describeKafkaJsPatch({ patched: false, nativeCrc32c: false })).toMatch(
      /kafkajs is not patched .*npm ci/,
    );
    expect(describeKafkaJsPatch({ patched: true, nativeCrc32c: false })).toMatch(/pure-JS CRC32C in use/);
  });
});

const { KafkaJSProtocolError } = kafkajs('./src/errors') as {
  KafkaJSProtocolError: new (e: { type: string; code: number; retriable: boolean; message: string }) => Error;
};
/** A retriable protocol error, as kafkajs makes one of a broker's answer. */
const protocolError = (type: string, code: number) =>
  new KafkaJSProtocolError({ type, code, retriable: true, message: type });
/** An error whose `stack` counts its reads: formatting a stack is what a retry must not pay for. */
function countingStackReads<E extends Error>(e: E): E & { stackReads: number } {
  const counted = Object.assign(e, { stackReads: 0 });
  Object.defineProperty(counted, 'stack', {
    get: () => {
      counted.stackReads++;
      return 'counted';
    },
  });
  return counted;
}
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe("the transaction's control requests take the producer's retry settings", () => {
  const createEosManager = kafkajs('./src/producer/eosManager') as (a: Record<string, unknown>) => {
    initProducerId(): Promise<void>;
  };
  /** A coordinator that answers CONCURRENT_TRANSACTIONS (`refusal`) to the first InitProducerId, then a producer id. */
  function manager(retry: Record<string, number>, refusal = protocolError('CONCURRENT_TRANSACTIONS', 51)) {
    let calls = 0;
    const broker = {
      initProducerId: async () => {
        if (calls++ === 0) throw refusal;
        return { producerId: 7, producerEpoch: 1 };
      },
    };
    const cluster = {
      refreshMetadataIfNecessary: async () => undefined,
      findGroupCoordinator: async () => broker,
    };
    const m = createEosManager({
      logger,
      cluster,
      transactional: true,
      transactionalId: 't',
      retry,
    });
    return { m, calls: () => calls };
  }

  it('InitProducerId with no retries allowed fails on the first CONCURRENT_TRANSACTIONS (unpatched: 5 retries from 300 ms)', async () => {
    const { m, calls } = manager({ retries: 0, initialRetryTime: 1 });
    await expect(m.initProducerId()).rejects.toThrow(/CONCURRENT_TRANSACTIONS/);
    expect(calls()).toBe(1);
  });

  it("InitProducerId retries on the producer's schedule", async () => {
    const { m, calls } = manager({ retries: 1, initialRetryTime: 1, maxRetryTime: 1 });
    await m.initProducerId();
    expect(calls()).toBe(2);
  });

  it("retries a fence's CONCURRENT_TRANSACTIONS without reading the error's stack", async () => {
    const refusal = countingStackReads(protocolError('CONCURRENT_TRANSACTIONS', 51));
    const { m, calls } = manager({ retries: 1, initialRetryTime: 1, maxRetryTime: 1 }, refusal);
    await m.initProducerId();
    expect(calls()).toBe(2);
    expect(refusal.stackReads).toBe(0); // unpatched: 1, for a debug line
  });

  it('looks each coordinator up once, not before every request, and again after a coordinator error', async () => {
    const lookups: string[] = [];
    const failNext: string[] = [];
    const answer = (req: string) => async () => {
      const type = failNext.shift();
      if (type) throw protocolError(type, type === 'NOT_COORDINATOR_FOR_GROUP' ? 16 : 51);
      return req === 'init' ? { producerId: 7, producerEpoch: 1 } : {};
    };
    const broker = {
      initProducerId: answer('init'),
      addPartitionsToTxn: answer('add'),
      addOffsetsToTxn: answer('offsets'),
      txnOffsetCommit: answer('commit-offsets'),
      endTxn: answer('end'),
    };
    const cluster = {
      refreshMetadataIfNecessary: async () => undefined,
      findGroupCoordinator: async (o: { groupId: string }) => {
        lookups.push(o.groupId);
        return broker;
      },
    };
    const m = createEosManager({
      logger,
      cluster,
      transactional: true,
      transactionalId: 't',
      retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 1 },
    }) as unknown as {
      initProducerId(): Promise<void>;
      beginTransaction(): void;
      addPartitionsToTransaction(t: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
      sendOffsets(o: { consumerGroupId: string; topics: unknown[] }): Promise<void>;
      commit(): Promise<void>;
    };
    const transaction = async () => {
      m.beginTransaction();
      await m.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]);
      await m.sendOffsets({
        consumerGroupId: 'g',
        topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }],
      });
      await m.commit();
    };
    await m.initProducerId();
    await transaction();
    await transaction();
    expect(lookups).toEqual(['t', 'g']); // unpatched: t, then t, t, g, t per transaction
    failNext.push('CONCURRENT_TRANSACTIONS'); // an answer of the coordinator: it stays
    await expect(transaction()).rejects.toThrow(/CONCURRENT_TRANSACTIONS/);
    expect(lookups).toEqual(['t', 'g']);
    await m.commit(); // nothing was added: no EndTxn
    failNext.push('NOT_COORDINATOR_FOR_GROUP'); // it moved (kafkajs's name for NOT_COORDINATOR): both are looked up again
    await expect(transaction()).rejects.toThrow(/NOT_COORDINATOR/);
    await m.commit();
    await transaction();
    expect(lookups).toEqual(['t', 'g', 't', 'g']);
  });
});

describe('a send that meets CONCURRENT_TRANSACTIONS', () => {
  it('is retried without a metadata refresh', async () => {
    const createSendMessages = kafkajs('./src/producer/sendMessages') as (
      a: Record<string, unknown>,
    ) => (o: {
      acks: number;
      topicMessages: { topic: string; messages: { partition: number; value: string }[] }[];
    }) => Promise<unknown>;
    const createRetry = kafkajs('./src/retry') as (o: Record<string, number>) => unknown;
    let refreshes = 0;
    let adds = 0;
    const broker = { nodeId: 1, produce: async () => ({ topics: [] }) };
    const cluster = {
      refreshMetadataIfNecessary: async () => undefined,
      refreshMetadata: async () => void refreshes++,
      addMultipleTargetTopics: async () => undefined,
      isConnected: () => true,
      findTopicPartitionMetadata: () => [{ partitionId: 0, leader: 1 }],
      findLeaderForPartitions: () => ({ 1: [0] }),
      findBroker: async () => broker,
    };
    const eosManager = {
      acquireBrokerLock: async () => undefined,
      releaseBrokerLock: () => undefined,
      isTransactional: () => true,
      getTransactionalId: () => 't',
      getProducerId: () => 7,
      getProducerEpoch: () => 1,
      getSequence: () => 0,
      updateSequence: () => undefined,
      addPartitionsToTransaction: async () => {
        if (adds++ === 0) throw protocolError('CONCURRENT_TRANSACTIONS', 51);
      },
    };
    const send = createSendMessages({
      logger,
      cluster,
      partitioner: () => 0,
      eosManager,
      retrier: createRetry({ retries: 2, initialRetryTime: 1, maxRetryTime: 1 }),
    });
    await send({ acks: -1, topicMessages: [{ topic: 'out', messages: [{ partition: 0, value: 'x' }] }] });
    expect(adds).toBe(2);
    expect(refreshes).toBe(0); // unpatched: 1
  });
});

describe('AddOffsetsToTxn ahead of the records, TxnOffsetCommit beside them', () => {
  const createEosManager = kafkajs('./src/producer/eosManager') as (a: Record<string, unknown>) => unknown;
  type Manager = {
    initProducerId(): Promise<void>;
    beginTransaction(): void;
    addPartitionsToTransactionNow(t: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
    addPartitionsToTransaction(t: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
    addOffsetsToTransaction(o: { consumerGroupId: string }): Promise<void>;
    sendOffsets(o: { consumerGroupId: string; topics: unknown[] }): Promise<void>;
    commit(): Promise<void>;
  };
  function manager(failAddOffsets: Error[] = [], failAddPartitions: Error[] = []) {
    const calls: string[] = [];
    const broker = {
      initProducerId: async () => ({ producerId: 7, producerEpoch: 1 }),
      addPartitionsToTxn: async (o: { topics: { topic: string; partitions: number[] }[] }) => {
        calls.push(`add-partitions ${o.topics.map((t) => `${t.topic}/${t.partitions.join(',')}`).join(' ')}`);
        const e = failAddPartitions.shift();
        if (e) throw e;
      },
      addOffsetsToTxn: async (o: { groupId: string }) => {
        calls.push(`add-offsets ${o.groupId}`);
        const e = failAddOffsets.shift();
        if (e) throw e;
      },
      txnOffsetCommit: async (o: { groupId: string }) => void calls.push(`txn-offset-commit ${o.groupId}`),
      endTxn: async () => void calls.push('end'),
    };
    const m = createEosManager({
      logger,
      cluster: {
        refreshMetadataIfNecessary: async () => undefined,
        findGroupCoordinator: async () => broker,
      },
      transactional: true,
      transactionalId: 't',
      retry: { retries: 3, initialRetryTime: 1, maxRetryTime: 1 },
    }) as Manager;
    return { m, calls };
  }
  const offsets = (g: string) => ({
    consumerGroupId: g,
    topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }],
  });

  it('adds the offsets partition once per transaction and group, retrying CONCURRENT_TRANSACTIONS', async () => {
    const { m, calls } = manager([protocolError('CONCURRENT_TRANSACTIONS', 51)]);
    await m.initProducerId();
    calls.length = 0;
    m.beginTransaction();
    await m.addOffsetsToTransaction({ consumerGroupId: 'g' });
    await m.sendOffsets(offsets('g')); // only the TxnOffsetCommit now
    await m.sendOffsets(offsets('h')); // another group: added first
    await m.commit();
    m.beginTransaction(); // a new transaction adds it again
    await m.sendOffsets(offsets('g'));
    await m.commit();
    expect(calls).toEqual([
      'add-offsets g',
      'add-offsets g',
      'txn-offset-commit g',
      'add-offsets h',
      'txn-offset-commit h',
      'end',
      'add-offsets g',
      'txn-offset-commit g',
      'end',
    ]);
  });

  it('retries a TxnOffsetCommit the group coordinator refused as not available, on a fresh lookup', async () => {
    const lookups: string[] = [];
    let refusals = 1;
    const refusal = countingStackReads(protocolError('GROUP_COORDINATOR_NOT_AVAILABLE', 15));
    const m = createEosManager({
      logger,
      cluster: {
        refreshMetadataIfNecessary: async () => undefined,
        findGroupCoordinator: async (o: { groupId: string }) => {
          lookups.push(o.groupId);
          return {
            initProducerId: async () => ({ producerId: 7, producerEpoch: 1 }),
            addOffsetsToTxn: async () => undefined,
            txnOffsetCommit: async () => {
              // kafkajs names Kafka's COORDINATOR_NOT_AVAILABLE (15) GROUP_COORDINATOR_NOT_AVAILABLE
              if (refusals-- > 0) throw refusal;
            },
          };
        },
      },
      transactional: true,
      transactionalId: 't',
      retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 1 },
    }) as Manager;
    await m.initProducerId();
    m.beginTransaction();
    await m.sendOffsets(offsets('g')); // unpatched: fails (its list says COORDINATOR_NOT_AVAILABLE)
    expect(lookups).toEqual(['t', 'g', 'g']);
    expect(refusal.stackReads).toBe(0); // not read for the retry's debug line
  });

  it('fails at once on an error that is not retriable', async () => {
    const denied = Object.assign(new Error('Not authorized to access group'), {
      type: 'GROUP_AUTHORIZATION_FAILED',
      retriable: false,
    });
    const { m, calls } = manager([denied]);
    await m.initProducerId();
    calls.length = 0;
    m.beginTransaction();
    await expect(m.addOffsetsToTransaction({ consumerGroupId: 'g' })).rejects.toThrow(/Not authorized/);
    expect(calls).toEqual(['add-offsets g']);
  });

  it('adds partitions up front, retrying CONCURRENT_TRANSACTIONS; the sends after it do not add them again', async () => {
    const { m, calls } = manager([], [protocolError('CONCURRENT_TRANSACTIONS', 51)]);
    await m.initProducerId();
    calls.length = 0;
    m.beginTransaction();
    await m.addPartitionsToTransactionNow([
      { topic: 'out', partitions: [{ partition: 0 }, { partition: 3 }] },
    ]);
    await m.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 3 }, { partition: 1 }] }]);
    expect(calls).toEqual(['add-partitions out/0,3', 'add-partitions out/0,3', 'add-partitions out/1']);
  });

  it("sends TxnOffsetCommit on the broker's second connection, apart from the produce requests", async () => {
    const apiKeys = kafkajs('./src/protocol/requests/apiKeys') as Record<string, number>;
    const ConnectionPool = kafkajs('./src/network/connectionPool') as new (o: Record<string, unknown>) => {
      getConnection(i?: number): Promise<unknown>;
      getConnectionByRequest(r: { request: { apiKey: number } }): Promise<unknown>;
    };
    const pool = new ConnectionPool({ logger: { namespace: () => logger }, host: 'h', port: 1 });
    pool.getConnection = async (i = 0) => i;
    const on = (name: string) =>
      pool.getConnectionByRequest({ request: { apiKey: apiKeys[name] as number } });
    expect(await on('TxnOffsetCommit')).toBe(1); // unpatched: 0
    expect(await on('Fetch')).toBe(1);
    for (const name of [
      'Produce',
      'AddPartitionsToTxn',
      'AddOffsetsToTxn',
      'InitProducerId',
      'EndTxn',
      'OffsetCommit',
    ])
      expect(await on(name)).toBe(0);
  });
});
