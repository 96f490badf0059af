import * as grpc from '@grpc/grpc-js';
import { FakeKafka } from '@eos/eos-core/testing';
import { WorkerServiceService, type ControllerMessage, type WorkerMessage } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { WorkerRuntime } from './worker-runtime';

/** A controller that welcomes every session and records what workers send. */
async function fakeController() {
  const received: WorkerMessage[] = [];
  const calls: grpc.ServerDuplexStream<WorkerMessage, ControllerMessage>[] = [];
  const server = new grpc.Server();
  server.addService(WorkerServiceService, {
    session: (call: grpc.ServerDuplexStream<WorkerMessage, ControllerMessage>) => {
      calls.push(call);
      call.on('data', (m: WorkerMessage) => {
        received.push(m);
        if (m.body?.$case === 'hello')
          call.write({
            body: { $case: 'welcome', value: { leaseMs: 3_000, heartbeatIntervalMs: 60_000, epoch: 1 } },
          });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    received,
    send: (m: ControllerMessage) => calls.at(-1)?.write(m),
    kinds: () => received.map((m) => m.body?.$case),
    stop: () => server.forceShutdown(),
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let ctl: Awaited<ReturnType<typeof fakeController>>;
let rt: WorkerRuntime;
beforeEach(async () => {
  ctl = await fakeController();
  rt = new WorkerRuntime({
    identity: { workerId: 'w1', host: 'h', capacity: 4, pid: 1 },
    controller: { address: ctl.address },
    kafka: new FakeKafka(),
    registry: new TransformRegistry(BUILTIN_TRANSFORMS),
    log: () => undefined,
  });
});
afterEach(async () => {
  await rt.shutdown({ graceful: false });
  ctl.stop();
});

describe('WorkerRuntime', () => {
  it('says Hello, and ends run() with "drained" when the controller drains it unasked', async () => {
    expect(rt.state).toBe('idle');
    const outcome = rt.run();
    expect(rt.state).toBe('running');
    await until(() => rt.connected, 'session open');
    expect(ctl.received[0]?.body).toMatchObject({
      $case: 'hello',
      value: { workerId: 'w1', capacity: 4, running: [] },
    });
    ctl.send({ body: { $case: 'drained', value: {} } });
    await expect(outcome).resolves.toBe('drained');
    expect(rt.state).toBe('drained');
    await rt.shutdown({ graceful: true });
    expect(rt.state).toBe('stopped');
  });

  it('drain() asks the controller and resolves true on its answer; run() then ends with "shutdown"', async () => {
    const outcome = rt.run();
    await until(() => rt.connected, 'session open');
    const drained = rt.drain('SIGTERM');
    expect(rt.state).toBe('draining');
    await until(() => ctl.kinds().includes('drainRequest'), 'drain request');
    ctl.send({ body: { $case: 'drained', value: {} } });
    await expect(drained).resolves.toBe(true);
    await rt.shutdown({ graceful: true });
    await expect(outcome).resolves.toBe('shutdown');
  });

  it('drain() answers false without a controller, or when the session is lost first', async () => {
    await expect(rt.drain('SIGTERM')).resolves.toBe(false); // not running yet
    void rt.run();
    await until(() => rt.connected, 'session open');
    const drained = rt.drain('SIGTERM');
    await until(() => ctl.kinds().includes('drainRequest'), 'drain request');
    ctl.stop();
    await expect(drained).resolves.toBe(false);
  });
});
