import { lineChart, niceStep } from './svg';

describe('lineChart', () => {
  it('draws one polyline and a legend entry per series, with the given x ticks', () => {
    const svg = lineChart({
      title: 'T <&>',
      xLabel: 'workers',
      yLabel: 'records/s',
      xTicks: [1, 2, 3],
      series: [
        {
          name: 'ours',
          points: [
            [1, 10_000],
            [2, 18_000],
            [3, 25_000],
          ],
        },
        {
          name: 'peer',
          dashed: true,
          points: [
            [1, 9_000],
            [2, 15_000],
            [3, 20_000],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('T &lt;&amp;&gt;');
    expect(svg).toContain('>ours</text>');
    expect(svg).toContain('>25k</text>'); // y axis reaches the largest value
  });

  it('puts points on a log axis and skips values it cannot draw', () => {
    const svg = lineChart({
      title: 'latency',
      xLabel: 'rate',
      yLabel: 'ms',
      logY: true,
      series: [
        {
          name: 'p99',
          points: [
            [100, 5],
            [200, 500],
            [300, NaN],
          ],
        },
      ],
    });
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('>1k</text>');
  });
});

describe('niceStep', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10)).toBe(2);
    expect(niceStep(23_000)).toBe(5_000);
    expect(niceStep(0)).toBe(1);
  });
});
