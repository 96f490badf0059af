/**
 * Test fixture: runs one EosTask in its own process against the real broker and prints its events
 * as JSON lines. Options come as JSON in argv[2]. Not part of the library.
 */
import { logLevel } from 'kafkajs';
import { RetriableTransformError, PoisonRecordError, type TransformFn } from '@eos/transforms';
import { FleetNames } from '@eos/fleet-names';
import { EosTask, createKafkaJsPort, type KafkaPort } from '../index';

interface FixtureOptions {
  brokers: string[];
  pipeline: string;
  taskIndex: number;
  inputTopic: string;
  outputTopic: string;
  deadLetterTopic?: string;
  partitions: number[];
  transform: 'suffix' | 'slow' | 'poison' | 'retriable-once';
  slowMs?: number;
  maxRecords?: number;
  transactionTimeoutMs?: number;
  /** Keeps each transaction open this long after its records are sent (a slow commit). */
  holdBeforeCommitMs?: number;
  /** The first write of records fails after they and the offsets were sent (an error between send and commit). */
  failSendOffsetsOnce?: boolean;
  /** Start paused and resume after this many ms. */
  resumeAfterMs?: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as FixtureOptions;
const names = new FleetNames();
const emit = (event: string, data: unknown = {}) =>
  process.stdout.write(`${JSON.stringify({ event, pid: process.pid, ...(data as object) })}\n`);

let retriableLeft = 1;
const suffix: TransformFn = (r) => ({ value: `${r.value?.toString()}|a` });
const transforms: Record<FixtureOptions['transform'], TransformFn> = {
  suffix,
  slow: async (r) => {
    await new Promise((res) => setTimeout(res, o.slowMs ?? 50));
    return suffix(r, { pipeline: o.pipeline, taskIndex: o.taskIndex });
  },
  poison: (r) => {
    if (r.value?.toString().includes('POISON')) throw new PoisonRecordError('poison value');
    return suffix(r, { pipeline: o.pipeline, taskIndex: o.taskIndex });
  },
  'retriable-once': (r) => {
    if (retriableLeft > 0 && Number(r.offset) >= 5) {
      retriableLeft--;
      throw new RetriableTransformError('injected retriable failure');
    }
    return suffix(r, { pipeline: o.pipeline, taskIndex: o.taskIndex });
  },
};

const kafka = createKafkaJsPort({
  brokers: o.brokers,
  clientId: `fixture-${process.pid}`,
  logLevel: logLevel.NOTHING,
});

/** Wraps the real port to open windows between send and commit, for crash and failure tests. */
function withFaults(port: KafkaPort): KafkaPort {
  let failOffsets = o.failSendOffsetsOnce ?? false;
  return {
    ...port,
    consume: (x) => port.consume(x),
    plainProducer: () => port.plainProducer(),
    committedOffsets: (g, t, p) => port.committedOffsets(g, t, p),
    stableCommittedOffsets: (g, t, p) => port.stableCommittedOffsets(g, t, p),
    earliestOffsets: (t, p) => port.earliestOffsets(t, p),
    partitionCount: (t) => port.partitionCount(t),
    close: () => port.close(),
    async transactionalProducer(opts) {
      const producer = await port.transactionalProducer(opts);
      return {
        close: () => producer.close(),
        settle: (x) => producer.settle(x),
        async begin() {
          const tx = await producer.begin();
          return {
            async write(records, offs) {
              await tx.write(records, offs);
              emit('sent', { records: records.length });
              if (failOffsets && records.length > 0) {
                failOffsets = false;
                throw new Error('injected failure between send and commit');
              }
            },
            async commit() {
              if (o.holdBeforeCommitMs) await new Promise((r) => setTimeout(r, o.holdBeforeCommitMs));
              await tx.commit();
            },
            abort: () => tx.abort(),
          };
        },
      };
    },
  };
}
const task = new EosTask({
  pipeline: o.pipeline,
  taskIndex: o.taskIndex,
  inputTopic: o.inputTopic,
  partitions: o.partitions,
  outputTopic: o.outputTopic,
  deadLetterTopic: o.deadLetterTopic,
  transactionalId: names.transactionalId(o.pipeline, o.taskIndex),
  consumerGroup: names.pipelineGroup(o.pipeline),
  transform: transforms[o.transform],
  transformId: `${o.transform}@1`,
  kafka: withFaults(kafka),
  startPaused: o.resumeAfterMs !== undefined,
  batching: { maxRecords: o.maxRecords ?? 500, lingerMs: 50 },
  transactionTimeoutMs: o.transactionTimeoutMs ?? 10_000,
  retry: { initialMs: 100, maxMs: 1_000 },
});
task.on('state', (s) => emit('state', { state: s }));
task.on('started', (s) => emit('started', { offsets: Object.fromEntries(s.offsets) }));
task.on('committed', (c) =>
  emit('committed', {
    offsets: Object.fromEntries(c.offsets),
    records: c.records,
    deadLettered: c.deadLettered,
  }),
);
task.on('aborted', (a) => emit('aborted', a));
task.on('fenced', (f) => emit('fenced', f));
task.on('failed', (f) => emit('failed', f));

process.on('SIGTERM', () => {
  void task.stop({ graceful: true }).then(async () => {
    await kafka.close();
    emit('exit');
    process.exit(0);
  });
});
void task.start().then(() => {
  if (o.resumeAfterMs !== undefined) setTimeout(() => task.resume(), o.resumeAfterMs);
});
void task.done().then(async (outcome) => {
  emit('done', { kind: outcome.kind });
  if (outcome.kind !== 'stopped') {
    await kafka.close();
    process.exit(outcome.kind === 'fenced' ? 3 : 4);
  }
});
