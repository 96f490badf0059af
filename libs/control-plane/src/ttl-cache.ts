/**
 * Results of an expensive read, shared: callers while a read is in flight share it, and its
 * result serves every caller for `ttlMs` after it arrived. Failures are not kept. Status reads use
 * it (two Kafka admin calls per pipeline; every open UI tab asks on every change event).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at?: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const e = this.entries.get(key);
    if (e && (e.at === undefined || this.now() - e.at < this.ttlMs)) return e.value;
    const entry: { at?: number; value: Promise<V> } = { value: load() };
    this.entries.set(key, entry);
    entry.value.then(
      () => (entry.at = this.now()),
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** Forgets a key (the next read goes to the source). */
  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
