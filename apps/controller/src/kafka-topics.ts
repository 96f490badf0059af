import type { Admin } from 'kafkajs';
import type { TopicsPort } from '@eos/control-plane';

/** Topic administration and offsets through the kafkajs admin client. */
export class KafkaTopics implements TopicsPort {
  constructor(private readonly admin: Admin) {}

  async partitions(topic: string): Promise<number | undefined> {
    // listTopics first: a metadata request for a missing topic can auto-create it on some brokers.
    if (!(await this.admin.listTopics()).includes(topic)) return undefined;
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics.find((t) => t.name === topic)?.partitions.length;
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    if ((await this.admin.listTopics()).includes(topic)) return;
    await this.admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }],
      waitForLeaders: true,
    });
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    const res = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    const out = new Map<number, number>();
    for (const t of res) for (const p of t.partitions) out.set(p.partition, Number(p.offset));
    return out;
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    return new Map((await this.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  }
}
