import { headline, renderMarkdown, type BenchResults } from './report';
import { throughputSvg } from './report-svg';

const results: BenchResults = {
  at: '2026-11-27T15:00:00.000Z',
  quick: true,
  machine: { cpus: 2, cpuModel: 'x', memGiB: 24, os: 'Linux', node: 'v20', java: 'openjdk 17', loadavg1m: 1 },
  config: {},
  command: 'npm run bench -- --quick',
  ceiling: {
    records: 1000,
    producerRecordsPerSec: 40_000,
    producerMBPerSec: 39,
    producerP99Ms: 100,
    consumerRecordsPerSec: 100_000,
    consumerMBPerSec: 97,
    commands: ['java ... ProducerPerformance', 'java ... ConsumerPerformance'],
  },
  throughput: [
    {
      system: 'eos-fleet exactly-once',
      units: 1,
      records: 1000,
      seconds: 1,
      recordsPerSec: 20_000,
      cpuMsPer1k: 30,
      brokerCpuMsPer1k: 4.25,
      peakRssMiB: [200],
      fillRecordsPerSec: 30_000,
    },
    {
      system: 'eos-fleet at-least-once',
      units: 1,
      records: 1000,
      seconds: 1,
      recordsPerSec: 25_000,
      cpuMsPer1k: 25,
      peakRssMiB: [190],
      fillRecordsPerSec: 30_000,
    },
    {
      system: 'Kafka Streams exactly-once',
      units: 1,
      records: 1000,
      seconds: 1,
      recordsPerSec: 16_000,
      cpuMsPer1k: 35,
      peakRssMiB: [300],
      fillRecordsPerSec: 30_000,
    },
  ],
  latency: [
    {
      system: 'eos-fleet exactly-once',
      units: 1,
      load: 0.5,
      targetRate: 10_000,
      achievedRate: 9_900,
      samples: 100,
      missing: 0,
      p50Ms: 150,
      p99Ms: 400,
      p999Ms: 500,
    },
  ],
  failover: [
    {
      system: 'Kafka Streams exactly-once',
      units: 3,
      rate: 2000,
      movedPartitionMs: [43_000, 44_000],
      medianMs: 43_000,
      maxMs: 44_000,
    },
  ],
  drain: { perTaskMs: [20, 30], wholeMs: [250] },
  errors: [],
};

describe('report', () => {
  it('quotes the ratios the issue asks for, n/a where a scenario is missing', () => {
    const h = Object.fromEntries(headline(results));
    expect(h['EOS / at-least-once throughput, 1 worker(s)']).toBe('0.80');
    expect(h['ours / Kafka Streams throughput (both EOS), 1 unit(s)']).toBe('1.25');
    expect(h['ours (best EOS) / broker ceiling (kafka-producer-perf-test)']).toBe('0.50');
    expect(h['latency p99 at 50% load, ours']).toBe('400 ms');
    expect(h['latency p99 at 50% load, Kafka Streams']).toBe('n/a ms');
    expect(h['failover median, Kafka Streams (defaults)']).toBe('43500 ms');
  });
  it('takes the median over rounds for the ratios', () => {
    const eos = results.throughput[0]!;
    const rounds = {
      ...results,
      throughput: [
        ...results.throughput,
        { ...eos, round: 2, recordsPerSec: 30_000 },
        { ...eos, round: 3, recordsPerSec: 10_000 },
      ],
    };
    expect(Object.fromEntries(headline(rounds))['EOS / at-least-once throughput, 1 worker(s)']).toBe('0.80');
  });
  it('lists the warm-up runs apart and leaves them out of the ratios', () => {
    const eos = results.throughput[0]!;
    const warm = { ...results, warmup: [{ ...eos, round: 1, recordsPerSec: 1_000 }] };
    expect(Object.fromEntries(headline(warm))['EOS / at-least-once throughput, 1 worker(s)']).toBe('0.80');
    const md = renderMarkdown(warm, 'bench');
    const at = md.indexOf('### Warm-up before round 1 (not counted)');
    expect(at).toBeGreaterThan(md.indexOf('### Throughput'));
    expect(md.slice(at)).toContain(
      '| eos-fleet exactly-once | 1 | 1 | 1,000 | 1.00 | 1,000 | 30.0 | 4.3 | 200 | 30,000 |',
    );
    expect(renderMarkdown(results, 'bench')).not.toContain('Warm-up');
  });
  it("quotes the controller restart, median and max, with each start's own account", () => {
    const md = renderMarkdown(
      {
        ...results,
        restart: {
          steadyMs: [700, 900, 800],
          servingMs: [600, 850, 700],
          starts: ['state from s (epoch 3) in 120 ms (Kafka check 40; process up 500 ms)'],
          rate: 1000,
        },
      },
      'bench',
    );
    expect(md).toContain(
      '| controller restart (SIGKILL -> all tasks processing, all workers active), median / max | 800 ms / 900 ms |',
    );
    expect(md).toContain('| SIGKILL -> every task PROCESSING, every worker ACTIVE | 3 | 800 | 900 |');
    expect(md).toContain('| of which: spawn -> serving gRPC (state loaded) | 3 | 700 | 850 |');
    expect(md).toContain('    state from s (epoch 3) in 120 ms (Kafka check 40; process up 500 ms)');
    // No restart measured: no row at all (not a made-up figure).
    expect(renderMarkdown(results, 'bench')).not.toContain('controller restart');
  });
  it('renders controller-scale.json as labelled figures and one row per phase', () => {
    const md = renderMarkdown(
      {
        ...results,
        controllerScale: {
          at: 'T',
          config: { workers: 10 },
          summary: { workers: 10, placeAllMs: 1372, controllerRssMiBPeak: 251 },
          phases: [
            {
              phase: 'place',
              seconds: 1.37,
              controllerCpuSec: 1.09,
              controllerCores: 0.79,
              rssMiBPeak: 174,
              tasks: 100,
            },
          ],
        },
      },
      'bench',
    );
    expect(md).toContain('| place every task (CreatePipeline x N -> all PROCESSING) | 1372 ms |');
    expect(md).toContain('| controller RSS, peak | 251 MiB |');
    expect(md).toContain('| place | 1.37 | 1.09 | 0.79 | 174 | tasks 100 |');
    expect(md).toContain('Config: `{"workers":10}`; run at T.');
  });
  it('renders the tables, the commands and a generic table for the controller-scale JSON', () => {
    const md = renderMarkdown({ ...results, controllerScale: { workers: 1000, p99AssignMs: 12 } }, 'bench');
    expect(md).toContain(
      '| eos-fleet exactly-once | 1 | 1 | 1,000 | 1.00 | 20,000 | 30.0 | 4.3 | 200 | 30,000 |',
    );
    // A broker the bench did not start has no CPU figure: the cell stays empty.
    expect(md).toContain(
      '| eos-fleet at-least-once | 1 | 1 | 1,000 | 1.00 | 25,000 | 25.0 |  | 190 | 30,000 |',
    );
    expect(md).toContain('    java ... ProducerPerformance');
    expect(md).toContain('| workers | 1000 |');
    expect(md).toContain('![throughput vs workers](bench/throughput.svg)');
    expect(throughputSvg(results).match(/<polyline /g)?.length ?? 0).toBe(0); // one point per series: markers only
  });
});
