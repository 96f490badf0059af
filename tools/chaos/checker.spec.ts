import { checkHistory, violationCount, type History, type SeenRecord } from './checker';

const t = (v: string) => `${v}|a`;

/** A clean run: 2 keys x 3 records on 2 partitions, output = input + '|a', everything committed. */
function clean(): History {
  const acked = [0, 1].flatMap((k) => [0, 1, 2].map((seq) => ({ key: `k${k}`, seq, value: `k${k}:${seq}` })));
  const committed: SeenRecord[] = acked.map((a, i) => ({
    partition: Number(a.key.slice(1)),
    offset: i % 3,
    key: a.key,
    value: t(a.value),
  }));
  return {
    acked,
    committed,
    uncommitted: committed.map((r) => ({ ...r })),
    transform: t,
    inputEnd: { 0: 3, 1: 3 },
    pipelineCommitted: { 0: 3, 1: 3 },
    outputStableEnd: { 0: 3, 1: 3 },
    outputHighWatermark: { 0: 3, 1: 3 },
    epochs: { 'p/0': [1, 2, 3] },
  };
}

describe('checkHistory', () => {
  it('passes a clean history', () => {
    expect(violationCount(checkHistory(clean()))).toBe(0);
  });

  it('catches a duplicate', () => {
    const h = clean();
    const dup = { ...h.committed[1]!, offset: 3 };
    h.committed.push(dup);
    h.uncommitted.push(dup);
    const v = checkHistory(h);
    expect(v.duplicates).toEqual(['k0:1 x2']);
    expect(v.orderViolations).toEqual(['k0: k0:1 after k0:2']); // the repeat arrives after seq 2
  });

  it('catches a loss', () => {
    const h = clean();
    h.committed = h.committed.filter((r) => r.value !== 'k1:2|a');
    expect(checkHistory(h).losses).toEqual(['k1:2']);
  });

  it('catches a reorder within a key', () => {
    const h = clean();
    // k0 seqs 1 and 2 swapped in the output partition.
    h.committed[1] = { ...h.committed[1]!, value: 'k0:2|a' };
    h.committed[2] = { ...h.committed[2]!, value: 'k0:1|a' };
    h.uncommitted = h.committed.map((r) => ({ ...r }));
    expect(checkHistory(h).orderViolations).toEqual(['k0: k0:1 after k0:2']);
  });

  it('catches an aborted record read as committed', () => {
    const h = clean();
    // The uncommitted reader saw an aborted record at 0@1 and the real one later; the committed
    // read returned the aborted value at 0@1.
    h.uncommitted[1] = { ...h.uncommitted[1]!, value: 'k0:1|a-aborted-attempt' };
    const v = checkHistory(h);
    expect(v.abortedVisible).toEqual(['0@1 k0:1|a']);
  });

  it('catches a hanging transaction and committed offsets short of the end', () => {
    const h = clean();
    h.outputHighWatermark[1] = 5; // records past the stable end: a transaction never finished
    h.pipelineCommitted[0] = 2;
    const v = checkHistory(h);
    expect(v.hangingTransactions).toEqual(['output partition 1: stable end 3 < high watermark 5']);
    expect(v.offsetMismatches).toEqual(['input partition 0: committed 2, end 3']);
  });

  it('catches a wrong output and a producer epoch going back', () => {
    const h = clean();
    h.committed[0] = { ...h.committed[0]!, value: 'k0:0|b' };
    h.uncommitted[0] = { ...h.committed[0] };
    h.epochs = { 'p/0': [3, 2] };
    const v = checkHistory(h);
    expect(v.mismatches).toEqual(['0@0 k0:0|b is no transform of an input']);
    expect(v.losses).toEqual(['k0:0']);
    expect(v.epochRegressions).toEqual(['p/0: epoch 2 after 3']);
  });

  describe('with the input topic as read', () => {
    /** k0 seqs 0..3 in input partition 0; seq 2's send was not acknowledged but landed. */
    function withInput(): History {
      const values = ['k0:0', 'k0:1', 'k0:2', 'k0:3'];
      const input = values.map((value, offset) => ({ partition: 0, offset, key: 'k0', value }));
      const committed = values.map((value, offset) => ({ partition: 0, offset, key: 'k0', value: t(value) }));
      return {
        acked: values
          .filter((x) => x !== 'k0:2')
          .map((value) => ({ key: 'k0', seq: Number(value[3]), value })),
        input,
        committed,
        uncommitted: committed.map((r) => ({ ...r })),
        transform: t,
        inputEnd: { 0: 4 },
        pipelineCommitted: { 0: 4 },
        outputStableEnd: { 0: 4 },
        outputHighWatermark: { 0: 4 },
      };
    }

    it('passes an unacknowledged input that landed and came out once', () => {
      expect(violationCount(checkHistory(withInput()))).toBe(0);
    });

    it('catches the loss of an unacknowledged input that is in the input topic', () => {
      const h = withInput();
      h.committed = h.committed.filter((r) => r.value !== 'k0:2|a');
      expect(checkHistory(h).losses).toEqual(['k0:2']);
    });

    it('catches an acknowledged input missing from the input topic', () => {
      const h = withInput();
      h.input = h.input!.filter((r) => r.value !== 'k0:1');
      h.committed = h.committed.filter((r) => r.value !== 'k0:1|a');
      expect(checkHistory(h).losses).toEqual(['k0:1 (acknowledged, not in the input topic)']);
    });

    it('judges order by the input topic, not by sequence numbers', () => {
      const h = withInput();
      // The input holds seq 3 before seq 2 (the unacknowledged send landed late): so must the output.
      h.input = ['k0:0', 'k0:1', 'k0:3', 'k0:2'].map((value, offset) => ({
        partition: 0,
        offset,
        key: 'k0',
        value,
      }));
      expect(violationCount(checkHistory(h))).toBe(1);
      expect(checkHistory(h).orderViolations).toEqual(['k0: k0:3 after k0:2']);
    });
  });
});
