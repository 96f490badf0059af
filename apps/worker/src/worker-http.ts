import * as http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskMetrics } from '@eos/worker-runtime';

/** The worker's own Prometheus metrics. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly recordsCommitted = new Counter({
    name: 'eos_worker_records_committed_total',
    help: 'Input records committed',
    labelNames: ['pipeline', 'task'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'eos_worker_records_dead_lettered_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['pipeline', 'task'],
    registers: [this.registry],
  });
  readonly poisonRecords = new Counter({
    name: 'eos_worker_poison_records_total',
    help: 'Records dead-lettered, by reason (transform-error, invalid-result, too-large, retries-exhausted, quarantined)',
    labelNames: ['pipeline', 'reason'],
    registers: [this.registry],
  });
  readonly transformRetries = new Counter({
    name: 'eos_worker_transform_retries_total',
    help: 'Transform attempts that failed retriably (RetriableTransformError or deadline) and were retried',
    labelNames: ['pipeline', 'task'],
    registers: [this.registry],
  });
  readonly transactions = new Counter({
    name: 'eos_worker_transactions_total',
    help: 'Transactions by outcome',
    labelNames: ['pipeline', 'outcome'],
    registers: [this.registry],
  });
  readonly txDuration = new Histogram({
    name: 'eos_worker_transaction_duration_seconds',
    help: 'begin -> commit',
    labelNames: ['pipeline'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** Seconds the tasks' loops spent per step (`TransactionSteps`), committed transactions only. */
  readonly loopSeconds = new Counter({
    name: 'eos_worker_loop_seconds_total',
    help: 'Seconds the tasks spent per step of committed transactions: wait (for input), begin, transform, prepare (AddPartitionsToTxn/AddOffsetsToTxn), produce, commit',
    labelNames: ['pipeline', 'step'],
    registers: [this.registry],
  });
  readonly tasks = new Gauge({
    name: 'eos_worker_tasks',
    help: 'Tasks running on this worker',
    registers: [this.registry],
  });
  readonly connected = new Gauge({
    name: 'eos_worker_controller_connected',
    help: '1 while the controller session is up',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'eos_worker_' });
  }

  /** The runtime's task events, counted here. */
  tasksPort(): TaskMetrics {
    return {
      committed: (labels, c) => {
        this.recordsCommitted.inc(labels, c.records);
        if (c.deadLettered) this.deadLettered.inc(labels, c.deadLettered);
        this.transactions.inc({ pipeline: labels.pipeline, outcome: 'committed' });
        this.txDuration.observe({ pipeline: labels.pipeline }, c.durationMs / 1000);
        for (const [step, ms] of Object.entries(c.steps))
          this.loopSeconds.inc({ pipeline: labels.pipeline, step: step.replace(/Ms$/, '') }, ms / 1000);
      },
      aborted: (pipeline) => this.transactions.inc({ pipeline, outcome: 'aborted' }),
      transformRetried: (labels) => this.transformRetries.inc(labels),
      poisonRecord: (pipeline, reason) => this.poisonRecords.inc({ pipeline, reason }),
      tasksRunning: (count) => this.tasks.set(count),
    };
  }
}

/** `/metrics` (Prometheus) and `/healthz` on the worker's own port. Resolves with the bound port. */
export function startWorkerHttp(
  port: number,
  metrics: WorkerMetrics,
  health: () => object,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(health()));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      const bound = (server.address() as { port: number }).port;
      resolve({ port: bound, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
