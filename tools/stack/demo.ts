import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import {
  AdminServiceClient,
  DeliveryGuarantee,
  type CreatePipelineRequest,
  type CreatePipelineResponse,
} from '@eos/proto';
import { waitFor } from '@eos/infra';

export interface DemoOptions {
  brokers: string[];
  grpcAddr: string;
  /** Admin bearer token, when the controller needs one. */
  token?: string;
}

/**
 * Creates the demo input topic (6 partitions) and the `demo` pipeline (suffix@1, 6 tasks) if
 * missing, then prints how to drive it.
 */
export async function setupDemo(o: DemoOptions): Promise<void> {
  const kafka = new Kafka({ clientId: 'eos-demo', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes('demo.in')) {
      await admin.createTopics({
        topics: [{ topic: 'demo.in', numPartitions: 6, replicationFactor: 1 }],
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
  const client = new AdminServiceClient(o.grpcAddr, grpc.credentials.createInsecure());
  const req: CreatePipelineRequest = {
    spec: {
      name: 'demo',
      inputTopic: 'demo.in',
      outputTopic: 'demo.out',
      tasks: 6,
      transform: { name: 'suffix', version: 1, config: { suffix: '|demo' } },
      deadLetterTopic: 'demo.dlq',
      batching: undefined,
      guarantee: DeliveryGuarantee.EXACTLY_ONCE,
    },
  };
  const metadata = new grpc.Metadata();
  if (o.token) metadata.set('authorization', `Bearer ${o.token}`);
  let created = false;
  await waitFor(
    'the controller to accept the demo pipeline',
    () =>
      new Promise<boolean>((resolve) =>
        client.createPipeline(
          req,
          metadata,
          (err: grpc.ServiceError | null, _res?: CreatePipelineResponse) => {
            if (!err) created = true;
            resolve(!err || err.code === grpc.status.ALREADY_EXISTS);
          },
        ),
      ),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  client.close();
  const b = o.brokers[0];
  const h = o.token ? ` -H "authorization: Bearer $EOS_TOKEN"` : '';
  console.log(`[stack] demo pipeline ${created ? 'created' : 'already there'}: demo.in -> suffix@1 -> demo.out (6 tasks). Try:
  grpcurl -plaintext ${o.grpcAddr} list
  grpcurl -plaintext${h} -d '{"name":"demo"}' ${o.grpcAddr} eos.v1.AdminService/GetPipelineStatus
  grpcurl -plaintext${h} -d '{}' ${o.grpcAddr} eos.v1.AdminService/ListWorkers
  seq 1 1000 | kcat -b ${b} -P -t demo.in
  kcat -b ${b} -C -t demo.out -X isolation.level=read_committed -e -q`);
}
