/**
 * Shutdown as health checkers see it, on a real controller process: SIGTERM turns the gRPC health
 * status to NOT_SERVING first (so load balancers and orchestrators stop sending calls), and the
 * process then stops cleanly.
 */
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { TestStack } from '@eos/testing';

let stack: TestStack;
afterEach(async () => {
  await stack.stop();
});

it('answers NOT_SERVING to health watchers as soon as it is told to stop', async () => {
  stack = new TestStack();
  const controller = await stack.startController();
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(stack.addr, grpc.credentials.createInsecure());
  try {
    const statuses: string[] = [];
    const watch = (
      client as unknown as { Watch(req: object): grpc.ClientReadableStream<{ status: string }> }
    ).Watch({ service: '' });
    const ended = new Promise<void>((resolve) => {
      watch.on('error', () => resolve()); // the server goes away: the stream ends with a status
      watch.on('end', () => resolve());
    });
    const seen = (status: string) =>
      new Promise<void>((resolve) => {
        if (statuses.includes(status)) return resolve();
        watch.on('data', (m: { status: string }) => m.status === status && resolve());
      });
    watch.on('data', (m: { status: string }) => statuses.push(m.status));
    await seen('SERVING');
    controller.kill('SIGTERM');
    await ended;
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    expect(await controller.exit()).toBe(0);
  } finally {
    client.close();
  }
});
