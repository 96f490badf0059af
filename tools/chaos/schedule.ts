/** The seeded fault plan: which fault, on what, when, held how long. Pure: same seed, same plan. */

export const FAULT_KINDS = [
  'worker-kill',
  'worker-term',
  'worker-zombie',
  'controller-kill',
  'broker-kill',
  'redis-kill',
  'net-cut',
  'net-blackhole',
  'net-delay',
  'net-reset',
  'drain',
  'rollout',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  kind: FaultKind;
  /** Seconds after the previous fault's heal (or the start of the faults) that this one begins. */
  gapMs: number;
  /** How long the fault is held before it is healed. */
  holdMs: number;
  /** Index into the targets of its kind (worker, or network link), taken modulo their number. */
  target: number;
  /** net-delay only: latency and jitter. */
  latencyMs?: number;
  jitterMs?: number;
}

/** mulberry32: a small seeded PRNG (deterministic across platforms). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlanOptions {
  seed: number;
  /** Plan faults whose start falls within this budget (gaps and holds summed); at least one of every kind. */
  budgetMs: number;
  /** Gap between faults. @default [5000, 15000] */
  gapMs?: [number, number];
  /** A zombie (SIGSTOP) must be held past both of these. */
  leaseMs: number;
  transactionTimeoutMs: number;
}

/**
 * Every kind once in a seeded order, then seeded random kinds until the budget is spent. Holds
 * are drawn per kind: kills 1-3 s, network faults 2-6 s, a zombie past the lease and the
 * transaction timeout, drains 0.3-3 s (undrain may land mid-drain); a rollout is held until it finishes (its hold is a cap).
 */
export function planFaults(o: PlanOptions): PlannedFault[] {
  const r = rng(o.seed);
  const [gMin, gMax] = o.gapMs ?? [5_000, 15_000];
  const between = (a: number, b: number) => Math.round(a + r() * (b - a));
  const kinds: FaultKind[] = [...FAULT_KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as FaultKind, kinds[i] as FaultKind];
  }
  const plan: PlannedFault[] = [];
  let spent = 0;
  for (let i = 0; ; i++) {
    const kind =
      i < kinds.length
        ? (kinds[i] as FaultKind)
        : (FAULT_KINDS[Math.floor(r() * FAULT_KINDS.length)] as FaultKind);
    const f: PlannedFault = { kind, gapMs: between(gMin, gMax), holdMs: 0, target: Math.floor(r() * 1_000) };
    switch (kind) {
      case 'worker-kill':
      case 'controller-kill':
      case 'broker-kill':
      case 'redis-kill':
        f.holdMs = between(1_000, 3_000);
        break;
      case 'worker-zombie':
        f.holdMs = Math.max(o.leaseMs, o.transactionTimeoutMs) + between(1_000, 3_000);
        break;
      case 'net-cut':
      case 'net-blackhole':
        f.holdMs = between(2_000, 6_000);
        break;
      case 'net-delay':
        f.holdMs = between(3_000, 8_000);
        f.latencyMs = between(50, 400);
        f.jitterMs = Math.round(f.latencyMs / 2);
        break;
      case 'net-reset':
        f.holdMs = 0;
        break;
      case 'drain':
        f.holdMs = between(300, 3_000); // short ones undrain mid-drain
        break;
      case 'rollout':
        f.holdMs = 60_000;
        break;
    }
    if (i >= kinds.length && spent + f.gapMs > o.budgetMs) break;
    // A rollout's hold is a cap, not a plan: count a typical one.
    spent += f.gapMs + (kind === 'rollout' ? 10_000 : f.holdMs);
    plan.push(f);
  }
  return plan;
}
