import { formatAgo, formatDeadline, formatDuration, formatNumber, formatRate } from './format';

it('formats numbers for people', () => {
  expect(formatNumber(0)).toBe('0');
  expect(formatNumber(7)).toBe('7');
  expect(formatNumber(7.25)).toBe('7.3');
  expect(formatNumber(950)).toBe('950');
  expect(formatNumber(999.4)).toBe('999');
  expect(formatNumber(999.6)).toBe('1k');
  expect(formatNumber(99_960)).toBe('100k');
  expect(formatNumber(1234)).toBe('1.2k');
  expect(formatNumber(12_345)).toBe('12.3k');
  expect(formatNumber(123_456)).toBe('123k');
  expect(formatNumber(999_960)).toBe('1M');
  expect(formatNumber(3_400_000)).toBe('3.4M');
  expect(formatNumber(2e9)).toBe('2G');
  expect(formatNumber(undefined)).toBe('0');
  expect(formatNumber(-5)).toBe('0');
  expect(formatNumber(Number.NaN)).toBe('0');
  expect(formatRate(1200)).toBe('1.2k rec/s');
  expect(formatRate(3, 'commits/s')).toBe('3 commits/s');
});

it('formats times relative to now', () => {
  const now = 1_000_000_000;
  expect(formatAgo(undefined, now)).toBe('never');
  expect(formatAgo(0, now)).toBe('never');
  expect(formatAgo(now - 400, now)).toBe('just now');
  expect(formatAgo(now - 3_000, now)).toBe('3 s ago');
  expect(formatAgo(now - 59_999, now)).toBe('59 s ago');
  expect(formatAgo(now - 5 * 60_000, now)).toBe('5 min ago');
  expect(formatAgo(now - 2 * 3_600_000, now)).toBe('2 h ago');
  expect(formatAgo(now - 3 * 86_400_000, now)).toBe('3 d ago');
  // A clock slightly ahead of ours still reads sensibly.
  expect(formatAgo(now + 500, now)).toBe('just now');
});

it('formats durations and deadlines', () => {
  expect(formatDuration(850)).toBe('850 ms');
  expect(formatDuration(3_210)).toBe('3.2 s');
  expect(formatDuration(3_000)).toBe('3 s');
  expect(formatDuration(125_000)).toBe('2 min 5 s');
  expect(formatDuration(120_000)).toBe('2 min');
  expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  expect(formatDuration(-5)).toBe('0 ms');
  expect(formatDeadline(12_000, 0)).toBe('in 12 s');
  expect(formatDeadline(0, 2_500)).toBe('2.5 s late');
});
