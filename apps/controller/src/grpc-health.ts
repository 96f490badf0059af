/**
 * grpc.health.v1.Health (Check and Watch) without protobufjs: its two messages are one field each,
 * encoded here by hand. Behaves as `grpc-health-check`'s HealthImplementation: Check of an unknown
 * service is NOT_FOUND; Watch sends the current status (SERVICE_UNKNOWN for an unknown service),
 * then every change, until the caller cancels.
 */
import * as grpc from '@grpc/grpc-js';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const STATUS_NUMBER: Record<ServingStatus, number> = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
};

/** HealthCheckRequest's `service` (field 1, a string); other fields are skipped. */
export function decodeHealthRequest(b: Buffer): string {
  let i = 0;
  let service = '';
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= b.length) throw new Error('truncated varint');
      const byte = b[i++] as number;
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return v;
      shift += 7;
      if (shift > 49) throw new Error('varint too long');
    }
  };
  while (i < b.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (i + len > b.length) throw new Error('truncated field');
      if (field === 1) service = b.toString('utf8', i, i + len);
      i += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  if (i > b.length) throw new Error('truncated field');
  return service;
}

/** HealthCheckResponse: `status` (field 1, an enum); UNKNOWN (0) is the empty message, as proto3 encodes it. */
export function encodeHealthResponse(status: ServingStatus): Buffer {
  const n = STATUS_NUMBER[status];
  return n === 0 ? Buffer.alloc(0) : Buffer.from([0x08, n]);
}

const bytes = (b: Buffer) => b;
const method = (name: string, responseStream: boolean) => ({
  path: `/grpc.health.v1.Health/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: bytes,
  responseDeserialize: bytes,
});

export class GrpcHealth {
  private readonly statuses: Map<string, ServingStatus>;
  private readonly watchers = new Map<string, Set<grpc.ServerWritableStream<Buffer, Buffer>>>();

  constructor(initial: Record<string, ServingStatus> = {}) {
    this.statuses = new Map(Object.entries(initial));
  }

  setStatus(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const w of this.watchers.get(service) ?? []) w.write(encodeHealthResponse(status));
  }

  addToServer(server: grpc.Server): void {
    server.addService(
      { Check: method('Check', false), Watch: method('Watch', true) },
      {
        Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
          let service: string;
          try {
            service = decodeHealthRequest(call.request);
          } catch (err) {
            done({ code: grpc.status.INVALID_ARGUMENT, details: `bad HealthCheckRequest: ${String(err)}` });
            return;
          }
          const status = this.statuses.get(service);
          if (status === undefined)
            done({ code: grpc.status.NOT_FOUND, details: `Health status unknown for service ${service}` });
          else done(null, encodeHealthResponse(status));
        },
        Watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
          let service: string;
          try {
            service = decodeHealthRequest(call.request);
          } catch (err) {
            call.emit('error', {
              code: grpc.status.INVALID_ARGUMENT,
              details: `bad HealthCheckRequest: ${String(err)}`,
            });
            return;
          }
          let set = this.watchers.get(service);
          if (!set) this.watchers.set(service, (set = new Set()));
          set.add(call);
          call.on('cancelled', () => set.delete(call));
          call.write(encodeHealthResponse(this.statuses.get(service) ?? 'SERVICE_UNKNOWN'));
        },
      },
    );
  }
}
