import * as grpc from '@grpc/grpc-js';
import * as net from 'node:net';
import { WorkerServiceService, type ControllerMessage, type WorkerMessage } from '@eos/proto';
import { SessionClient } from './session-client';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A controller's session endpoint that welcomes every Hello. */
function controller(): grpc.Server {
  const server = new grpc.Server();
  server.addService(WorkerServiceService, {
    session: (call: grpc.ServerDuplexStream<WorkerMessage, ControllerMessage>) => {
      call.on('data', (m: WorkerMessage) => {
        if (m.body?.$case === 'hello')
          call.write({
            body: { $case: 'welcome', value: { leaseMs: 3000, heartbeatIntervalMs: 500, epoch: 1 } },
          });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  return server;
}

describe('SessionClient', () => {
  let server: grpc.Server | undefined;
  let client: SessionClient | undefined;
  afterEach(() => {
    client?.close();
    server?.forceShutdown();
  });

  it('connects within about its 100 ms reconnect cap once a controller that was down for 1.6 s serves', async () => {
    const port = await freePort();
    const logs: string[] = [];
    let connectedAt = 0;
    client = new SessionClient({
      address: `127.0.0.1:${port}`,
      hello: () => ({ workerId: 'w1', host: 'h', capacity: 1, transforms: [], running: [], pid: 1 }),
      onMessage: () => undefined,
      onState: (up) => {
        if (up && !connectedAt) connectedAt = Date.now();
      },
      log: (m) => logs.push(m),
    });
    client.start();
    await new Promise((r) => setTimeout(r, 1_600)); // the controller restarting: connects refused
    expect(connectedAt).toBe(0);
    server = controller();
    await new Promise<void>((resolve, reject) =>
      server!.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    const servingAt = Date.now();
    const deadline = servingAt + 5_000;
    while (!connectedAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(connectedAt).toBeGreaterThan(0);
    // Before, the worker's own backoff (to 1 s) and grpc-js's channel backoff (to 2 s) could keep
    // it away for up to 2 s after the controller was back.
    expect(connectedAt - servingAt).toBeLessThan(800);
    // 1.6 s of refused connects: the first ones are logged, not every 100 ms one.
    const lost = logs.filter((l) => l.startsWith('session lost'));
    expect(lost.length).toBeGreaterThanOrEqual(3);
    expect(lost.length).toBeLessThanOrEqual(6);
  });
});
