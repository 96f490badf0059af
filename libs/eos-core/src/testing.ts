/**
 * An in-memory Kafka behind the port, for unit tests: topics, read_committed visibility (records
 * appear when their transaction commits), group offsets written by transactions, producer epochs
 * per transactional id (fencing), and fault injection. The at-least-once mode's plain producer
 * writes at once and its consumers commit to their `commitGroupId`.
 */
import type { InputRecord } from '@eos/transforms';
import type {
  ConsumedItem,
  ConsumerPort,
  ConsumerPortOptions,
  KafkaPort,
  OffsetMap,
  ProduceRecord,
  ProducerPort,
  TransactionalProducerPort,
  TransactionPort,
} from './kafka-port';
import { singleBatchBytes } from './produce-chunks';

export interface FakeRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string>;
}

type Op = 'init' | 'begin' | 'send' | 'sendOffsets' | 'commit' | 'abort' | 'settle';

/** A fenced error as kafkajs raises it. */
export function fencedError(): Error {
  return Object.assign(
    new Error(
      'The producer attempted to use a producer id which is not currently assigned to its transactional id',
    ),
    {
      type: 'INVALID_PRODUCER_EPOCH',
    },
  );
}

const toBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);

export class FakeKafka implements KafkaPort {
  readonly topics = new Map<string, FakeRecord[][]>();
  readonly groups = new Map<string, Map<string, OffsetMap>>();
  private readonly epochs = new Map<string, number>();
  private readonly faults: { op: Op; error: Error; afterEffect: boolean }[] = [];
  private readonly listeners = new Set<() => void>();
  /** Counters for assertions. */
  readonly stats = { inits: 0, commits: 0, aborts: 0, consumers: 0, settles: 0 };
  /**
   * Offsets of committed transactions whose commit marker never reached the offsets partition,
   * per transactional id (what Kafka 4.4 left after a broker SIGKILL): `committedOffsets` does not
   * see them, `stableCommittedOffsets` reports their partitions pending, and the next commit (or
   * `settle`) by the same transactional id applies them.
   */
  private readonly stranded = new Map<string, { group: string; topic: string; offsets: OffsetMap }[]>();
  private strandNext = false;
  /** While set, every transactional commit waits for it before taking effect (see `holdCommits`). */
  private commitHold: Promise<void> | undefined;
  /** What the transactional producers did, in the order it took effect: `<op> <transactionalId>`. */
  readonly journal: string[] = [];

  /** Transactional commits wait until the returned function is called. */
  holdCommits(): () => void {
    let release = () => undefined as void;
    const hold = new Promise<void>((r) => (release = r));
    this.commitHold = hold;
    return () => {
      if (this.commitHold === hold) this.commitHold = undefined;
      release();
    };
  }

  /** The next committed transaction's offsets stay pending (see `stranded`); its records are committed. */
  strandNextCommitOffsets(): void {
    this.strandNext = true;
  }

  /** `max.message.bytes` per topic, for topics created with one: larger records are refused like the broker does. */
  readonly maxBytes = new Map<string, number>();

  createTopic(name: string, partitions: number, options: { maxMessageBytes?: number } = {}): void {
    if (options.maxMessageBytes !== undefined) this.maxBytes.set(name, options.maxMessageBytes);
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => []),
    );
  }

  /** Appends committed records to an input topic (a plain producer). */
  produce(topic: string, partition: number, records: { key?: string; value: string | null }[]): void {
    const log = this.partition(topic, partition);
    for (const r of records)
      log.push({ offset: log.length, key: toBuf(r.key ?? null), value: toBuf(r.value), headers: {} });
    this.notify();
  }

  /** Everything committed to a topic, in partition order. */
  read(topic: string): (FakeRecord & { partition: number })[] {
    return (this.topics.get(topic) ?? []).flatMap((log, partition) => log.map((r) => ({ ...r, partition })));
  }

  /**
   * Makes the next `op` throw. With `afterEffect`, the operation takes effect first and then
   * throws (a commit that landed but whose answer was lost).
   */
  failNext(op: Op, error: Error = new Error(`injected ${op} failure`), afterEffect = false): void {
    this.faults.push({ op, error, afterEffect });
  }

  private takeFault(op: Op) {
    const i = this.faults.findIndex((f) => f.op === op);
    return i >= 0 ? this.faults.splice(i, 1)[0] : undefined;
  }

  private partition(topic: string, p: number): FakeRecord[] {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} does not exist`);
    const log = t[p];
    if (!log) throw new Error(`topic ${topic} has no partition ${p}`);
    return log;
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  async transactionalProducer({
    transactionalId,
  }: {
    transactionalId: string;
  }): Promise<TransactionalProducerPort> {
    const f = this.takeFault('init');
    if (f) throw f.error;
    this.stats.inits++;
    const epoch = (this.epochs.get(transactionalId) ?? 0) + 1;
    this.epochs.set(transactionalId, epoch);
    const check = () => {
      if (this.epochs.get(transactionalId) !== epoch) throw fencedError();
    };
    return {
      begin: async (): Promise<TransactionPort> => {
        const bf = this.takeFault('begin');
        if (bf) throw bf.error;
        check();
        this.journal.push(`begin ${transactionalId}`);
        const pending: ProduceRecord[] = [];
        const offsets: { group: string; topic: string; offsets: OffsetMap }[] = [];
        let done = false;
        const run = async (op: Op, effect: () => void) => {
          if (op === 'commit' && this.commitHold) await this.commitHold;
          const of = this.takeFault(op);
          if (of && !of.afterEffect) throw of.error;
          check();
          effect();
          this.journal.push(`${op} ${transactionalId}`);
          if (of) throw of.error;
        };
        return {
          // The two halves one after the other, each with its own fault point ('send', 'sendOffsets').
          write: async (records, o) => {
            await run('send', () => {
              this.checkSizes(records);
              pending.push(...records);
            });
            await run('sendOffsets', () =>
              offsets.push({ group: o.groupId, topic: o.topic, offsets: new Map(o.offsets) }),
            );
          },
          prepare: (o) =>
            this.journal.push(
              `prepare ${transactionalId} ${o.partitions.map((t) => `${t.topic}:${t.partitions.join(',')}`).join(' ')} ${o.groupId}`,
            ),
          commit: () =>
            run('commit', () => {
              if (done) throw new Error('transaction already ended');
              done = true;
              this.stats.commits++;
              this.append(pending);
              this.applyStranded(transactionalId);
              if (this.strandNext && offsets.length > 0) {
                this.strandNext = false;
                this.stranded.set(transactionalId, offsets);
              } else for (const o of offsets) this.commitToGroup(o.group, o.topic, o.offsets);
              this.notify();
            }),
          abort: () =>
            run('abort', () => {
              done = true;
              this.stats.aborts++;
            }),
        };
      },
      settle: async () => {
        const sf = this.takeFault('settle');
        if (sf) throw sf.error;
        check();
        this.stats.settles++;
        this.applyStranded(transactionalId);
      },
      close: async () => undefined,
    };
  }

  private applyStranded(transactionalId: string): void {
    for (const o of this.stranded.get(transactionalId) ?? []) this.commitToGroup(o.group, o.topic, o.offsets);
    this.stranded.delete(transactionalId);
  }

  /** Writes at once, no transaction (the at-least-once mode); `send` faults apply. */
  async plainProducer(): Promise<ProducerPort> {
    return {
      send: async (records) => {
        const f = this.takeFault('send');
        if (f && !f.afterEffect) throw f.error;
        this.checkSizes(records);
        this.append(records);
        this.notify();
        if (f) throw f.error;
      },
      close: async () => undefined,
    };
  }

  private checkSizes(records: ProduceRecord[]): void {
    for (const r of records) {
      const max = this.maxBytes.get(r.topic);
      if (max !== undefined && singleBatchBytes(r) > max)
        throw Object.assign(
          new Error('The request included a message larger than the max message size the server will accept'),
          { type: 'MESSAGE_TOO_LARGE' },
        );
    }
  }

  /** Appends records as committed (visible to consumers). */
  private append(records: ProduceRecord[]): void {
    for (const r of records) {
      const parts = this.topics.get(r.topic);
      if (!parts) throw new Error(`topic ${r.topic} does not exist`);
      const p =
        r.partition ?? (r.key ? Buffer.from(String(r.key)).reduce((a, b) => a + b, 0) % parts.length : 0);
      const log = this.partition(r.topic, p);
      log.push({
        offset: log.length,
        key: toBuf(r.key),
        value: toBuf(r.value),
        headers: { ...(r.headers ?? {}) },
      });
    }
  }

  private commitToGroup(group: string, topic: string, offsets: OffsetMap): void {
    let g = this.groups.get(group);
    if (!g) this.groups.set(group, (g = new Map<string, OffsetMap>()));
    let t = g.get(topic);
    if (!t) g.set(topic, (t = new Map<number, number>()));
    for (const [p, off] of offsets) t.set(p, off);
  }

  async committedOffsets(groupId: string, topic: string, partitions: number[]): Promise<OffsetMap> {
    const t = this.groups.get(groupId)?.get(topic) ?? new Map<number, number>();
    return new Map([...t].filter(([p]) => partitions.includes(p)));
  }

  async stableCommittedOffsets(
    groupId: string,
    topic: string,
    partitions: number[],
  ): Promise<{ offsets: OffsetMap; pending: number[] }> {
    const pending = new Set<number>();
    for (const list of this.stranded.values())
      for (const o of list)
        if (o.group === groupId && o.topic === topic)
          for (const p of o.offsets.keys()) if (partitions.includes(p)) pending.add(p);
    const offsets = await this.committedOffsets(groupId, topic, partitions);
    for (const p of pending) offsets.delete(p);
    return { offsets, pending: [...pending].sort((a, b) => a - b) };
  }

  async earliestOffsets(_topic: string, partitions: number[]): Promise<OffsetMap> {
    return new Map(partitions.map((p) => [p, 0]));
  }

  async maxMessageBytes(topic: string): Promise<number | undefined> {
    return this.maxBytes.get(topic);
  }

  async partitionCount(topic: string): Promise<number> {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} does not exist`);
    return t.length;
  }

  async consume(o: ConsumerPortOptions): Promise<ConsumerPort> {
    this.stats.consumers++;
    const pos = new Map(o.partitions.map((p) => [p, o.startOffsets.get(p) ?? 0]));
    let paused = false;
    let closed = false;
    let scheduled = false;
    const deliver = () => {
      scheduled = false;
      if (paused || closed) return;
      const items: ConsumedItem[] = [];
      for (const p of o.partitions) {
        const log = this.partition(o.topic, p);
        let next = pos.get(p) as number;
        if (next >= log.length) continue;
        for (; next < log.length; next++) {
          const r = log[next] as FakeRecord;
          const record: InputRecord = {
            topic: o.topic,
            partition: p,
            offset: String(r.offset),
            key: r.key,
            value: r.value,
            headers: { ...r.headers },
            timestamp: '0',
          };
          items.push({ kind: 'record', record, bytes: (r.value?.length ?? 0) + (r.key?.length ?? 0) });
        }
        items.push({ kind: 'position', partition: p, nextOffset: next });
        pos.set(p, next);
      }
      if (items.length) o.onItems(items);
    };
    const schedule = () => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(deliver);
      }
    };
    this.listeners.add(schedule);
    schedule();
    return {
      // The at-least-once mode: straight to the consumer's group, outside any transaction.
      commitOffsets: async (offsets) => {
        if (!o.commitGroupId)
          throw new Error('commitOffsets needs the consumer created with a commitGroupId');
        const f = this.takeFault('commit');
        if (f && !f.afterEffect) throw f.error;
        this.commitToGroup(o.commitGroupId, o.topic, offsets);
        if (f) throw f.error;
      },
      pause: () => {
        paused = true;
      },
      resume: () => {
        paused = false;
        schedule();
      },
      close: async () => {
        closed = true;
        this.listeners.delete(schedule);
      },
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
