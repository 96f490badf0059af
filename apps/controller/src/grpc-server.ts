import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { FILE_DESCRIPTOR_PROTOS_BASE64 } from '@eos/proto';
import { GrpcHealth } from './grpc-health';

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
 *
 * Neither loads protobufjs at start: health is a few lines of its own (grpc-health.ts), and
 * reflection (`@grpc/reflection`, which brings proto-loader and protobufjs: about 90 ms of module
 * loading idle, twice that under load) is registered at once but loaded by its first call. A
 * restarted controller serves its workers that much sooner (docs/benchmarks.md).
 */
export function addHealthAndReflection(server: grpc.Server): GrpcHealth {
  const health = new GrpcHealth({ '': 'SERVING' });
  health.addToServer(server);
  addLazyReflection(server);
  return health;
}

/** The reflection services grpcurl asks, each one bidi-streaming method. */
const REFLECTION_PATHS = [
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

/** A method of `@grpc/reflection`'s service, as its `addToServer` registers it. */
interface Captured {
  def: grpc.MethodDefinition<unknown, unknown>;
  impl: (stream: EventEmitter & { write(m: unknown): void; end(): void }) => void;
}

/**
 * Registers the reflection methods with bytes in, bytes out; the first call loads
 * `@grpc/reflection`, lets it register itself on a stand-in server (so its own message codecs and
 * handlers are used unchanged), and every call's messages go through those.
 */
function addLazyReflection(server: grpc.Server): void {
  let loaded: Promise<Map<string, Captured>> | undefined;
  const load = () =>
    (loaded ??= import('@grpc/reflection').then(({ ReflectionService }) => {
      const captured = new Map<string, Captured>();
      const standIn = {
        addService(service: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) {
          for (const [name, def] of Object.entries(service))
            captured.set(def.path, { def, impl: impl[name] as unknown as Captured['impl'] });
        },
      };
      const root = {
        eos: { fileDescriptorProtos: FILE_DESCRIPTOR_PROTOS_BASE64.map((b) => Buffer.from(b, 'base64')) },
      };
      new ReflectionService(
        root as unknown as ConstructorParameters<typeof ReflectionService>[0],
      ).addToServer(standIn);
      return captured;
    }));
  const bytes = (b: Buffer) => b;
  for (const path of REFLECTION_PATHS)
    server.addService(
      {
        ServerReflectionInfo: {
          path,
          requestStream: true,
          responseStream: true,
          requestSerialize: bytes,
          requestDeserialize: bytes,
          responseSerialize: bytes,
          responseDeserialize: bytes,
        },
      },
      {
        ServerReflectionInfo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
          // Messages that arrive while the module loads wait for it, in order.
          const early: Buffer[] = [];
          let endedEarly = false;
          let deliver: ((b: Buffer) => void) | undefined;
          let finish: (() => void) | undefined;
          call.on('data', (b: Buffer) => (deliver ? deliver(b) : early.push(b)));
          call.on('end', () => (finish ? finish() : (endedEarly = true)));
          load().then(
            (captured) => {
              const c = captured.get(path);
              if (!c) throw new Error(`no reflection method ${path}`);
              const stream = Object.assign(new EventEmitter(), {
                write: (m: unknown) => call.write(c.def.responseSerialize(m)),
                end: () => call.end(),
              });
              c.impl(stream);
              deliver = (b) => stream.emit('data', c.def.requestDeserialize(b));
              finish = () => stream.emit('end');
              for (const b of early) deliver(b);
              if (endedEarly) finish();
            },
            (err: unknown) =>
              call.emit('error', {
                code: grpc.status.INTERNAL,
                details: `server reflection unavailable: ${err instanceof Error ? err.message : String(err)}`,
              }),
          );
        },
      },
    );
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
