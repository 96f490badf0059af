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
 */
export class InFlightAnnouncer {
  private readonly pending = new Map<string, () => void>();

  constructor(
    /** Sends on the session; false when there is none. */
    private readonly send: (m: WorkerMessage) => boolean,
    private readonly timeoutMs = 2_000,
  ) {}

  announce(v: RecordInFlight): Promise<void> {
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
