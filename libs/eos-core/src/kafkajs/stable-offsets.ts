/**
 * Committed offsets read with `require_stable` (OffsetFetch v7, KIP-447), which kafkajs 2.2.4 does
 * not send (its OffsetFetch stops at v4).
 *
 * Why a task needs it: without `require_stable` the group coordinator answers the last offsets
 * whose commit marker it has applied, and says nothing of a transactional offset commit still
 * pending. Kafka 4.4 can leave such a commit pending for good: after a SIGKILL of the broker, a
 * transaction whose EndTxn had succeeded was completed by the restarted coordinator, but the
 * commit marker never reached the offsets partition (and sometimes not the output partitions
 * either); Kafka 3.9.1 did not do this in the same test (tools/bench/offsets-after-kill.ts). A
 * new owner reading without `require_stable` then starts one transaction back and writes its
 * outputs a second time. With it, the pending commit is seen (`pending`), and the task settles it
 * (eos-task.ts) before it reads again.
 *
 * Built on kafkajs's own encoder, decoder and broker connection (pinned 2.2.4, like the fetcher).
 */
import { createRequire } from 'node:module';
import type { OffsetMap } from '../kafka-port';
import type { KafkaJsBroker, KafkaJsCluster } from './assigned-fetcher';

const requireKafkaJs = createRequire(require.resolve('kafkajs'));

interface KafkaJsEncoder {
  writeInt32(v: number): KafkaJsEncoder;
  writeBoolean(v: boolean): KafkaJsEncoder;
  writeUVarIntString(v: string): KafkaJsEncoder;
  writeUVarIntBytes(v?: Buffer): KafkaJsEncoder;
  writeUVarIntArray(v: KafkaJsEncoder[]): KafkaJsEncoder;
}
interface KafkaJsDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readUVarIntString(): string | null;
  readUVarIntArray<T>(reader: (d: KafkaJsDecoder) => T): T[] | null;
  readTaggedFields(): unknown;
}
const Encoder = requireKafkaJs('./src/protocol/encoder') as new () => KafkaJsEncoder;
const Decoder = requireKafkaJs('./src/protocol/decoder') as new (b: Buffer) => KafkaJsDecoder;
const { createErrorFromCode } = requireKafkaJs('./src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};

const OFFSET_FETCH = 9;
const STABLE_VERSION = 7;
export const UNSTABLE_OFFSET_COMMIT = 88;

export interface StableOffsets {
  /** Committed offsets (next offset to read); partitions without any are absent. */
  offsets: OffsetMap;
  /** Partitions whose offsets have a transactional commit pending (UNSTABLE_OFFSET_COMMIT). */
  pending: number[];
}

interface DecodedPartition {
  partition: number;
  offset: string;
  errorCode: number;
}
interface Decoded {
  topics: { name: string | null; partitions: DecodedPartition[] }[];
  errorCode: number;
}

/** The OffsetFetch v7 request (flexible: compact strings and arrays, tagged fields). */
export function encodeStableOffsetFetch(
  groupId: string,
  topic: string,
  partitions: number[],
): KafkaJsEncoder {
  const topicEnc = new Encoder()
    .writeUVarIntString(topic)
    .writeUVarIntArray(partitions.map((p) => new Encoder().writeInt32(p)))
    .writeUVarIntBytes();
  return (
    new Encoder()
      // kafkajs writes the v1 request header; its v2 adds an empty tagged-field section, here.
      .writeUVarIntBytes()
      .writeUVarIntString(groupId)
      .writeUVarIntArray([topicEnc])
      .writeBoolean(true) // require_stable
      .writeUVarIntBytes()
  );
}

/** Decodes an OffsetFetch v7 response (after kafkajs removed the size and correlation id). */
export function decodeStableOffsetFetch(raw: Buffer): Decoded {
  const d = new Decoder(raw);
  d.readTaggedFields(); // response header v1
  d.readInt32(); // throttle_time_ms
  const topics =
    d.readUVarIntArray((t) => {
      const name = t.readUVarIntString();
      const partitions =
        t.readUVarIntArray((p) => {
          const partition = p.readInt32();
          const offset = p.readInt64().toString();
          p.readInt32(); // committed_leader_epoch
          p.readUVarIntString(); // metadata
          const errorCode = p.readInt16();
          p.readTaggedFields();
          return { partition, offset, errorCode };
        }) ?? [];
      t.readTaggedFields();
      return { name, partitions };
    }) ?? [];
  const errorCode = d.readInt16();
  d.readTaggedFields();
  return { topics, errorCode };
}

/** Offsets and pending partitions of a decoded response; any other error is thrown as kafkajs's. */
export function stableOffsetsOf(res: Decoded, topic: string, partitions: number[]): StableOffsets {
  if (res.errorCode !== 0) throw createErrorFromCode(res.errorCode);
  const wanted = new Set(partitions);
  const offsets: OffsetMap = new Map();
  const pending: number[] = [];
  for (const t of res.topics) {
    if (t.name !== topic) continue;
    for (const p of t.partitions) {
      if (!wanted.has(p.partition)) continue;
      if (p.errorCode === UNSTABLE_OFFSET_COMMIT) pending.push(p.partition);
      else if (p.errorCode !== 0) throw createErrorFromCode(p.errorCode);
      else if (Number(p.offset) >= 0) offsets.set(p.partition, Number(p.offset));
    }
  }
  return { offsets, pending: pending.sort((a, b) => a - b) };
}

type SendRequest = (protocolRequest: unknown) => Promise<Decoded>;

/** The broker's private `sendRequest` (kafkajs src/broker/index.js), or undefined if it is gone. */
function sendRequestOf(broker: KafkaJsBroker): SendRequest | undefined {
  const proto = Object.getPrototypeOf(broker) as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(proto).find((s) => s.description === 'private:Broker:sendRequest');
  const fn = key && proto[key];
  return typeof fn === 'function' ? (fn as SendRequest).bind(broker) : undefined;
}

/** Coordinator errors after which the coordinator is looked up again. */
const COORDINATOR_ERRORS = new Set([
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_LOAD_IN_PROGRESS',
]);

/**
 * Reads a group's committed offsets for the partitions from its coordinator with
 * `require_stable`. Coordinator moves and loads are retried (up to `retries` times, backing off);
 * a broker without OffsetFetch v7 (Kafka < 2.5) gets `undefined`, and the caller falls back to a
 * plain read.
 */
export async function fetchStableOffsets(
  cluster: KafkaJsCluster,
  groupId: string,
  topic: string,
  partitions: number[],
  retries = 8,
): Promise<StableOffsets | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const broker = await cluster.findGroupCoordinator({ groupId });
      const versions = (broker as { versions?: Record<number, { maxVersion: number }> }).versions;
      const send = sendRequestOf(broker);
      if (!send)
        throw new Error('kafkajs internals changed (no Broker sendRequest): eos-core needs kafkajs 2.2.4');
      if ((versions?.[OFFSET_FETCH]?.maxVersion ?? 0) < STABLE_VERSION) return undefined;
      const res = await send({
        request: {
          apiKey: OFFSET_FETCH,
          apiVersion: STABLE_VERSION,
          apiName: 'OffsetFetch',
          encode: async () => encodeStableOffsetFetch(groupId, topic, partitions),
        },
        response: {
          decode: async (raw: Buffer) => decodeStableOffsetFetch(raw),
          parse: async (d: Decoded) => d,
        },
      });
      return stableOffsetsOf(res, topic, partitions);
    } catch (err) {
      const type = (err as { type?: string }).type;
      const retriable =
        (type !== undefined && COORDINATOR_ERRORS.has(type)) ||
        (err as Error).name === 'KafkaJSConnectionError';
      if (!retriable || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
      await cluster.refreshMetadata().catch(() => undefined);
    }
  }
}
