import type { InputRecord } from '@eos/transforms';
import type { ConsumedItem, OffsetMap } from './kafka-port';

/** Limits of one transaction's batch. */
export interface BatchLimits {
  /** Most records. */
  maxRecords: number;
  /** Most input bytes (key + value); a single larger record still goes alone. */
  maxBytes: number;
  /**
   * Longest a record waits in the buffer for a fuller batch, ms: a batch is taken once its oldest
   * record has waited this long (time spent in the previous transaction counts), or when full.
   */
  lingerMs: number;
}

/**
 * Batch limits unless the pipeline sets its own: the controller's defaults (control-plane's
 * `DEFAULT_BATCHING`, which fills them into every spec it validates).
 */
export const DEFAULT_BATCH_LIMITS: Readonly<BatchLimits> = {
  maxRecords: 20_000,
  maxBytes: 16 << 20,
  lingerMs: 100,
};

/** What one transaction processes. */
export interface TakenBatch {
  records: InputRecord[];
  bytes: number;
  /** partition -> next offset to commit (last taken offset + 1, or past trailing markers). */
  nextOffsets: OffsetMap;
}

/**
 * The records a consumer delivered and the loop has not taken yet, in delivery order, with the
 * consumer's position markers interleaved. Signals backpressure past twice the batch limits.
 */
export class RecordBuffer {
  private items: ConsumedItem[] = [];
  private head = 0;
  private recordCount = 0;
  private byteCount = 0;
  private waiter: (() => void) | undefined;
  private high = false;
  /** Untaken records per push, oldest first, with their arrival time (the linger clock). */
  private arrivals: { records: number; at: number }[] = [];

  constructor(
    private readonly limits: BatchLimits,
    private readonly onBackpressure: (paused: boolean) => void = () => undefined,
  ) {}

  push(items: ConsumedItem[]): void {
    let records = 0;
    for (const it of items) {
      this.items.push(it);
      if (it.kind === 'record') {
        records++;
        this.byteCount += it.bytes;
      }
    }
    this.recordCount += records;
    if (records > 0) this.arrivals.push({ records, at: Date.now() });
    if (
      !this.high &&
      (this.recordCount >= 2 * this.limits.maxRecords || this.byteCount >= 2 * this.limits.maxBytes)
    ) {
      this.high = true;
      this.onBackpressure(true);
    }
    this.wake();
  }

  /** Drops everything (the consumer is being recreated). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.recordCount = 0;
    this.byteCount = 0;
    this.arrivals = [];
    this.relieve();
  }

  /** Wakes a pending `take` (used on stop). */
  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /**
   * Waits for records (or position markers that move past `committed`), lingers up to
   * `lingerMs` for a fuller batch (unless `linger` is false: the first batch after a task starts
   * takes what its first fetch brought, since a handoff's backlog is waiting and every ms of it
   * is output paused), and takes one batch. Returns an empty batch when `cancelled()` turns true
   * while waiting.
   */
  async take(
    committed: OffsetMap,
    cancelled: () => boolean,
    o: { linger?: boolean } = {},
  ): Promise<TakenBatch> {
    while (!cancelled() && this.recordCount === 0 && !this.advancesPast(committed)) await this.wait();
    if (!this.full() && o.linger !== false) {
      // From the oldest record's arrival: records that waited through the previous transaction
      // do not wait a whole linger again (that doubled the latency under load).
      const deadline = (this.arrivals[0]?.at ?? Date.now()) + this.limits.lingerMs;
      while (!cancelled() && !this.full() && Date.now() < deadline) await this.wait(deadline - Date.now());
    }
    if (cancelled()) return { records: [], bytes: 0, nextOffsets: new Map() };
    return this.pop(committed);
  }

  /** One batch of what is buffered now, without waiting (empty when nothing is). */
  takeBuffered(committed: OffsetMap): TakenBatch {
    if (this.recordCount === 0 && !this.advancesPast(committed))
      return { records: [], bytes: 0, nextOffsets: new Map() };
    return this.pop(committed);
  }

  /** No record waits. */
  get empty(): boolean {
    return this.recordCount === 0;
  }

  private full(): boolean {
    return this.recordCount >= this.limits.maxRecords || this.byteCount >= this.limits.maxBytes;
  }

  private advancesPast(committed: OffsetMap): boolean {
    for (let i = this.head; i < this.items.length; i++) {
      const it = this.items[i] as ConsumedItem;
      if (it.kind === 'position' && it.nextOffset > (committed.get(it.partition) ?? -1)) return true;
    }
    return false;
  }

  private pop(committed: OffsetMap): TakenBatch {
    const records: InputRecord[] = [];
    const nextOffsets: OffsetMap = new Map();
    let bytes = 0;
    while (this.head < this.items.length) {
      const it = this.items[this.head] as ConsumedItem;
      if (it.kind === 'record') {
        const fits =
          records.length < this.limits.maxRecords &&
          (records.length === 0 || bytes + it.bytes <= this.limits.maxBytes);
        if (!fits) break;
        records.push(it.record);
        bytes += it.bytes;
        this.recordCount--;
        const first = this.arrivals[0];
        if (first && --first.records === 0) this.arrivals.shift();
        this.byteCount -= it.bytes;
        const next = Number(it.record.offset) + 1;
        if (next > (nextOffsets.get(it.record.partition) ?? -1)) nextOffsets.set(it.record.partition, next);
      } else {
        const cur = nextOffsets.get(it.partition) ?? committed.get(it.partition) ?? -1;
        if (it.nextOffset > cur) nextOffsets.set(it.partition, it.nextOffset);
      }
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    this.relieve();
    return { records, bytes, nextOffsets };
  }

  private relieve(): void {
    if (this.high && this.recordCount <= this.limits.maxRecords && this.byteCount <= this.limits.maxBytes) {
      this.high = false;
      this.onBackpressure(false);
    }
  }

  private wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done(), Math.max(0, ms));
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      this.waiter = done;
    });
  }
}
