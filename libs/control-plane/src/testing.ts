/** In-memory fakes of the controller's ports, for unit tests (`FleetController` over them). */
import type { Assign, ControllerMessage } from '@eos/proto';
import type { StateChange, StatePort, StoredState, TopicsPort, WorkerChannel } from './ports';

/** Durable state in memory: what was saved, in order. */
export class MemoryState implements StatePort {
  readonly saves: StateChange[][] = [];
  async load(): Promise<StoredState> {
    return { epoch: 0, pipelines: new Map(), assignments: new Map(), audit: [], rollouts: new Map() };
  }
  async save(changes: StateChange[]): Promise<void> {
    this.saves.push(changes);
  }
}

/** Topics in memory: `partitions` per known topic. */
export class MemoryTopics implements TopicsPort {
  constructor(readonly topics = new Map<string, number>()) {}
  async partitions(topic: string) {
    return this.topics.get(topic);
  }
  async ensureTopic(topic: string, partitions: number) {
    if (!this.topics.has(topic)) this.topics.set(topic, partitions);
  }
  async committedOffsets(_group: string, _topic: string) {
    return new Map<number, number>();
  }
  async endOffsets() {
    return new Map<number, number>();
  }
  async earliestOffsets() {
    return new Map<number, number>();
  }
  async offsetsForTimestamp() {
    return new Map<number, number>();
  }
  async deleteGroup(_group: string) {}
  async commitOffsetsInTransaction(
    _tx: string,
    _group: string,
    _topic: string,
    _offsets: Map<number, number>,
  ) {}
}

/** A worker session that records what the controller sent it. */
export class Channel implements WorkerChannel {
  readonly sent: ControllerMessage[] = [];
  closed = false;
  send(m: ControllerMessage): void {
    this.sent.push(m);
  }
  close(): void {
    this.closed = true;
  }
  /** The Assign messages, in order. */
  assigns(): Assign[] {
    return this.sent.flatMap((m) => (m.body?.$case === 'assign' ? [m.body.value] : []));
  }
  /** `pipeline/task` of each Assign, in order. */
  assigned(): string[] {
    return this.sent.flatMap((m) =>
      m.body?.$case === 'assign' ? [`${m.body.value.task?.pipeline}/${m.body.value.task?.taskIndex}`] : [],
    );
  }
}
