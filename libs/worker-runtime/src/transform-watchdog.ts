/**
 * A watchdog thread for synchronous transform hangs. A transform stuck in `while (true) {}` blocks
 * the worker's event loop: no timer, heartbeat or stop can run, and the process would hang (and
 * burn a CPU) forever. Before each transform call the main thread writes into a SharedArrayBuffer
 * which task slot and record it is transforming and since when; after the call it clears it. The
 * watchdog thread (its own event loop) checks every `checkEveryMs`: when one call has run longer
 * than `deadlineMs`, it writes one line naming the pipeline, task, transform, partition and offset
 * to stderr (fd 2, synchronously: the main thread cannot forward it) and kills the process with
 * SIGKILL. The session stream closes, the controller frees the tasks, and the task's next owner
 * runs in careful mode, which finds and quarantines the record (task-health.ts in control-plane).
 *
 * Cost on the hot path: two typed-array writes and a `Date.now()` per record.
 */
import { Worker } from 'node:worker_threads';
import type { InputRecord } from '@eos/transforms';

/** What the thread runs (plain JS, evaluated: no file to find next to a bundle). */
const THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Float64Array(workerData.buffer);
const slots = new Map();
parentPort.on('message', (m) => {
  if (m.kind === 'slot') slots.set(m.slot, m.describe);
  else if (m.kind === 'free') slots.delete(m.slot);
});
setInterval(() => {
  const slot = state[0];
  if (slot <= 0) return;
  const started = state[3];
  const ran = Date.now() - started;
  if (ran <= workerData.deadlineMs) return;
  // Re-read: the call may have ended between the reads.
  if (state[0] !== slot || state[3] !== started) return;
  const who = slots.get(slot) || 'task slot ' + slot;
  fs.writeSync(2, '[watchdog] ' + who + ': transform stuck on input partition ' + state[1] + ' offset ' + state[2] +
    ' for ' + ran + ' ms (deadline ' + workerData.deadlineMs + ' ms, WORKER_TRANSFORM_TIMEOUT_MS); the event loop is blocked: killing worker process ' + process.pid + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, workerData.checkEveryMs).unref();
`;

export interface TransformWatchdogOptions {
  /** A synchronous transform call running longer than this ends the process. */
  deadlineMs: number;
  /** How often the thread looks. @default min(250, deadlineMs / 4) */
  checkEveryMs?: number;
}

/** The per-task side of the watchdog: what EosTask's `probe` calls. */
export interface WatchdogProbe {
  /** Right before the transform is called on `record`. */
  before: (record: InputRecord) => void;
  /** Right after the call returned. */
  after: () => void;
  /** Forgets the task's slot (the task ended). */
  free: () => void;
}

export class TransformWatchdog {
  private readonly thread: Worker;
  /** [slot (0: idle), partition, offset, startedAt ms]. Float64: offsets below 2^53 are exact. */
  private readonly state: Float64Array;
  private nextSlot = 1;

  constructor(readonly o: TransformWatchdogOptions) {
    const buffer = new SharedArrayBuffer(4 * Float64Array.BYTES_PER_ELEMENT);
    this.state = new Float64Array(buffer);
    this.thread = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        buffer,
        deadlineMs: o.deadlineMs,
        checkEveryMs: o.checkEveryMs ?? Math.max(10, Math.min(250, Math.floor(o.deadlineMs / 4))),
      },
    });
    // The thread must never keep the process alive on its own.
    this.thread.unref();
  }

  /** A probe for one task; `describe` is what the watchdog's line names (pipeline, task, transform). */
  probe(describe: string): WatchdogProbe {
    const slot = this.nextSlot++;
    this.thread.postMessage({ kind: 'slot', slot, describe });
    const s = this.state;
    return {
      before: (r) => {
        s[1] = r.partition;
        s[2] = Number(r.offset);
        s[3] = Date.now();
        s[0] = slot;
      },
      after: () => {
        s[0] = 0;
      },
      free: () => this.thread.postMessage({ kind: 'free', slot }),
    };
  }

  async stop(): Promise<void> {
    await this.thread.terminate();
  }
}
