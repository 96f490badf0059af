import { FAULT_KINDS, planFaults, rng } from './schedule';

const base = { leaseMs: 3_000, transactionTimeoutMs: 6_000 };

describe('planFaults', () => {
  it('is the same plan for the same seed, another for another seed', () => {
    const a = planFaults({ seed: 7, budgetMs: 600_000, ...base });
    expect(planFaults({ seed: 7, budgetMs: 600_000, ...base })).toEqual(a);
    expect(planFaults({ seed: 8, budgetMs: 600_000, ...base })).not.toEqual(a);
  });

  it('has every kind at least once, even with no budget', () => {
    for (const seed of [1, 2, 3]) {
      const kinds = new Set(planFaults({ seed, budgetMs: 0, ...base }).map((f) => f.kind));
      expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    }
  });

  it('keeps gaps in range and holds a zombie past the lease and the transaction timeout', () => {
    const plan = planFaults({ seed: 3, budgetMs: 1_800_000, gapMs: [5_000, 15_000], ...base });
    expect(plan.length).toBeGreaterThan(FAULT_KINDS.length);
    for (const f of plan) {
      expect(f.gapMs).toBeGreaterThanOrEqual(5_000);
      expect(f.gapMs).toBeLessThanOrEqual(15_000);
      if (f.kind === 'worker-zombie') expect(f.holdMs).toBeGreaterThan(6_000);
    }
  });
});

describe('rng', () => {
  it('is deterministic and in [0, 1)', () => {
    const a = rng(42);
    const b = rng(42);
    for (let i = 0; i < 100; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
