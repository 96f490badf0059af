import { Kafka, logLevel } from 'kafkajs';

export interface DemoOptions {
  brokers: string[];
  grpcAddr: string;
}

/** Creates the demo input topic (6 partitions) if missing and prints how to drive the stack. */
export async function setupDemo(o: DemoOptions): Promise<void> {
  const kafka = new Kafka({ clientId: 'eos-demo', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes('demo.in')) {
      await admin.createTopics({
        topics: [{ topic: 'demo.in', numPartitions: 6, replicationFactor: 1 }],
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
  console.log(`[stack] demo input topic: demo.in (6 partitions). Try:
  grpcurl -plaintext ${o.grpcAddr} list`);
}
