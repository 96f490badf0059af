import { transactionRetry } from './transactions';

/** The waits kafkajs's retrier takes with these settings, without its ±20% jitter. */
function schedule(o: ReturnType<typeof transactionRetry>): number[] {
  const waits: number[] = [];
  let wait = o.initialRetryTime as number;
  for (let i = 0; i < (o.retries as number); i++) {
    waits.push(wait);
    wait = Math.min(wait * (o.multiplier as number), o.maxRetryTime as number);
  }
  return waits;
}

describe('transactionRetry', () => {
  it('retries CONCURRENT_TRANSACTIONS 2 ms apart at first, never more than maxRetryTime apart', () => {
    const waits = schedule(transactionRetry({ patienceMs: 4_500, maxRetryTime: 100 }));
    expect(waits[0]).toBe(2);
    expect(Math.max(...waits)).toBe(100);
    // Waiting for an abort that takes 700 ms costs at most one wait (100 ms) more, not 560 ms more
    // as doubling from 20 ms did (20 + 40 + ... + 640 = 1,260 ms).
    let t = 0;
    for (const w of waits) if ((t += w) >= 700) break;
    expect(t).toBeLessThan(800);
  });

  it('keeps the patience asked for overall', () => {
    for (const [patienceMs, maxRetryTime] of [
      [4_500, 100],
      [60_000, 1_000],
    ] as const) {
      const total = schedule(transactionRetry({ patienceMs, maxRetryTime })).reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(patienceMs);
      expect(total).toBeLessThan(patienceMs + maxRetryTime);
    }
  });
});
