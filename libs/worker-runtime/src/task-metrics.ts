import type { TransactionSteps } from '@eos/eos-core';

/** A task's labels on the worker's metrics. */
export interface TaskLabels {
  pipeline: string;
  /** The task index, as a label value. */
  task: string;
}

/**
 * What the supervisor counts. The worker app backs it with its Prometheus metrics
 * (apps/worker/src/worker-http.ts); the runtime itself holds no metrics registry.
 */
export interface TaskMetrics {
  /**
   * A transaction committed `records` input records (`deadLettered` of them dead-lettered);
   * `steps`: where the task's loop spent its time on that batch.
   */
  committed(
    task: TaskLabels,
    c: { records: number; deadLettered: number; durationMs: number; steps: TransactionSteps },
  ): void;
  /** A transaction was aborted (it is retried). */
  aborted(pipeline: string): void;
  /** A transform attempt failed retriably and is retried. */
  transformRetried(task: TaskLabels): void;
  /** A record was dead-lettered, by reason. */
  poisonRecord(pipeline: string, reason: string): void;
  /** Tasks running on this worker now (sampled with every commit flush). */
  tasksRunning(count: number): void;
}
