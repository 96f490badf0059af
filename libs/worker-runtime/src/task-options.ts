import type { EosTaskOptions, KafkaPort, TransformProbe } from '@eos/eos-core';
import { DeliveryGuarantee, type Assign, type TaskRef } from '@eos/proto';
import type { TransformFn } from '@eos/transforms';

/** Worker-wide settings every task gets; EosTask's own default applies to each one left unset. */
export interface TaskTuning {
  /** Kafka `transaction.timeout.ms` of the tasks' producers (EosTask `transactionTimeoutMs`). */
  transactionTimeoutMs?: number;
  /** EosTask `transformTimeoutMs`. */
  transformTimeoutMs?: number;
  /** EosTask `transformMaxAttempts`. */
  transformMaxAttempts?: number;
  /** EosTask `overlapCommits` (a batch commits while the next is written, on two transactional ids). */
  overlapCommits?: boolean;
}

/** What the worker made for the assignment: the transform, and the port to run it on. */
export interface TaskParts {
  task: TaskRef;
  transform: TransformFn;
  transformId: string;
  kafka: KafkaPort;
  probe: TransformProbe | undefined;
  tuning: TaskTuning;
}

/**
 * The controller's Assign (proto) as EosTask options: the one place where the wire's zero values
 * ("" and 0 for unset) turn into EosTask's `undefined` (its defaults).
 */
export function taskOptions(a: Assign, p: TaskParts): EosTaskOptions {
  const { tuning } = p;
  return {
    pipeline: p.task.pipeline,
    taskIndex: p.task.taskIndex,
    inputTopic: a.inputTopic,
    partitions: a.partitions,
    outputTopic: a.outputTopic,
    deadLetterTopic: a.deadLetterTopic || undefined,
    transactionalId: a.transactionalId,
    // Only when set: EosTask's own default applies otherwise (an explicit undefined would override it).
    ...(tuning.transactionTimeoutMs !== undefined
      ? { transactionTimeoutMs: tuning.transactionTimeoutMs }
      : {}),
    consumerGroup: a.consumerGroup,
    transform: p.transform,
    transformId: p.transformId,
    kafka: p.kafka,
    batching: a.batching
      ? {
          maxRecords: a.batching.maxRecords || undefined,
          maxBytes: a.batching.maxBytes || undefined,
          lingerMs: a.batching.lingerMs || undefined,
        }
      : undefined,
    outputHeaders: { 'eos.spec-version': String(a.specVersion), 'eos.transform': p.transformId },
    startPaused: a.paused,
    mode: a.guarantee === DeliveryGuarantee.AT_LEAST_ONCE ? 'at-least-once' : 'exactly-once',
    quarantined: a.quarantined.map((q) => ({
      partition: q.partition,
      offset: String(q.offset),
      reason: q.reason,
    })),
    probe: p.probe,
    ...(tuning.transformTimeoutMs !== undefined ? { transformTimeoutMs: tuning.transformTimeoutMs } : {}),
    ...(tuning.transformMaxAttempts !== undefined
      ? { transformMaxAttempts: tuning.transformMaxAttempts }
      : {}),
    ...(tuning.overlapCommits !== undefined ? { overlapCommits: tuning.overlapCommits } : {}),
  };
}
