import type { Job, Queue, Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
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
 *
 * BullMQ and ioredis are loaded by `start`, not with the controller: their modules take about
 * 150 ms to load on an idle machine (twice that under load), and a restarted controller serves
 * its workers first (tools/bench/failover.ts, controller restart). Requests that need the queue
 * wait for it.
 */
export class RolloutQueue {
  private conns: { queueConn: IORedis; workerConn: IORedis; queue: Queue } | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
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
  ) {}

  /** Loads BullMQ, connects to Redis and starts running rollout jobs; resolves once it runs. */
  start(): Promise<void> {
    this.ready ??= this.open();
    return this.ready;
  }

  private async open(): Promise<void> {
    const [{ Queue, Worker }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    if (this.closed) return;
    // Commands fail at once while Redis is down (UpdatePipeline answers UNAVAILABLE)...
    const queueConn = new Redis(this.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
      retryStrategy: (n) => Math.min(n * 200, 2_000),
    });
    // ...while the worker waits for it to come back (BullMQ needs maxRetriesPerRequest: null).
    const workerConn = new Redis(this.redisUrl, {
      maxRetriesPerRequest: null,
      retryStrategy: (n) => Math.min(n * 200, 2_000),
    });
    queueConn.on('error', () => undefined);
    workerConn.on('error', () => undefined);
    const queue = new Queue(this.queueName, { connection: queueConn });
    queue.on('error', () => undefined);
    this.conns = { queueConn, workerConn, queue };
    await firstAnswer(queueConn, 2_000);
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
        connection: workerConn,
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

  /** Why the queue cannot take a job now, or undefined when it can. */
  private unavailable(): string | undefined {
    const status = this.conns ? this.conns.queueConn.status : 'not connected yet';
    return status === 'ready' ? undefined : `Redis at ${redactUrl(this.redisUrl)} is ${status}`;
  }

  private async enqueue(id: string): Promise<void> {
    const why = this.unavailable();
    if (why !== undefined || !this.conns) throw new Error(why);
    await this.conns.queue.add(
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
    await this.start(); // BullMQ loaded (now, if nobody started the queue yet); whether Redis answers is checked below
    // A bad request is refused as such, whether Redis is up or not: the fleet validates first.
    const rec = await this.fleet.startRollout(spec, strategy, () => {
      if (this.unavailable() !== undefined)
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
    this.closed = true;
    await this.ready?.catch(() => undefined);
    if (this.resync) clearInterval(this.resync);
    await this.worker?.close(true).catch(() => undefined);
    await this.conns?.queue.close().catch(() => undefined);
    this.conns?.queueConn.disconnect();
    this.conns?.workerConn.disconnect();
  }
}

/**
 * Resolves once the connection is ready or has failed for the first time (Redis down: the
 * caller answers UNAVAILABLE at once, as before the queue was started lazily), or after `ms`.
 */
function firstAnswer(conn: IORedis, ms: number): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      conn.off('ready', done);
      conn.off('error', done);
      conn.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    conn.on('ready', done);
    conn.on('error', done);
    conn.on('end', done);
  });
}

function progressOf(r: RolloutRecord) {
  return { state: r.state, step: r.step, moved: r.moved, gates: r.gates.length };
}
