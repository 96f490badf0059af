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
  /** What the workload producer got an acknowledgement for. */
  acked: AckedInput[];
  /**
   * The input topic as an independent reader saw it. Records whose send was not acknowledged
   * (the outcome was unknown) may or may not be there; whatever is there must come out exactly
   * once, and per key in the input's order. Without it, the acknowledged inputs stand in.
   */
  input?: SeenRecord[];
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
  // Per input value: its key and its rank among that key's inputs, in input offset order.
  const input =
    h.input ??
    h.acked.map((a, i) => ({ partition: 0, offset: i, key: a.key, value: a.value }) satisfies SeenRecord);
  const expected = new Map<string, { key: string; value: string; rank: number; copies: number }>();
  const perKey = new Map<string, number>();
  for (const r of [...input].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const out = h.transform(r.value);
    const e = expected.get(out);
    if (e) {
      e.copies++; // the input itself holds it twice: so may the output
      continue;
    }
    const rank = perKey.get(r.key) ?? 0;
    perKey.set(r.key, rank + 1);
    expected.set(out, { key: r.key, value: r.value, rank, copies: 1 });
  }
  const inInput = new Set(input.map((r) => r.value));
  for (const a of h.acked) {
    if (!inInput.has(a.value)) v.losses.push(`${a.value} (acknowledged, not in the input topic)`);
  }
  const counts = new Map<string, number>();
  const lastRank = new Map<string, { rank: number; value: string }>();
  const byPartitionOffset = new Map(h.uncommitted.map((r) => [`${r.partition}@${r.offset}`, r]));

  for (const r of [...h.committed].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    // A committed record must be the very record an uncommitted reader sees at that position.
    const u = byPartitionOffset.get(`${r.partition}@${r.offset}`);
    if (!u || u.value !== r.value) v.abortedVisible.push(`${r.partition}@${r.offset} ${r.value}`);
    const src = expected.get(r.value);
    if (!src) {
      v.mismatches.push(`${r.partition}@${r.offset} ${r.value} is no transform of an input`);
      continue;
    }
    if (r.key !== src.key)
      v.mismatches.push(`${r.partition}@${r.offset} ${r.value}: key ${r.key}, input key ${src.key}`);
    counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    // Per key, outputs come in the input's order with no repeat (a gap shows up as a loss below).
    const prev = lastRank.get(src.key);
    if (prev !== undefined && src.rank <= prev.rank)
      v.orderViolations.push(`${src.key}: ${src.value} after ${prev.value}`);
    if (prev === undefined || src.rank > prev.rank)
      lastRank.set(src.key, { rank: src.rank, value: src.value });
  }
  for (const [out, e] of expected) {
    const n = counts.get(out) ?? 0;
    if (n < e.copies) v.losses.push(e.value);
    else if (n > e.copies) v.duplicates.push(`${e.value} x${n}`);
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
