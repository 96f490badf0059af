import { Kafka, type Admin, type Producer, type Transaction } from 'kafkajs';
import { StateStoreFatalError } from '@eos/control-plane';
import {
  connectTransactionalProducer,
  isFencedError,
  isRetriableKafkaError,
  transactionRetry,
} from '@eos/eos-core';
import type {
  AssignmentRecord,
  AuditEntry,
  PipelineRecord,
  RolloutRecord,
  StateChange,
  StatePort,
  StoredState,
} from '@eos/control-plane';
import { waitForLeaders } from './kafka-topics';
import { readTopicToEnd } from './read-to-end';
import { controllerTransactionalIdOf } from '@eos/fleet-names';

/**
 * The state writes' retries. Back-to-back writes meet CONCURRENT_TRANSACTIONS (see
 * transactionRetry): retried 5 ms apart at first (every reconcile waits on its write), at most
 * 1 s apart, about a minute of patience overall.
 */
export const STATE_TRANSACTION_RETRY = { patienceMs: 60_000, maxRetryTime: 1_000 };

/**
 * Controller state in a compacted Kafka topic (one partition), written with the controller's
 * own transactional producer: starting a second controller fences the first, whose next write
 * fails. Keys: `pipeline/<name>`, `task/<pipeline>/<index>`, `meta/epoch`, `audit/<seq>`; values
 * JSON; null deletes.
 */
export class KafkaStateStore implements StatePort {
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly transactionalId = controllerTransactionalIdOf(topic),
  ) {}

  /**
   * Creates the topic if needed, fences any other controller, and reads the state. A broker that
   * has just started can answer "does not host this topic-partition" for a topic it created a
   * moment ago (metadata not propagated yet): retriable errors are retried for up to `retryMs`.
   */
  async load(retryMs = 60_000): Promise<StoredState> {
    const deadline = Date.now() + retryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.loadOnce();
      } catch (err) {
        await this.close().catch(() => undefined);
        if (!isRetriableKafkaError(err) || Date.now() > deadline) throw err;
        console.log(`[controller] state load attempt ${attempt}: ${(err as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }

  private async loadOnce(): Promise<StoredState> {
    const topics = await this.admin.listTopics();
    if (!topics.includes(this.topic)) {
      await this.admin.createTopics({
        topics: [
          {
            topic: this.topic,
            numPartitions: 1,
            replicationFactor: -1,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
        waitForLeaders: false,
      });
    }
    await waitForLeaders(this.admin, this.topic);
    // Fence any other controller first: its open transaction is aborted, so what we read is final.
    this.producer = await connectTransactionalProducer(this.kafka, {
      transactionalId: this.transactionalId,
      transactionTimeout: 30_000,
      retry: transactionRetry(STATE_TRANSACTION_RETRY),
    });
    const state: StoredState = {
      epoch: 0,
      pipelines: new Map(),
      assignments: new Map(),
      audit: [],
      rollouts: new Map(),
    };
    const audit = new Map<number, AuditEntry>(); // by seq, in the order read (seqs only grow)
    await readTopicToEnd(this.kafka, this.admin, this.topic, (key, value) => {
      const v = value === null ? null : (JSON.parse(value) as unknown);
      if (key === 'meta/epoch') state.epoch = Math.max(state.epoch, Number(v ?? 0));
      else if (key.startsWith('pipeline/')) {
        const name = key.slice('pipeline/'.length);
        if (v === null) state.pipelines.delete(name);
        else state.pipelines.set(name, v as PipelineRecord);
      } else if (key.startsWith('rollout/')) {
        const id = key.slice('rollout/'.length);
        if (v === null) state.rollouts.delete(id);
        else state.rollouts.set(id, v as RolloutRecord);
      } else if (key.startsWith('audit/')) {
        // Only the newest AUDIT_LOADED are kept in memory; the others are reported for deletion.
        const seq = Number(key.slice('audit/'.length));
        if (v === null) audit.delete(seq);
        else audit.set(seq, v as AuditEntry);
        if (audit.size > AUDIT_LOADED) {
          const oldest = audit.keys().next().value as number;
          audit.delete(oldest);
          (state.droppedAuditSeqs ??= []).push(oldest);
        }
      } else if (key.startsWith('task/')) {
        const k = key.slice('task/'.length);
        if (v === null) state.assignments.delete(k);
        else state.assignments.set(k, v as AssignmentRecord);
      }
    });
    state.audit = [...audit.values()];
    for (const a of state.assignments.values()) state.epoch = Math.max(state.epoch, a.epoch);
    return state;
  }

  async save(changes: StateChange[]): Promise<void> {
    if (!this.producer) throw new Error('state store not loaded');
    const messages = changes.map((c) => {
      switch (c.kind) {
        case 'pipeline':
          return { key: `pipeline/${c.name}`, value: c.value === null ? null : JSON.stringify(c.value) };
        case 'assignment':
          return { key: `task/${c.key}`, value: c.value === null ? null : JSON.stringify(c.value) };
        case 'epoch':
          return { key: 'meta/epoch', value: JSON.stringify(c.value) };
        case 'rollout':
          return { key: `rollout/${c.value.id}`, value: JSON.stringify(c.value) };
        case 'audit':
          return { key: `audit/${String(c.value.seq).padStart(12, '0')}`, value: JSON.stringify(c.value) };
        case 'auditDelete':
          return { key: `audit/${String(c.seq).padStart(12, '0')}`, value: null };
        case 'rolloutDelete':
          return { key: `rollout/${c.id}`, value: null };
      }
    });
    // A write that fails and is aborted cleanly fails only its request (a record over the broker's
    // limit, a broker away for longer than the retries). Fenced, or a transaction left in an
    // unknown state (commit or abort failed): the store cannot go on; the controller stops.
    let tx: Transaction;
    try {
      tx = await this.producer.transaction();
    } catch (err) {
      throw fatal('state transaction could not begin', err); // begin is local: its state is broken
    }
    try {
      await tx.send({ topic: this.topic, acks: -1, messages });
    } catch (err) {
      if (isFencedError(err)) throw fatal('fenced by another controller', err);
      try {
        await tx.abort();
      } catch (abortErr) {
        throw fatal(`state write failed (${(err as Error).message}) and its abort too`, abortErr);
      }
      throw err;
    }
    try {
      await tx.commit();
    } catch (err) {
      throw fatal(isFencedError(err) ? 'fenced by another controller' : 'state commit failed', err);
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

/** Audit records kept in memory while loading (the controller's retention is at most this). */
const AUDIT_LOADED = 1_000;

const fatal = (what: string, cause: unknown) =>
  new StateStoreFatalError(`${what}: ${(cause as Error).message}`, { cause });
