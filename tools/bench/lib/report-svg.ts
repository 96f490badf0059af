/** The bench report's plots: throughput vs units, latency percentiles vs rate. */
import { OURS_ALO, OURS_EOS, PEER_EOS, tputOf, unitsOf, type BenchResults } from './report';
import { lineChart } from './svg';

/** Throughput vs workers/instances (ours EOS and at-least-once, the peer, the broker ceiling). */
export function throughputSvg(r: BenchResults): string {
  const units = unitsOf(r);
  const series = [OURS_EOS, OURS_ALO, PEER_EOS].map((s) => ({
    name: s,
    dashed: s === PEER_EOS,
    points: units.flatMap((u) => {
      const v = tputOf(r, s, u);
      return v === undefined ? [] : [[u, v] as [number, number]];
    }),
  }));
  if (r.ceiling)
    series.push({
      name: 'kafka-producer-perf-test',
      dashed: true,
      points: units.map((u) => [u, r.ceiling!.producerRecordsPerSec] as [number, number]),
    });
  return lineChart({
    title: 'Throughput vs processing units (identity, 6 partitions, 1 KB)',
    xLabel: 'workers / Streams instances',
    yLabel: 'records/s',
    xTicks: units,
    series,
  });
}

/** Latency percentiles vs input rate, ours and the peer. */
export function latencySvg(r: BenchResults): string {
  const series = [];
  for (const s of [OURS_EOS, PEER_EOS])
    for (const [k, label] of [
      ['p50Ms', 'p50'],
      ['p99Ms', 'p99'],
      ['p999Ms', 'p99.9'],
    ] as const)
      series.push({
        name: `${s === OURS_EOS ? 'eos-fleet' : 'Kafka Streams'} ${label}`,
        dashed: s === PEER_EOS,
        color: { p50Ms: '#2ca02c', p99Ms: '#1f77b4', p999Ms: '#d62728' }[k],
        points: r.latency.filter((x) => x.system === s).map((x) => [x.targetRate, x[k]] as [number, number]),
      });
  return lineChart({
    title: 'End-to-end latency vs input rate (exactly-once)',
    xLabel: 'input records/s',
    yLabel: 'latency ms (log scale)',
    logY: true,
    xTicks: [...new Set(r.latency.map((x) => x.targetRate))].sort((a, b) => a - b),
    series,
  });
}
