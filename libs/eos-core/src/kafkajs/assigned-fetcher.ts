/**
 * A read_committed fetcher of a fixed set of partitions with no consumer group.
 *
 * kafkajs 2.2.4 has no `assign()`: its consumer always joins a group, and a new group waits the
 * broker's `group.initial.rebalance.delay.ms` (3 s by default) before its first assignment. Every
 * task start (failover, drain handoff, rollout step, controller restart) paid that wait. Ownership
 * comes from the controller, so the data path needs no group: this fetcher sends Fetch requests
 * to each partition's leader itself, on kafkajs's own cluster, broker and batch modules (the batch
 * module drops aborted records and transaction markers, as the consumer does). kafkajs is frozen
 * upstream and pinned to 2.2.4 in package.json, so these internal modules do not move under us;
 * `createFetcherCluster` checks the one private hook it needs and says so if it is gone.
 */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import type { OffsetMap } from '../kafka-port';
import { topicOffsets } from './transactions';

const requireKafkaJs = createRequire(require.resolve('kafkajs'));
const Batch = requireKafkaJs('./src/consumer/batch') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: FetchPartitionData,
) => KafkaJsBatch;
const InstrumentationEmitter = requireKafkaJs('./src/instrumentation/emitter') as new () => unknown;

/** kafkajs's READ_COMMITTED isolation level (protocol/isolationLevel.js). */
const READ_COMMITTED = 1;

/** One record as kafkajs decodes it. */
export interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers?: Record<string, unknown>;
}

interface FetchPartitionData {
  partition: number;
  errorCode: number;
  highWatermark: string;
  messages: unknown[];
  abortedTransactions?: unknown[];
}

interface KafkaJsBatch {
  partition: number;
  messages: FetchedMessage[];
  isEmptyIncludingFiltered(): boolean;
  isEmptyDueToLogCompactedMessages(): boolean;
  lastOffset(): string;
}

interface FetchResponse {
  responses: { topicName: string; partitions: FetchPartitionData[] }[];
}

/** The parts of kafkajs's Broker (src/broker/index.js) used here. */
export interface KafkaJsBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<FetchResponse>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

/** The parts of kafkajs's Cluster (src/cluster/index.js) used here. */
export interface KafkaJsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(o: { nodeId: string }): Promise<KafkaJsBroker>;
  findGroupCoordinator(o: { groupId: string }): Promise<KafkaJsBroker>;
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/**
 * A cluster (connections + metadata) with the brokers, TLS and SASL settings the `Kafka` client was
 * made with, through the factory kafkajs keeps for its own producers and consumers.
 */
export function createFetcherCluster(kafka: Kafka): KafkaJsCluster {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const factory = key && (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof factory !== 'function') {
    throw new Error('kafkajs internals changed (no private createCluster): eos-core needs kafkajs 2.2.4');
  }
  return (factory as (o: object) => KafkaJsCluster)({
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    instrumentationEmitter: new InstrumentationEmitter(),
    isolationLevel: READ_COMMITTED,
  });
}

export interface AssignedFetcherOptions {
  topic: string;
  partitions: number[];
  /** Next offset to read per partition; a partition without one starts at its log start. */
  startOffsets: OffsetMap;
  /** Longest a fetch waits for data when there is none. */
  maxWaitMs: number;
  /** Most bytes per partition per fetch (a larger first record batch still comes whole, KIP-74). */
  maxBytesPerPartition: number;
  /**
   * Records of one partition in offset order (aborted records and markers removed), and the
   * offset after everything this fetch covered, markers included. Called in fetch order.
   */
  onFetched(partition: number, messages: FetchedMessage[], nextOffset: number): void;
  /** The fetcher stopped on an error it does not retry; the owner rebuilds from committed offsets. */
  onError(err: Error): void;
}

/** How often a retriable fetch error (leader moved, broker restarting) is retried in place. */
const RETRIES = 5;

/**
 * Fetches the given partitions from their leaders until closed. Retriable errors refresh the
 * metadata and retry with backoff; anything else, or retries used up, ends in `onError`.
 */
export class AssignedFetcher {
  private readonly positions = new Map<number, number>();
  /** Group coordinators for `commitToGroup`, per group. */
  private readonly coordinators = new Map<string, KafkaJsBroker>();
  private closed = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly cluster: KafkaJsCluster,
    private readonly o: AssignedFetcherOptions,
  ) {}

  /** Connects, resolves start positions, and starts fetching; resolves once positioned. */
  async start(): Promise<void> {
    await this.cluster.connect();
    await this.cluster.addTargetTopic(this.o.topic);
    const missing = this.o.partitions.filter((p) => !this.o.startOffsets.has(p));
    for (const p of this.o.partitions) {
      const start = this.o.startOffsets.get(p);
      if (start !== undefined) this.positions.set(p, start);
    }
    if (missing.length) for (const [p, off] of await this.logStarts(missing)) this.positions.set(p, off);
    this.loop = this.run();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  /** Stops fetching (a fetch in flight is dropped) and closes the connections. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.loop;
    await this.cluster.disconnect();
  }

  /** Commits offsets to a group with no members (the at-least-once mode's offsets). */
  async commitToGroup(groupId: string, offsets: OffsetMap): Promise<void> {
    // The coordinator is looked up once and kept until a commit fails, as a consumer does: a
    // FindCoordinator before every commit was a round trip more per batch than the
    // exactly-once mode pays, which made the at-least-once baseline look slower than it is.
    let coordinator = this.coordinators.get(groupId);
    if (!coordinator) {
      coordinator = await this.cluster.findGroupCoordinator({ groupId });
      this.coordinators.set(groupId, coordinator);
    }
    try {
      await coordinator.offsetCommit({
        groupId,
        groupGenerationId: -1,
        memberId: '',
        topics: [topicOffsets(this.o.topic, offsets)],
      });
    } catch (err) {
      this.coordinators.delete(groupId);
      throw err;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      if (this.paused) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        await this.fetchOnce();
        failures = 0;
      } catch (err) {
        if (this.closed) return;
        const e = err instanceof Error ? err : new Error(String(err));
        if (isOffsetOutOfRange(e) && (await this.skipToLogStart(e))) continue;
        if (!isRetriable(e) || ++failures > RETRIES) {
          this.closed = true;
          this.o.onError(e);
          return;
        }
        await delay(Math.min(2_000, 100 * 2 ** (failures - 1)));
        await this.cluster.refreshMetadata().catch(() => undefined);
      }
    }
  }

  /** One Fetch per leader, in parallel; each answer is handed over as soon as it arrives. */
  private async fetchOnce(): Promise<void> {
    const byLeader = this.cluster.findLeaderForPartitions(this.o.topic, this.o.partitions);
    const led = Object.values(byLeader).flat();
    if (led.length < this.o.partitions.length) {
      const lost = this.o.partitions.filter((p) => !led.includes(p));
      throw Object.assign(new Error(`no leader known for ${this.o.topic} partitions ${lost.join(',')}`), {
        retriable: true,
      });
    }
    await Promise.all(
      Object.entries(byLeader).map(async ([nodeId, partitions]) => {
        const broker = await this.cluster.findBroker({ nodeId });
        const request = partitions.map((partition) => ({
          partition,
          fetchOffset: String(this.positions.get(partition) ?? 0),
          maxBytes: this.o.maxBytesPerPartition,
        }));
        const res = await broker.fetch({
          replicaId: -1,
          isolationLevel: READ_COMMITTED,
          maxWaitTime: this.o.maxWaitMs,
          minBytes: 1,
          maxBytes: this.o.maxBytesPerPartition * partitions.length,
          topics: [{ topic: this.o.topic, partitions: request }],
        });
        // Handed over even when paused meanwhile (as kafkajs's consumer does): the owner buffers it.
        if (this.closed) return;
        for (const t of res.responses) {
          for (const pd of t.partitions) {
            const fetchedOffset = String(this.positions.get(pd.partition) ?? 0);
            const batch = new Batch(this.o.topic, fetchedOffset, pd);
            // Nothing at or after the position yet: no progress to report.
            if (batch.isEmptyIncludingFiltered() && !batch.isEmptyDueToLogCompactedMessages()) continue;
            const next = Number(batch.lastOffset()) + 1;
            this.positions.set(pd.partition, next);
            this.o.onFetched(pd.partition, batch.messages, next);
          }
        }
      }),
    );
  }

  private async logStarts(partitions: number[]): Promise<Map<number, number>> {
    const res = await this.cluster.fetchTopicsOffset([
      {
        topic: this.o.topic,
        fromBeginning: true,
        partitions: partitions.map((partition) => ({ partition })),
      },
    ]);
    const out = new Map<number, number>();
    for (const t of res) for (const p of t.partitions) out.set(p.partition, Number(p.offset));
    return out;
  }

  /**
   * The position fell below the log start (retention deleted records not yet read): go on from
   * the log start, as a Java consumer with auto.offset.reset=earliest does, and say so through
   * the position the owner commits. A position past the end is not skipped: false.
   */
  private async skipToLogStart(err: Error): Promise<boolean> {
    const partition = (err as { partition?: number }).partition;
    if (partition === undefined) return false;
    const start = (await this.logStarts([partition])).get(partition);
    const pos = this.positions.get(partition) ?? 0;
    if (start === undefined || start <= pos) return false;
    this.positions.set(partition, start);
    this.o.onFetched(partition, [], start);
    return true;
  }
}

function isOffsetOutOfRange(e: Error): boolean {
  return e.name === 'KafkaJSOffsetOutOfRange' || (e as { type?: string }).type === 'OFFSET_OUT_OF_RANGE';
}

function isRetriable(e: Error): boolean {
  return (e as { retriable?: boolean }).retriable === true || e.name === 'KafkaJSConnectionError';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
