import * as os from 'node:os';
import type { ControllerMessage, TaskCommit } from '@eos/proto';
import { SessionClient } from '@eos/worker-runtime';

/** What every simulated worker shares. */
export interface SimFleetOptions {
  capacity: number;
  /** Each task's commit report interval (0: none). */
  commitEveryMs: number;
}

interface SimTask {
  epoch: number;
  nextCommitAt: number;
  commits: number;
}

function ref(key: string): { pipeline: string; taskIndex: number } {
  const i = key.lastIndexOf('/');
  return { pipeline: key.slice(0, i), taskIndex: Number(key.slice(i + 1)) };
}

/**
 * A worker that answers the controller like a real one but runs no Kafka loop: a real
 * WorkerService session through the worker's own `SessionClient` (Hello, heartbeats at the
 * controller's interval), `started` for every assign, batched commit reports, `released` for
 * every revoke.
 */
export class SimWorker {
  readonly tasks = new Map<string, SimTask>();
  readonly session: SessionClient;
  welcomed = false;
  /** Sessions opened (Welcome received), reconnects included. */
  welcomes = 0;
  dead = false;
  assigns = 0;
  revokes = 0;
  private flush: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    address: string,
    private readonly fleet: SimFleet,
  ) {
    const o = fleet.o;
    this.session = new SessionClient({
      address,
      log: () => undefined,
      hello: () => ({
        workerId: id,
        host: os.hostname(),
        capacity: o.capacity,
        transforms: [{ name: 'identity', version: 1 }],
        running: [...this.tasks].map(([key, t]) => ({ task: ref(key), epoch: t.epoch, specVersion: 1 })),
        pid: process.pid,
      }),
      onState: (up) => {
        if (up) this.welcomes++;
        if (up && !this.welcomed) {
          this.welcomed = true;
          fleet.welcomed++;
        }
      },
      onMessage: (m) => this.onMessage(m),
    });
  }

  start(): void {
    this.session.start();
    // Like the real worker: commit reports batched every 200 ms.
    this.flush = setInterval(() => this.flushCommits(), 200);
  }

  /** The process vanished: no release, no more heartbeats; the stream ends. */
  kill(): void {
    this.dead = true;
    if (this.flush) clearInterval(this.flush);
    this.session.close();
  }

  private onMessage(m: ControllerMessage): void {
    const b = m.body;
    if (!b || this.dead) return;
    if (b.$case === 'assign') {
      const a = b.value;
      const key = `${a.task?.pipeline}/${a.task?.taskIndex}`;
      this.assigns++;
      this.tasks.set(key, { epoch: a.epoch, nextCommitAt: Date.now() + this.fleet.jitter(), commits: 0 });
      this.session.send({ body: { $case: 'started', value: { task: a.task, epoch: a.epoch, offsets: [] } } });
      this.fleet.placed.set(key, this.id);
    } else if (b.$case === 'revoke') {
      const r = b.value;
      const key = `${r.task?.pipeline}/${r.task?.taskIndex}`;
      this.revokes++;
      this.tasks.delete(key);
      this.session.send({
        body: { $case: 'released', value: { task: r.task, epoch: r.epoch, offsets: [] } },
      });
    }
  }

  private flushCommits(): void {
    const every = this.fleet.o.commitEveryMs;
    if (every <= 0 || !this.session.connected) return;
    const now = Date.now();
    const commits: TaskCommit[] = [];
    for (const [key, t] of this.tasks) {
      if (now < t.nextCommitAt) continue;
      t.nextCommitAt = now + every;
      t.commits++;
      commits.push({
        task: ref(key),
        epoch: t.epoch,
        offsets: [],
        records: 100,
        bytes: 100 * 1024,
        deadLettered: 0,
        durationMs: 20,
        committedAtMs: now,
      });
    }
    if (commits.length) {
      this.fleet.commitsSent += commits.length;
      this.session.send({ body: { $case: 'commits', value: { commits } } });
    }
  }
}

/** The simulated workers, all in this process, and what they saw. */
export class SimFleet {
  readonly workers: SimWorker[] = [];
  /** task key -> worker id of its latest assign. */
  readonly placed = new Map<string, string>();
  welcomed = 0;
  commitsSent = 0;

  constructor(readonly o: SimFleetOptions) {}

  /** Starts `n` more workers (sim-0000, sim-0001, ...) with sessions to the controller at `address`. */
  spawn(n: number, address: string): void {
    for (let i = 0; i < n; i++) {
      const w = new SimWorker(`sim-${String(this.workers.length).padStart(4, '0')}`, address, this);
      this.workers.push(w);
      w.start();
    }
  }

  live(): SimWorker[] {
    return this.workers.filter((w) => !w.dead);
  }

  /** Tasks whose latest assign went to a live worker that still runs them. */
  running(): number {
    let n = 0;
    for (const w of this.workers) if (!w.dead) n += w.tasks.size;
    return n;
  }

  /** Assigns across all workers so far. */
  assigns(): number {
    return this.workers.reduce((a, w) => a + w.assigns, 0);
  }

  /** A task's first commit report comes at a random point of its interval (no lockstep). */
  jitter(): number {
    return Math.floor(Math.random() * Math.max(1, this.o.commitEveryMs));
  }

  killAll(): void {
    for (const w of this.workers) if (!w.dead) w.kill();
  }
}
