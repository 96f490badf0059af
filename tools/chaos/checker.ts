/**
 * The chaos harness's invariant checker (issue #8 groundwork): a pure function over what an
 * independent reader saw (kcat, read_committed and read_uncommitted) and what the workload's
 * producer had acknowledged. It knows nothing of kafkajs or of the system under test.
 */

/** An input the workload producer got an acknowledgement for. Values are `k<key>:<seq>`. */
export interface AckedInput {
  key: string;
  seq: number;
  value: string;
}

/** A record as a reader saw it. */
export interface SeenRecord {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

export interface History {
  acked: AckedInput[];
  /** The output read with isolation.level=read_committed. */
  committed: SeenRecord[];
  /** The output read with isolation.level=read_uncommitted. */
  uncommitted: SeenRecord[];
  /** What each input must become in the output. */
  transform: (inputValue: string) => string;
  /** Input end offsets and the pipeline's committed offsets at the end, per partition. */
  inputEnd: Record<number, number>;
  pipelineCommitted: Record<number, number>;
  /** Output end positions at the end, per partition: last stable offset vs high watermark. */
  outputStableEnd: Record<number, number>;
  outputHighWatermark: Record<number, number>;
  /** Producer epochs observed per task, in time order. */
  epochs?: Record<string, number[]>;
}

export interface Violations {
  losses: string[];
  duplicates: string[];
  orderViolations: string[];
  mismatches: string[];
  abortedVisible: string[];
  hangingTransactions: string[];
  offsetMismatches: string[];
  epochRegressions: string[];
}

export const violationCount = (v: Violations) =>
  Object.values(v).reduce((n, xs: string[]) => n + xs.length, 0);

/** Checks every invariant; an empty report means the run was exactly once. */
export function checkHistory(h: History): Violations {
  const v: Violations = {
    losses: [],
    duplicates: [],
    orderViolations: [],
    mismatches: [],
    abortedVisible: [],
    hangingTransactions: [],
    offsetMismatches: [],
    epochRegressions: [],
  };
  const expected = new Map<string, AckedInput>();
  for (const a of h.acked) expected.set(h.transform(a.value), a);
  const counts = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const byPartitionOffset = new Map(h.uncommitted.map((r) => [`${r.partition}@${r.offset}`, r]));

  for (const r of [...h.committed].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    // A committed record must be the very record an uncommitted reader sees at that position.
    const u = byPartitionOffset.get(`${r.partition}@${r.offset}`);
    if (!u || u.value !== r.value) v.abortedVisible.push(`${r.partition}@${r.offset} ${r.value}`);
    const src = expected.get(r.value);
    if (!src) {
      v.mismatches.push(`${r.partition}@${r.offset} ${r.value} is no transform of an acknowledged input`);
      continue;
    }
    if (r.key !== src.key)
      v.mismatches.push(`${r.partition}@${r.offset} ${r.value}: key ${r.key}, input key ${src.key}`);
    counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    // Per key, sequences come in order with no repeat (a gap shows up as a loss below).
    const prev = lastSeq.get(src.key);
    if (prev !== undefined && src.seq <= prev)
      v.orderViolations.push(`${src.key}: seq ${src.seq} after ${prev}`);
    lastSeq.set(src.key, Math.max(prev ?? -1, src.seq));
  }
  for (const [out, a] of expected) {
    const n = counts.get(out) ?? 0;
    if (n === 0) v.losses.push(a.value);
    else if (n > 1) v.duplicates.push(`${a.value} x${n}`);
  }
  for (const [p, end] of Object.entries(h.inputEnd)) {
    const c = h.pipelineCommitted[Number(p)] ?? -1;
    if (c !== end) v.offsetMismatches.push(`input partition ${p}: committed ${c}, end ${end}`);
  }
  for (const [p, hw] of Object.entries(h.outputHighWatermark)) {
    const lso = h.outputStableEnd[Number(p)] ?? hw;
    if (lso < hw)
      v.hangingTransactions.push(`output partition ${p}: stable end ${lso} < high watermark ${hw}`);
  }
  for (const [task, epochs] of Object.entries(h.epochs ?? {})) {
    for (let i = 1; i < epochs.length; i++) {
      if ((epochs[i] as number) < (epochs[i - 1] as number))
        v.epochRegressions.push(`${task}: epoch ${epochs[i]} after ${epochs[i - 1]}`);
    }
  }
  return v;
}
