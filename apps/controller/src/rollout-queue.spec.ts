/**
 * The controller's restart path stays free of BullMQ's module loading (about 150 ms idle, twice
 * that under load): the rollout queue loads it when started, after gRPC serves the workers.
 */
import { EventEmitter } from 'node:events';

const loaded: string[] = [];
class FakeEmitter {
  on() {
    return this;
  }
  async close() {}
  async add() {}
}
/** Connects 30 ms after it is made, as ioredis does (status `connecting`, then `ready`). */
class FakeRedis extends EventEmitter {
  status = 'connecting';
  private readonly timer = setTimeout(() => {
    this.status = 'ready';
    this.emit('ready');
  }, 30);
  disconnect() {
    clearTimeout(this.timer);
  }
}
jest.mock('bullmq', () => {
  loaded.push('bullmq');
  return { Queue: FakeEmitter, Worker: FakeEmitter };
});
jest.mock('ioredis', () => {
  loaded.push('ioredis');
  return { Redis: FakeRedis, default: FakeRedis };
});

describe('RolloutQueue', () => {
  it('loads BullMQ and ioredis when started, not when the controller app is loaded or the queue made', async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('./controller-app');
    const { RolloutQueue } = require('./rollout-queue') as typeof import('./rollout-queue');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const fleet = { activeRollouts: () => [] } as unknown as ConstructorParameters<typeof RolloutQueue>[0];
    const q = new RolloutQueue(fleet, 'redis://127.0.0.1:1', () => undefined, 'q');
    expect(loaded).toEqual([]);
    await q.start();
    expect([...loaded].sort()).toEqual(['bullmq', 'ioredis']);
    await q.close();
  });

  it('an UpdatePipeline before the queue was started starts it, waits for Redis to answer, and is enqueued', async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { RolloutQueue } = require('./rollout-queue') as typeof import('./rollout-queue');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const logs: string[] = [];
    const fleet = {
      activeRollouts: () => [],
      startRollout: async (_spec: unknown, _strategy: unknown, check: () => void) => {
        check(); // throws UNAVAILABLE when the queue cannot take the job
        return { id: 'ro-1', pipeline: 'p', fromVersion: 1, toVersion: 2 };
      },
    } as unknown as ConstructorParameters<typeof RolloutQueue>[0];
    const q = new RolloutQueue(fleet, 'redis://127.0.0.1:1', (m) => logs.push(m), 'q');
    try {
      await expect(q.update(undefined, undefined)).resolves.toBe('ro-1');
      expect(logs).toEqual(['rollout ro-1: p v1 -> v2 enqueued']);
    } finally {
      await q.close();
    }
  });
});
