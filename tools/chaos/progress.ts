/**
 * The progress monitor (kafkajs, plain listener; measurement only, never the verdict): the
 * pipeline group's committed offsets against the input end offsets, and per healed fault the
 * time to the first commit and to catching up.
 */
import type { Admin, Kafka } from 'kafkajs';
import { GROUP, IN, RECOVERY_TIMEOUT_MS } from './options';
import type { FaultRecord } from './report';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Progress {
  /** Partition -> committed offset / input end offset, as of the last successful read. */
  committed: Record<number, number> = {};
  end: Record<number, number> = {};
  private admin: Admin | undefined;
  private polling: Promise<boolean> | undefined;

  constructor(
    private readonly kafka: Kafka,
    /** Milliseconds since the start of the run. */
    private readonly since: () => number,
  ) {}

  /** Reads the committed offsets and the input end offsets (one read at a time); false when it could not. */
  poll(): Promise<boolean> {
    this.polling ??= this.read().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Every partition has a first commit. */
  allStarted(): boolean {
    return !Object.keys(this.end).some((p) => (this.committed[Number(p)] ?? -1) <= 0);
  }

  /** Every partition's commit reached its input end. */
  caughtUp(): boolean {
    return Object.keys(this.end).every(
      (p) => (this.committed[Number(p)] ?? -1) >= (this.end[Number(p)] ?? 0),
    );
  }

  private async read(): Promise<boolean> {
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      const [offs, ends] = await Promise.all([
        this.admin.fetchOffsets({ groupId: GROUP, topics: [IN] }),
        this.admin.fetchTopicOffsets(IN),
      ]);
      const c: Record<number, number> = {};
      for (const t of offs) for (const p of t.partitions) c[p.partition] = Number(p.offset);
      const e: Record<number, number> = {};
      for (const p of ends) e[p.partition] = Number(p.high);
      this.committed = c;
      this.end = e;
      return true;
    } catch {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
      return false;
    }
  }

  /** Tracks one healed fault until all partitions with a backlog commit again and it catches up. */
  async trackRecovery(f: FaultRecord): Promise<void> {
    const since = this.since;
    while (!(await this.poll())) {
      if (since() - f.healedAtMs > RECOVERY_TIMEOUT_MS) return;
      await sleep(250);
    }
    const c0 = { ...this.committed };
    const e0 = { ...this.end };
    const backlog = Object.keys(e0)
      .map(Number)
      .filter((p) => (e0[p] ?? 0) > (c0[p] ?? -1));
    while (since() - f.healedAtMs < RECOVERY_TIMEOUT_MS) {
      if (await this.poll()) {
        const c = this.committed;
        if (f.firstCommitMs === undefined && backlog.every((p) => (c[p] ?? -1) > (c0[p] ?? -1)))
          f.firstCommitMs = since() - f.healedAtMs;
        if (Object.keys(e0).every((p) => (c[Number(p)] ?? -1) >= (e0[Number(p)] ?? 0))) {
          f.firstCommitMs ??= since() - f.healedAtMs;
          f.caughtUpMs = since() - f.healedAtMs;
          f.survived = true;
          return;
        }
      }
      await sleep(200);
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
