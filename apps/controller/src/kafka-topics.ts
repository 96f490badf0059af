import type { Admin, Kafka } from 'kafkajs';
import type { TopicsPort } from '@eos/control-plane';
import { sendOffsetsToTransaction } from '@eos/eos-core';

/** Topic administration and offsets through the kafkajs admin client. */
export class KafkaTopics implements TopicsPort {
  /** Partition counts last read from the broker itself (not kafkajs's metadata cache). */
  private readonly known = new Map<string, number>();
  /** The admin client offset reads use, replaced when its cached metadata is behind. */
  private reader: Admin | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly kafka: Kafka,
  ) {}

  async partitions(topic: string): Promise<number | undefined> {
    // listTopics first: a metadata request for a missing topic can auto-create it on some brokers.
    if (!(await this.admin.listTopics()).includes(topic)) return undefined;
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const n = md.topics.find((t) => t.name === topic)?.partitions.length;
    if (n !== undefined) this.known.set(topic, n);
    return n;
  }

  /**
   * An offsets read that covers every partition the broker reported. kafkajs's admin lists a
   * topic's partitions from its metadata cache (refreshed every 5 minutes), so after partitions
   * are added its offset reads leave the new ones out; a read with fewer partitions than
   * `partitions()` saw is done again with a fresh admin client, which then serves the reads.
   */
  private async readAll<T extends { size: number }>(
    topic: string,
    read: (a: Admin) => Promise<T>,
  ): Promise<T> {
    const res = await read(this.reader ?? this.admin);
    const known = this.known.get(topic);
    if (known === undefined || res.size >= known) return res;
    const fresh = this.kafka.admin();
    await fresh.connect();
    const old = this.reader;
    this.reader = fresh;
    await old?.disconnect().catch(() => undefined);
    return read(fresh);
  }

  /** Disconnects the offsets reader (the shared admin client is its owner's to close). */
  async close(): Promise<void> {
    await this.reader?.disconnect().catch(() => undefined);
    this.reader = undefined;
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    if ((await this.admin.listTopics()).includes(topic)) return;
    await this.admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }],
      waitForLeaders: false,
    });
    await waitForLeaders(this.admin, topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    return this.readAll(topic, async (a) => {
      const res = await a.fetchOffsets({ groupId, topics: [topic] });
      const out = new Map<number, number>();
      for (const t of res) for (const p of t.partitions) out.set(p.partition, Number(p.offset));
      return out;
    });
  }

  endOffsets(topic: string): Promise<Map<number, number>> {
    return this.readAll(
      topic,
      async (a) => new Map((await a.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])),
    );
  }

  earliestOffsets(topic: string): Promise<Map<number, number>> {
    return this.readAll(
      topic,
      async (a) => new Map((await a.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low)])),
    );
  }

  async offsetsForTimestamp(topic: string, timestampMs: number): Promise<Map<number, number>> {
    const [byTime, ends] = await Promise.all([
      this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs),
      this.endOffsets(topic),
    ]);
    // -1: no record at or after the time: the end.
    return new Map(
      byTime.map((p) => [
        p.partition,
        Number(p.offset) < 0 ? (ends.get(p.partition) ?? 0) : Number(p.offset),
      ]),
    );
  }

  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (err) {
      // kafkajs wraps per-group errors; a group that never committed does not exist.
      const groups = (err as { groups?: { errorCode: number }[] }).groups;
      if (!groups || groups.some((g) => g.errorCode !== 69 /* GROUP_ID_NOT_FOUND */)) throw err;
    }
  }

  async commitOffsetsInTransaction(
    transactionalId: string,
    groupId: string,
    topic: string,
    offsets: Map<number, number>,
  ): Promise<void> {
    const producer = this.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const tx = await producer.transaction();
      try {
        await sendOffsetsToTransaction(tx, groupId, topic, offsets);
      } catch (err) {
        await tx.abort().catch(() => undefined);
        throw err;
      }
      await tx.commit();
    } finally {
      await producer.disconnect();
    }
  }
}

/**
 * Waits until every partition of a new topic has a leader, asking the broker. kafkajs's own
 * `waitForLeaders` retries only LEADER_NOT_AVAILABLE and gives up on UNKNOWN_TOPIC_OR_PARTITION,
 * which a broker busy creating the partitions of a large topic answers for a while about a new one.
 */
export async function waitForLeaders(admin: Admin, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() <= deadline) {
    try {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      const t = md.topics.find((x) => x.name === topic);
      if (t && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) return;
    } catch (err) {
      last = err; // UNKNOWN_TOPIC_OR_PARTITION until the broker hosts it
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `topic ${topic} has no leader after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`,
  );
}
