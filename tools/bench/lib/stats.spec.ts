import { pct } from './stats';

describe('pct', () => {
  it('takes the nearest rank', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(pct(xs, 50)).toBe(500);
    expect(pct(xs, 99)).toBe(990);
    expect(pct(xs, 99.9)).toBe(999);
    expect(pct([7], 99)).toBe(7);
    expect(pct([], 50)).toBeNaN();
  });
});
