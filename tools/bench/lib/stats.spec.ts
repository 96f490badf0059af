import { median, pct } from './stats';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

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
