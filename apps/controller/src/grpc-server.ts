import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { FILE_DESCRIPTOR_PROTOS_BASE64 } from '@eos/proto';

/**
 * gRPC message size limits of the controller's server, both ways: 4 MiB received (a spec is at
 * most 64 KiB of config, a worker's batched commit report a few KiB), 16 MiB sent (ListPipelines,
 * ListAuditRecords and status answers of a large fleet). Over the limit: RESOURCE_EXHAUSTED.
 */
export const GRPC_MESSAGE_LIMITS = {
  'grpc.max_receive_message_length': 4 << 20,
  'grpc.max_send_message_length': 16 << 20,
} as const;

/**
 * Adds grpc.health.v1.Health and server reflection, so grpcurl lists, describes and calls every
 * service without .proto files. Reflection serves the descriptors buf compiled (libs/proto codegen):
 * proto-loader's re-derived descriptors break on google.protobuf.Struct and map entries.
 */
export function addHealthAndReflection(server: grpc.Server): HealthImplementation {
  const health = new HealthImplementation({ '': 'SERVING' });
  health.addToServer(server);
  const root = {
    eos: { fileDescriptorProtos: FILE_DESCRIPTOR_PROTOS_BASE64.map((b) => Buffer.from(b, 'base64')) },
  };
  new ReflectionService(root as unknown as ConstructorParameters<typeof ReflectionService>[0]).addToServer(
    server,
  );
  return health;
}

/** Binds a server and resolves with the bound port (port 0 picks a free one). */
export function bindServer(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
}
