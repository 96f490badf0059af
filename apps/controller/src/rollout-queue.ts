import { Queue, Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import { FleetNames } from '@eos/fleet-names';
import {
  ControlError,
  redactUrl,
  runRollout,
  type FleetController,
  type RolloutRecord,
} from '@eos/control-plane';
import type { PipelineSpec, RolloutStrategy } from '@eos/proto';

/**
 * Rollouts as BullMQ jobs on Redis: the binding only. What a rollout is and the rules for
 * starting and steering one live in the fleet (libs/control-plane rollout-control.ts); the job
 * runs `runRollout`. The job only carries the rollout id; the rollout record in
 * controller state (Kafka) is the truth, so a job re-run after a controller restart, a stalled
 * lock or a Redis restart resumes where the record says and never hands a task off twice.
 */
export class RolloutQueue {
  private readonly queueConn: IORedis;
  private readonly workerConn: IORedis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private resync: NodeJS.Timeout | undefined;
  /** Rollouts this process is running: a re-enqueued job (Redis lost its data) must not run one twice. */
  private readonly running = new Set<string>();

  constructor(
    private readonly fleet: FleetController,
    private readonly redisUrl: string,
    private readonly log: (m: string) => void,
    /** BullMQ queue name: the fleet's (`FleetNames.rolloutQueue`), so fleets sharing a Redis stay apart. */
    private readonly queueName = new FleetNames().rolloutQueue,
  ) {
    // Commands fail at once while Redis is down (UpdatePipeline answers UNAVAILABLE)...
    this.queueConn = new IORedis(redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
      retryStrategy: (n) => Math.min(n * 200, 2_000),
    });
    // ...while the worker waits for it to come back (BullMQ needs maxRetriesPerRequest: null).
    this.workerConn = new IORedis(redisUrl, {
      maxRetriesPerRequest: null,
      retryStrategy: (n) => Math.min(n * 200, 2_000),
    });
    this.queueConn.on('error', () => undefined);
    this.workerConn.on('error', () => undefined);
    this.queue = new Queue(this.queueName, { connection: this.queueConn });
    this.queue.on('error', () => undefined);
  }

  start(): void {
    this.worker = new Worker(
      this.queueName,
      async (job: Job<{ rolloutId: string }>) => {
        const id = job.data.rolloutId;
        if (this.running.has(id)) return { state: 'RUNNING-ELSEWHERE-IN-PROCESS' };
        this.running.add(id);
        try {
          const rec = await runRollout(this.fleet, id, {
            log: this.log,
            progress: (r) => job.updateProgress(progressOf(r)),
          });
          return { state: rec.state };
        } finally {
          this.running.delete(id);
        }
      },
      // A controller killed mid-rollout holds the job's lock; a short lock lets the next one resume it soon.
      {
        connection: this.workerConn,
        concurrency: 16,
        lockDuration: 5_000,
        stalledInterval: 5_000,
        maxStalledCount: 1_000,
      },
    );
    this.worker.on('error', (err) => this.log(`rollout worker: ${err.message}`));
    this.worker.on('failed', (job, err) => this.log(`rollout job ${job?.id} failed: ${err.message}`));
    // Rollouts whose job is missing (Redis lost its data) get it back; job ids dedupe the rest.
    const sync = () => {
      for (const r of this.fleet.activeRollouts()) void this.enqueue(r.id).catch(() => undefined);
    };
    sync();
    this.resync = setInterval(sync, 5_000);
  }

  private async enqueue(id: string): Promise<void> {
    if (this.queueConn.status !== 'ready')
      throw new Error(`Redis at ${redactUrl(this.redisUrl)} is ${this.queueConn.status}`);
    await this.queue.add(
      'rollout',
      { rolloutId: id },
      {
        jobId: id,
        removeOnComplete: 1000,
        removeOnFail: 1000,
        attempts: 1000,
        backoff: { type: 'fixed', delay: 1000 },
      },
    );
  }

  /** UpdatePipeline: validates, registers the new version, stores the rollout and enqueues its job. */
  async update(spec: PipelineSpec | undefined, strategy: RolloutStrategy | undefined): Promise<string> {
    // A bad request is refused as such, whether Redis is up or not: the fleet validates first.
    const rec = await this.fleet.startRollout(spec, strategy, () => {
      if (this.queueConn.status !== 'ready')
        throw new ControlError(
          'UNAVAILABLE',
          `the rollout queue (Redis at ${redactUrl(this.redisUrl)}) is unavailable: rollouts cannot start now; running pipelines are not affected`,
        );
    });
    try {
      await this.enqueue(rec.id);
    } catch (err) {
      // Kept in state: the resync loop enqueues it when Redis answers again.
      this.log(`rollout ${rec.id} stored; its job waits for Redis: ${(err as Error).message}`);
    }
    this.log(`rollout ${rec.id}: ${rec.pipeline} v${rec.fromVersion} -> v${rec.toVersion} enqueued`);
    return rec.id;
  }

  async close(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    await this.worker?.close(true).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.queueConn.disconnect();
    this.workerConn.disconnect();
  }
}

function progressOf(r: RolloutRecord) {
  return { state: r.state, step: r.step, moved: r.moved, gates: r.gates.length };
}
