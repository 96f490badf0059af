import type { TransformProbe } from '@eos/eos-core';
import type { RecordInFlight, TaskRef } from '@eos/proto';
import type { InputRecord } from '@eos/transforms';
import type { WatchdogProbe } from './transform-watchdog';

export interface RecordProbeOptions {
  task: TaskRef;
  epoch: number;
  /** The watchdog's slot for this task (synchronous hangs). */
  watch: WatchdogProbe | undefined;
  /** Careful mode: announces a record and resolves once the controller acknowledged it. */
  announce: ((v: RecordInFlight) => Promise<void>) | undefined;
  /** Reports a record's transform call over (careful mode). */
  settled: (v: RecordInFlight) => void;
}

/**
 * The EosTask probe around each transform call: the watchdog's before/after, and in careful mode
 * the controller's announcements. Undefined when there is nothing to watch (no cost per record).
 */
export function recordProbe(o: RecordProbeOptions): TransformProbe | undefined {
  const { watch, announce } = o;
  if (!watch && !announce) return undefined;
  const inFlight = (rec: InputRecord, done: boolean): RecordInFlight => ({
    task: o.task,
    epoch: o.epoch,
    partition: rec.partition,
    offset: Number(rec.offset),
    done,
  });
  return {
    before: watch?.before,
    after: watch?.after,
    // Careful mode: the controller learns each record before it is transformed (and waits for
    // its ack), and when the call is over, so a later death is not pinned on it.
    announce: announce ? (rec) => announce(inFlight(rec, false)) : undefined,
    settled: announce ? (rec) => o.settled(inFlight(rec, true)) : undefined,
  };
}
