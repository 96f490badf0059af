/**
 * The verdict: the output read back with kcat and Kafka's own tools (no kafkajs), checked against
 * what the workload had acknowledged, and the report with the faults' outcomes.
 */
import { kafkaPaths } from '@eos/infra';
import { readTopic, type ReadRecord } from '@eos/testing';
import { checkHistory, violationCount, type AckedInput, type Violations } from './checker';
import { GROUP, IN, OUT, PARTITIONS, SUFFIX, type ChaosOptions } from './options';
import { recoveryFigures, type ChaosReport, type FaultRecord } from './report';
import { FAULT_KINDS } from './schedule';
import { committedOffsets, dumpPartition, highWatermarks, openTransactionStarts } from './verify';

export interface VerdictInput {
  o: ChaosOptions;
  durationMs: number;
  faults: FaultRecord[];
  acked: AckedInput[];
  unacknowledged: number;
  /** Every ` fenced: ` line of the run's workers. */
  fencedLines: number;
}

/** Producer ids and epochs per output partition (one task writes each), markers per outcome. */
async function transactions(o: ChaosOptions) {
  const epochs: Record<string, number[]> = {};
  let commits = 0;
  let aborts = 0;
  let epochBumps = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const batches = await dumpPartition(kafkaPaths(o.kafka).logDirs, OUT, p);
    const pids = new Set<number>();
    for (const b of batches) {
      if (b.marker === 'COMMIT') commits++;
      if (b.marker === 'ABORT') aborts++;
      pids.add(b.producerId);
      const k = `task ${p} (producer ${b.producerId})`;
      const xs = (epochs[k] ??= []);
      if (xs[xs.length - 1] !== b.producerEpoch) xs.push(b.producerEpoch);
    }
    epochBumps += Math.max(0, pids.size - 1);
  }
  for (const xs of Object.values(epochs)) epochBumps += xs.length - 1;
  return { epochs, commits, aborts, epochBumps };
}

export async function verdict(v: VerdictInput): Promise<{ report: ChaosReport; violations: Violations }> {
  const plain = v.o.plain;
  const [input, committed, uncommitted] = await Promise.all([
    readTopic(IN, 'read_uncommitted', plain),
    readTopic(OUT, 'read_committed', plain),
    readTopic(OUT, 'read_uncommitted', plain),
  ]);
  const inputEnd = await highWatermarks(plain, IN);
  const outputHw = await highWatermarks(plain, OUT);
  const pipelineCommitted = await committedOffsets(plain, GROUP, IN);
  const open = await openTransactionStarts(plain, OUT, PARTITIONS);
  const outputStableEnd: Record<number, number> = {};
  for (const [p, hw] of Object.entries(outputHw)) outputStableEnd[Number(p)] = open[Number(p)] ?? hw;
  const tx = await transactions(v.o);

  const seen = (r: ReadRecord) => ({ partition: r.partition, offset: r.offset, key: r.key, value: r.value });
  const violations = checkHistory({
    acked: v.acked,
    input: input.map(seen),
    committed: committed.map(seen),
    uncommitted: uncommitted.map(seen),
    transform: (x) => `${x}${SUFFIX}`,
    inputEnd,
    pipelineCommitted,
    outputStableEnd,
    outputHighWatermark: outputHw,
    epochs: tx.epochs,
  });
  const byKind: ChaosReport['faultsByKind'] = {};
  for (const k of FAULT_KINDS) byKind[k] = { injected: 0, survived: 0 };
  for (const f of v.faults) {
    const c = byKind[f.kind] as { injected: number; survived: number };
    c.injected++;
    if (f.survived) c.survived++;
  }
  const counts = Object.fromEntries(Object.entries(violations).map(([k, xs]) => [k, xs.length])) as Record<
    keyof Violations,
    number
  >;
  const examples = Object.fromEntries(Object.entries(violations).map(([k, xs]) => [k, xs.slice(0, 10)]));
  const allSurvived = v.faults.every((f) => f.survived);
  const report: ChaosReport = {
    seed: v.o.seed,
    mode: v.o.quick ? 'quick' : 'full',
    durationMs: v.durationMs,
    records: {
      acked: v.acked.length,
      unacknowledged: v.unacknowledged,
      in: input.length,
      out: committed.length,
      uncommittedOut: uncommitted.length,
    },
    violations: counts,
    examples,
    faults: v.faults,
    faultsByKind: byKind,
    fencing: { fencedLogLines: v.fencedLines, epochBumps: tx.epochBumps },
    transactions: { committed: tx.commits, aborted: tx.aborts },
    throughput: { recordsPerSec: committed.length / (v.durationMs / 1000) },
    recovery: recoveryFigures(v.faults),
    passed: violationCount(violations) === 0 && allSurvived && v.faults.length > 0,
  };
  return { report, violations };
}
