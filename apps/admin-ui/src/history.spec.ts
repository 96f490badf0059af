import { status } from './spec-fixtures';
import { chartSeries, recordSamples } from './history';

describe('history and chart', () => {
  it('keeps one sample per refresh within the window and forgets deleted pipelines', () => {
    let h = recordSamples({}, [status('a', [10], 100), status('b', [1], 0)], 1_000, 10_000);
    h = recordSamples(h, [status('a', [20], 50)], 6_000, 10_000);
    expect(h).toEqual({
      a: [
        { at: 1_000, recordsPerSecond: 10, lag: 100 },
        { at: 6_000, recordsPerSecond: 20, lag: 50 },
      ],
    });
    h = recordSamples(h, [status('a', [30], 0)], 12_000, 10_000);
    expect(h['a']!.map((s) => s.at)).toEqual([6_000, 12_000]);
  });

  it('draws each series scaled to its own max over the window', () => {
    const samples = [
      { at: 0, recordsPerSecond: 0, lag: 10 },
      { at: 5_000, recordsPerSecond: 50, lag: 5 },
      { at: 10_000, recordsPerSecond: 100, lag: 0 },
    ];
    expect(chartSeries(samples, 'recordsPerSecond', 100, 50, 10_000)).toEqual({
      path: 'M0.0,50.0 L50.0,25.0 L100.0,0.0',
      max: 100,
      last: 100,
      spanMs: 10_000,
    });
    // A history shorter than the window fills the chart.
    expect(chartSeries(samples.slice(1), 'recordsPerSecond', 100, 50, 60_000)).toMatchObject({
      path: 'M0.0,25.0 L100.0,0.0',
      spanMs: 5_000,
    });
    expect(chartSeries(samples, 'lag', 100, 50, 10_000).path).toBe('M0.0,0.0 L50.0,25.0 L100.0,50.0');
    // All zero: a flat line on the bottom edge, not a division by zero.
    expect(chartSeries([{ at: 0, recordsPerSecond: 0, lag: 0 }], 'lag', 100, 50, 10_000).path).toBe(
      'M100.0,50.0',
    );
    expect(chartSeries([], 'lag', 100, 50).path).toBe('');
  });
});
