/**
 * Per-task failure bookkeeping of the controller: exponential backoff for tasks that fail on
 * their worker, and the poison-record quarantine for tasks whose worker dies under them.
 *
 * A worker that crashes or hangs (its watchdog ends it) cannot say which record did it. So the
 * controller learns it in steps (docs/architecture.md, "Poison records"):
 * 1. the task's owner died once: most deaths are not a record's doing (a node lost, a SIGKILL, an
 *    OOM of a neighbour), so the task moves at full speed. It becomes *suspect* until it commits
 *    `carefulRecords` records without another death;
 * 2. a suspect task's owner died again (`carefulAfterDeaths` deaths without that progress): the
 *    task goes to its next owner in *careful mode*, where the worker announces each record
 *    (RecordInFlight, acknowledged by the controller) before calling the transform;
 * 3. an owner in careful mode died: the last record it announced is the one in flight. After
 *    `quarantineAfter` deaths at the same record, that record is quarantined: the next owner
 *    dead-letters it without calling the transform. Careful mode ends after `carefulRecords`
 *    committed records.
 * Careful mode costs a controller round trip per record, so it waits for the second death: with
 * it after every death, each failover's first commit waited for thousands of round trips (5-11 s
 * after a SIGKILL in tools/bench/failover.ts). Deaths do not delay reassignment either. A poison
 * record costs `carefulAfterDeaths` + `quarantineAfter` deaths (4 by default).
 *
 * Costs: O(1) per message; memory per task O(distinct records it died at since its last progress).
 */

export interface TaskHealthOptions {
  /** First wait before a failed task is assigned again; doubles per failure in a row. */
  failedBackoffMs: number;
  /** Longest wait between attempts of a failed task. */
  failedBackoffMaxMs: number;
  /** Deaths of a task's owner at the same input record before the record is quarantined. */
  quarantineAfter: number;
  /**
   * Records a task commits in careful mode before it leaves it; also the progress (records
   * committed without a death) that clears a suspect task.
   */
  carefulRecords: number;
  /** Deaths of a task's owner, without `carefulRecords` of progress between them, before careful mode. @default 2 */
  carefulAfterDeaths?: number;
}

/** A quarantine decision: the record and why. */
export interface QuarantineDecision {
  partition: number;
  offset: number;
  reason: string;
}

interface Health {
  failures: number;
  lastError: string;
  retryAt: number;
  careful: boolean;
  carefulLeft: number;
  /** Owner deaths since the task last made `carefulRecords` of progress. */
  deaths: number;
  /** Records committed since the last death. */
  progress: number;
  inFlight?: { epoch: number; partition: number; offset: number };
  deathsAt: Map<string, number>;
}

/** What GetPipelineStatus shows of a task's health. */
export interface TaskHealthView {
  failures: number;
  lastError: string;
  retryAtMs: number;
  careful: boolean;
}

export class TaskHealth {
  private readonly byTask = new Map<string, Health>();

  constructor(private readonly o: TaskHealthOptions) {}

  private get(key: string): Health {
    let h = this.byTask.get(key);
    if (!h) {
      h = {
        failures: 0,
        lastError: '',
        retryAt: 0,
        careful: false,
        carefulLeft: 0,
        deaths: 0,
        progress: 0,
        deathsAt: new Map(),
      };
      this.byTask.set(key, h);
    }
    return h;
  }

  /** The wait before the n-th failure in a row is retried: initial * 2^(n-1), capped. */
  backoffMs(failures: number): number {
    const exp = Math.min(Math.max(failures - 1, 0), 30);
    return Math.min(this.o.failedBackoffMs * 2 ** exp, this.o.failedBackoffMaxMs);
  }

  /** The task failed on its worker (a fatal error): returns the time before which it waits. */
  failed(key: string, message: string, now: number): number {
    const h = this.get(key);
    h.failures++;
    h.lastError = message;
    h.retryAt = now + this.backoffMs(h.failures);
    return h.retryAt;
  }

  /** A running task reports a problem it works through (empty: over). */
  problem(key: string, message: string): void {
    if (!message && !this.byTask.has(key)) return;
    this.get(key).lastError = message;
  }

  /** A task in careful mode is about to transform this record (or, `done`, has transformed it). */
  inFlight(key: string, epoch: number, partition: number, offset: number, done = false): void {
    const h = this.get(key);
    if (!done) h.inFlight = { epoch, partition, offset };
    else if (
      h.inFlight?.epoch === epoch &&
      h.inFlight.partition === partition &&
      h.inFlight.offset === offset
    )
      h.inFlight = undefined;
  }

  /**
   * The task's owner died (lease expired, or the process restarted) while running it under
   * `epoch`. Returns the record to quarantine when this death makes `quarantineAfter` at the
   * record the owner had announced.
   */
  ownerDied(key: string, epoch: number, why: string): QuarantineDecision | undefined {
    const h = this.get(key);
    h.failures++;
    h.lastError = `its worker died under it (${why})`;
    const f = h.inFlight;
    h.inFlight = undefined;
    const wasCareful = h.careful;
    h.deaths++;
    h.progress = 0;
    if (wasCareful || h.deaths >= (this.o.carefulAfterDeaths ?? 2)) {
      h.careful = true;
      h.carefulLeft = this.o.carefulRecords;
    }
    if (!wasCareful || !f || f.epoch !== epoch) return undefined;
    const at = `${f.partition}@${f.offset}`;
    const deaths = (h.deathsAt.get(at) ?? 0) + 1;
    h.deathsAt.set(at, deaths);
    h.lastError = `its worker died under it at input partition ${f.partition} offset ${f.offset} (${why}); ${deaths} of ${this.o.quarantineAfter} before quarantine`;
    if (deaths < this.o.quarantineAfter) return undefined;
    h.deathsAt.delete(at);
    return {
      partition: f.partition,
      offset: f.offset,
      reason: `quarantined by the controller: crashed or hung its worker ${deaths} times (last: ${why})`,
    };
  }

  /** A commit under the task's current assignment: progress resets the failure count. */
  committed(key: string, records: number, offsets: { partition: number; offset: number }[]): void {
    const h = this.byTask.get(key);
    if (!h) return;
    if (records > 0 || offsets.length > 0) {
      h.failures = 0;
      h.retryAt = 0;
      h.lastError = '';
    }
    if (h.inFlight) {
      const p = h.inFlight.partition;
      if (offsets.some((o) => o.partition === p && o.offset > (h.inFlight?.offset ?? Infinity)))
        h.inFlight = undefined;
    }
    if (h.careful) {
      h.carefulLeft -= records;
      if (h.carefulLeft <= 0) {
        h.careful = false;
        h.deathsAt.clear();
        h.deaths = 0;
      }
    } else if (h.deaths > 0) {
      h.progress += records;
      if (h.progress >= this.o.carefulRecords) h.deaths = 0;
    }
  }

  careful(key: string): boolean {
    return this.byTask.get(key)?.careful ?? false;
  }

  view(key: string, now: number): TaskHealthView {
    const h = this.byTask.get(key);
    if (!h) return { failures: 0, lastError: '', retryAtMs: 0, careful: false };
    return {
      failures: h.failures,
      lastError: h.lastError,
      retryAtMs: h.retryAt > now ? h.retryAt : 0,
      careful: h.careful,
    };
  }

  /** Forgets the tasks of a deleted pipeline. */
  forgetPipeline(pipeline: string): void {
    for (const key of this.byTask.keys()) if (key.startsWith(`${pipeline}/`)) this.byTask.delete(key);
  }
}
