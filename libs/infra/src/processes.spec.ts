import { isAlive, waitFor } from './processes';

describe('processes', () => {
  it('isAlive knows this process and not a free pid', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(2 ** 22 + 12345)).toBe(false);
  });
  it('waitFor polls until the condition holds', async () => {
    let n = 0;
    await waitFor('n to reach 3', () => ++n >= 3, { intervalMs: 1 });
    expect(n).toBe(3);
  });
  it('waitFor names what it waited for on timeout', async () => {
    await expect(waitFor('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      /timed out after 20 ms waiting for never/,
    );
  });
});
