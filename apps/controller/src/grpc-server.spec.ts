import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { decodeHealthRequest, encodeHealthResponse, type GrpcHealth } from './grpc-health';
import { addHealthAndReflection, bindServer } from './grpc-server';

let server: grpc.Server | undefined;
let health: GrpcHealth;
let addr: string;
const clients: grpc.Client[] = [];

beforeEach(async () => {
  server = new grpc.Server();
  health = addHealthAndReflection(server);
  addr = `127.0.0.1:${await bindServer(server, '127.0.0.1', 0)}`;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  server?.forceShutdown();
});

/** A client built from grpc-health-check's own definition (protobufjs codecs): what health checkers send. */
function healthClient() {
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  const c = new Health(addr, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (...args: unknown[]) => unknown>;
  clients.push(c);
  return c;
}

describe('grpc.health.v1.Health without protobufjs', () => {
  it('Check answers SERVING, then NOT_SERVING once set; an unknown service is NOT_FOUND', async () => {
    const c = healthClient();
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        c['Check']!({ service }, (err: Error | null, res: { status: string }) =>
          err ? reject(err) : resolve(res),
        ),
      );
    expect(await check('')).toEqual({ status: 'SERVING' });
    health.setStatus('', 'NOT_SERVING');
    expect(await check('')).toEqual({ status: 'NOT_SERVING' });
    await expect(check('eos.v1.Nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('Watch sends the status, then every change; an unknown service is SERVICE_UNKNOWN', async () => {
    const c = healthClient();
    const seen: string[] = [];
    const call = c['Watch']!({ service: '' }) as grpc.ClientReadableStream<{ status: string }>;
    call.on('data', (m) => seen.push(m.status));
    call.on('error', () => undefined); // cancelled below
    const until = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(1);
    health.setStatus('', 'NOT_SERVING');
    await until(2);
    call.cancel();
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
    const unknown: string[] = [];
    const other = c['Watch']!({ service: 'x' }) as grpc.ClientReadableStream<{ status: string }>;
    other.on('data', (m) => unknown.push(m.status));
    other.on('error', () => undefined);
    for (let i = 0; i < 200 && unknown.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    other.cancel();
    expect(unknown).toEqual(['SERVICE_UNKNOWN']);
  });

  it('encodes and decodes the two messages as protobuf does', () => {
    expect(decodeHealthRequest(Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63]))).toBe('abc');
    expect(decodeHealthRequest(Buffer.alloc(0))).toBe('');
    // an unknown varint field (2) before the service is skipped
    expect(decodeHealthRequest(Buffer.from([0x10, 0x96, 0x01, 0x0a, 0x01, 0x7a]))).toBe('z');
    expect(() => decodeHealthRequest(Buffer.from([0x0a, 0x05, 0x61]))).toThrow(/truncated/);
    expect(encodeHealthResponse('SERVING')).toEqual(Buffer.from([0x08, 0x01]));
    expect(encodeHealthResponse('UNKNOWN')).toEqual(Buffer.alloc(0));
  });
});

describe('server reflection, loaded at its first call', () => {
  const reflectionDir = path.join(
    path.dirname(require.resolve('@grpc/reflection/package.json')),
    'build/proto/grpc/reflection',
  );

  it.each(['v1', 'v1alpha'])(
    '%s lists the services and answers messages sent before it loaded, in order',
    async (version) => {
      const def = protoLoader.loadSync(path.join(reflectionDir, version, 'reflection.proto'), {
        keepCase: false,
        longs: String,
        enums: String,
        defaults: true,
        oneofs: true,
      });
      const pkg = grpc.loadPackageDefinition(def) as unknown as {
        grpc: { reflection: Record<string, { ServerReflection: typeof grpc.Client }> };
      };
      const Client = pkg.grpc.reflection[version]!.ServerReflection;
      const c = new Client(addr, grpc.credentials.createInsecure()) as grpc.Client &
        Record<string, (...args: unknown[]) => unknown>;
      clients.push(c);
      const call = c['ServerReflectionInfo']!() as grpc.ClientDuplexStream<object, Record<string, unknown>>;
      const answers: Record<string, unknown>[] = [];
      call.on('data', (m) => answers.push(m));
      const ended = new Promise<void>((resolve, reject) => {
        call.on('end', resolve);
        call.on('error', reject);
      });
      // Both at once, before the module can have loaded: they wait for it.
      call.write({ listServices: '' });
      call.write({ fileContainingSymbol: 'eos.v1.AdminService' });
      call.end();
      await ended;
      expect(answers).toHaveLength(2);
      const services = (answers[0]!['listServicesResponse'] as { service: { name: string }[] }).service.map(
        (s) => s.name,
      );
      expect(services).toEqual(expect.arrayContaining(['eos.v1.AdminService', 'eos.v1.WorkerService']));
      const files = (answers[1]!['fileDescriptorResponse'] as { fileDescriptorProto: Buffer[] })
        .fileDescriptorProto;
      expect(files.length).toBeGreaterThan(0);
      expect(Buffer.concat(files).toString('latin1')).toContain('AdminService');
    },
  );
});
