/** The results of `npm run bench` as Markdown tables and SVG plots. */
import { dec, int, mdTable, ratio } from './markdown';
import type { DrainResult } from './drain';
import type { CeilingResult, FailoverResult, LatencyResult, ThroughputResult } from './scenarios';
import { lineChart } from './svg';
import { median } from './stats';

export interface BenchResults {
  at: string;
  quick: boolean;
  durationSec?: number;
  machine: Record<string, string | number>;
  config: Record<string, unknown>;
  command: string;
  ceiling?: CeilingResult;
  throughput: ThroughputResult[];
  latency: LatencyResult[];
  failover: FailoverResult[];
  drain?: DrainResult;
  /** tools/bench/results/controller-scale.json, as tools/bench/controller-scale.ts wrote it. */
  controllerScale?: unknown;
  errors: string[];
}

export const OURS_EOS = 'eos-fleet exactly-once';
export const OURS_ALO = 'eos-fleet at-least-once';
export const PEER_EOS = 'Kafka Streams exactly-once';

const tput = (r: BenchResults, system: string, units: number) =>
  r.throughput.find((x) => x.system === system && x.units === units);

/** Our best exactly-once throughput and the worker count it came from. */
export function ourMax(r: BenchResults): { rate: number; units: number } | undefined {
  const best = r.throughput
    .filter((x) => x.system === OURS_EOS)
    .sort((a, b) => b.recordsPerSec - a.recordsPerSec)[0];
  return best ? { rate: best.recordsPerSec, units: best.units } : undefined;
}

/** The figures the issue asks to quote, each a ratio or a time taken in this run. */
export function headline(r: BenchResults): Array<[string, string]> {
  const units = [...new Set(r.throughput.map((x) => x.units))].sort();
  const max = ourMax(r);
  const peerBest = r.throughput
    .filter((x) => x.system === PEER_EOS)
    .sort((a, b) => b.recordsPerSec - a.recordsPerSec)[0];
  const lat = (system: string) => r.latency.find((x) => x.system === system && x.load === 0.5);
  const fo = (system: string) => r.failover.find((x) => x.system === system);
  const rows: Array<[string, string]> = [];
  for (const u of units)
    rows.push([
      `EOS / at-least-once throughput, ${u} worker(s)`,
      ratio(tput(r, OURS_EOS, u)?.recordsPerSec, tput(r, OURS_ALO, u)?.recordsPerSec),
    ]);
  for (const u of units)
    rows.push([
      `ours / Kafka Streams throughput (both EOS), ${u} unit(s)`,
      ratio(tput(r, OURS_EOS, u)?.recordsPerSec, tput(r, PEER_EOS, u)?.recordsPerSec),
    ]);
  rows.push([
    `ours (best, ${max?.units ?? '?'} workers) / Kafka Streams (best, ${peerBest?.units ?? '?'} instances)`,
    ratio(max?.rate, peerBest?.recordsPerSec),
  ]);
  rows.push([
    'ours (best EOS) / broker ceiling (kafka-producer-perf-test)',
    ratio(max?.rate, r.ceiling?.producerRecordsPerSec),
  ]);
  rows.push([
    'ours (best EOS) / kafka-consumer-perf-test',
    ratio(max?.rate, r.ceiling?.consumerRecordsPerSec),
  ]);
  rows.push(['latency p99 at 50% load, ours', `${dec(lat(OURS_EOS)?.p99Ms, 0)} ms`]);
  rows.push(['latency p99 at 50% load, Kafka Streams', `${dec(lat(PEER_EOS)?.p99Ms, 0)} ms`]);
  rows.push([
    'failover median (SIGKILL -> first output of a moved partition), ours',
    `${dec(fo(OURS_EOS)?.medianMs, 0)} ms`,
  ]);
  rows.push(['failover median, Kafka Streams (defaults)', `${dec(fo(PEER_EOS)?.medianMs, 0)} ms`]);
  if (r.drain)
    rows.push([
      'drain of a worker with 4 tasks: whole (median) / per task (median)',
      `${dec(median(r.drain.wholeMs), 0)} ms / ${dec(median(r.drain.perTaskMs), 0)} ms`,
    ]);
  return rows;
}

function scaleSection(v: unknown): string {
  if (v === undefined)
    return 'Not run: `tools/bench/controller-scale.ts` is not in this checkout (or wrote no `tools/bench/results/controller-scale.json`).';
  const o = v as Record<string, unknown>;
  const rows = Array.isArray(o['rows'])
    ? (o['rows'] as Array<Record<string, unknown>>)
    : Array.isArray(v)
      ? (v as Array<Record<string, unknown>>)
      : undefined;
  if (rows && rows.length && typeof rows[0] === 'object') {
    const headers = [...new Set(rows.flatMap((x) => Object.keys(x)))];
    return mdTable(
      headers,
      rows.map((x) => headers.map((h) => fmtCell(x[h]))),
    );
  }
  return mdTable(
    ['figure', 'value'],
    Object.entries(o).map(([k, x]) => [k, fmtCell(x)]),
  );
}

const fmtCell = (x: unknown): string =>
  x === undefined || x === null
    ? ''
    : typeof x === 'string'
      ? x
      : typeof x === 'object'
        ? `\`${JSON.stringify(x)}\``
        : JSON.stringify(x);

/** The Markdown report: headline ratios, then one table per scenario, with the commands. */
export function renderMarkdown(r: BenchResults, svgDir: string): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `Run ${r.at}${r.quick ? ' (quick mode)' : ''}${r.durationSec ? `, ${Math.round(r.durationSec)} s` : ''}: \`${r.command}\`. ` +
      `Machine: ${m['cpus']} cores (${m['cpuModel']}), ${m['memGiB']} GiB, ${m['os']}; Node ${m['node']}; ${m['java']}; ` +
      `1-min load average at start ${m['loadavg1m']}.`,
    '',
    '### Headline (ratios in one run)',
    '',
    mdTable(['figure', 'value'], headline(r)),
    '',
  );
  if (r.ceiling) {
    const c = r.ceiling;
    out.push(
      '### Broker ceiling (Kafka perf tools, 6 partitions, 1 KB, acks=all)',
      '',
      mdTable(
        ['tool', 'records', 'records/s', 'MB/s', 'p99 ms'],
        [
          [
            'kafka-producer-perf-test',
            int(c.records),
            int(c.producerRecordsPerSec),
            dec(c.producerMBPerSec),
            int(c.producerP99Ms),
          ],
          [
            'kafka-consumer-perf-test',
            int(c.records),
            int(c.consumerRecordsPerSec),
            dec(c.consumerMBPerSec),
            '',
          ],
        ],
      ),
      '',
      ...c.commands.map((x) => `    ${x}`),
      '',
    );
  }
  if (r.throughput.length) {
    out.push(
      '### Throughput: identity, 6 partitions, 1 KB values (produce -> committed output)',
      '',
      mdTable(
        [
          'system',
          'units',
          'records',
          'seconds',
          'records/s',
          'CPU ms / 1k records',
          'peak RSS per unit MiB',
          'input written (before) at records/s',
        ],
        r.throughput.map((x) => [
          x.system,
          x.units,
          int(x.records),
          dec(x.seconds, 2),
          int(x.recordsPerSec),
          dec(x.cpuMsPer1k),
          x.peakRssMiB.join(', '),
          int(x.fillRecordsPerSec),
        ]),
      ),
      '',
      `![throughput vs workers](${svgDir}/throughput.svg)`,
      '',
    );
  }
  if (r.latency.length) {
    out.push(
      '### End-to-end latency at fixed input rates (share of our max exactly-once throughput)',
      '',
      mdTable(
        [
          'system',
          'units',
          'load',
          'target rec/s',
          'achieved rec/s',
          'samples',
          'not read',
          'p50 ms',
          'p99 ms',
          'p999 ms',
        ],
        r.latency.map((x) => [
          x.system,
          x.units,
          `${Math.round(x.load * 100)}%`,
          int(x.targetRate),
          int(x.achievedRate),
          int(x.samples),
          int(x.missing),
          dec(x.p50Ms, 0),
          dec(x.p99Ms, 0),
          dec(x.p999Ms, 0),
        ]),
      ),
      '',
      `![latency percentiles vs rate](${svgDir}/latency.svg)`,
      '',
    );
  }
  if (r.failover.length) {
    out.push(
      '### Failover: SIGKILL of the unit with the most partitions -> first output record (read_committed) produced after the kill, per moved partition',
      '',
      mdTable(
        ['system', 'units', 'input rec/s', 'moved partitions', 'median ms', 'max ms', 'all ms'],
        r.failover.map((x) => [
          x.system,
          x.units,
          int(x.rate),
          x.movedPartitionMs.length,
          dec(x.medianMs, 0),
          dec(x.maxMs, 0),
          x.movedPartitionMs.join(', '),
        ]),
      ),
      '',
    );
  }
  if (r.drain) {
    const d = r.drain;
    out.push(
      '### Drain of a worker with 4 tasks under load (8 partitions, 2 workers)',
      '',
      mdTable(
        ['measure', 'runs / tasks', 'median ms', 'max ms'],
        [
          [
            'DrainWorker -> worker exit 0',
            d.wholeMs.length,
            dec(median(d.wholeMs), 0),
            dec(Math.max(...d.wholeMs), 0),
          ],
          [
            'per task: revoke -> committed and released',
            d.perTaskMs.length,
            dec(median(d.perTaskMs), 0),
            dec(Math.max(...d.perTaskMs), 0),
          ],
        ],
      ),
      '',
    );
  }
  out.push('### Controller scale (tools/bench/controller-scale.ts)', '', scaleSection(r.controllerScale), '');
  if (r.errors.length) out.push('### Scenarios that failed', '', ...r.errors.map((e) => `- ${e}`), '');
  return out.join('\n');
}

/** Throughput vs workers/instances (ours EOS and at-least-once, the peer, the broker ceiling). */
export function throughputSvg(r: BenchResults): string {
  const units = [...new Set(r.throughput.map((x) => x.units))].sort();
  const series = [OURS_EOS, OURS_ALO, PEER_EOS].map((s) => ({
    name: s,
    dashed: s === PEER_EOS,
    points: r.throughput
      .filter((x) => x.system === s)
      .map((x) => [x.units, x.recordsPerSec] as [number, number]),
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
