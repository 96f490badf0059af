import type { RecordInFlight, WorkerMessage } from '@eos/proto';

const keyOf = (v: RecordInFlight) =>
  `${v.task?.pipeline}/${v.task?.taskIndex}@${v.epoch}:${v.partition}:${v.offset}`;

/**
 * Careful mode's announcements: the record a task is about to transform goes to the controller,
 * and the transform waits until the controller acknowledges it. A write alone is not enough: a
 * transform that ends the process right after may leave it unflushed (grpc-js calls a write's
 * callback once it is buffered), and then the controller could never pin the record. Without a
 * session, or without an answer within `timeoutMs`, the task goes on unannounced: tasks keep
 * running while the controller is away.
 *
 * One record at a time per worker: a task's announcement waits until the record announced before
 * it (by any careful task of this worker) has had its call settled, and that call's `done` is on
 * the stream ahead of it. A death then finds one record in flight at the controller, the one that
 * was being transformed. With two careful tasks announcing side by side, a process ended by one
 * task's record also died "under" the other task's innocent record, announced or acknowledged an
 * instant before: twice, and that record was quarantined.
 */
export class InFlightAnnouncer {
  private readonly pending = new Map<string, () => void>();
  /** Settles when the last record announced has had its call settled: the next one's turn. */
  private turn: Promise<void> = Promise.resolve();
  /** The announced records' turn releases, oldest first (their calls settle in that order). */
  private readonly releases: Array<() => void> = [];

  constructor(
    /** Sends on the session; false when there is none. */
    private readonly send: (m: WorkerMessage) => boolean,
    private readonly timeoutMs = 2_000,
  ) {}

  /** Resolves when the record may be transformed; {@link settled} must follow once its call is over. */
  announce(v: RecordInFlight): Promise<void> {
    const free = this.releases.length === 0;
    const previous = this.turn;
    this.turn = new Promise((release) => this.releases.push(release));
    return free ? this.announceNow(v) : previous.then(() => this.announceNow(v));
  }

  /** The call of the record announced first and not settled yet is over (its `done` already sent). */
  settled(): void {
    this.releases.shift()?.();
  }

  private announceNow(v: RecordInFlight): Promise<void> {
    const key = keyOf(v);
    if (!this.send({ body: { $case: 'inFlight', value: v } })) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(key);
        resolve();
      };
      const timer = setTimeout(done, this.timeoutMs);
      this.pending.set(key, done);
    });
  }

  /** The controller's InFlightAck. */
  acked(v: RecordInFlight): void {
    this.pending.get(keyOf(v))?.();
  }

  /** The session is gone: nobody will answer; every waiting task goes on. */
  sessionLost(): void {
    for (const done of [...this.pending.values()]) done();
  }
}
