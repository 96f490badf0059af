import { TtlCache } from './ttl-cache';

it('shares a read in flight and its result for the TTL, keeps no failure, and forgets on invalidate', async () => {
  let clock = 0;
  let reads = 0;
  const cache = new TtlCache<number>(1_000, () => clock);
  const load = async () => ++reads;
  const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
  expect([a, b, reads]).toEqual([1, 1, 1]);
  clock = 999;
  expect(await cache.get('k', load)).toBe(1);
  clock = 1_000;
  expect(await cache.get('k', load)).toBe(2);
  cache.invalidate('k');
  expect(await cache.get('k', load)).toBe(3);
  await expect(cache.get('bad', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
  expect(await cache.get('bad', load)).toBe(4);
});
