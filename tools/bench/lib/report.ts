/** The results of `npm run bench` as Markdown tables and SVG plots. */
import { dec, int, mdTable, ratio } from './markdown';
import type { DrainResult } from './drain';
import { LOOP_STEPS } from './loop-metrics';
import type { RestartResult } from './restart';
import type { RolloutResult } from './rollout';
import type { CeilingResult, FailoverResult, LatencyResult, ThroughputResult } from './scenarios';
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
  /** `--warmup`: throughput runs before round 1, every system once per warm-up round; not counted. */
  warmup?: ThroughputResult[];
  latency: LatencyResult[];
  failover: FailoverResult[];
  drain?: DrainResult;
  rollout?: RolloutResult;
  restart?: RestartResult;
  /** tools/bench/results/controller-scale.json, as tools/bench/controller-scale.ts wrote it. */
  controllerScale?: unknown;
  errors: string[];
}

export const OURS_EOS = 'eos-fleet exactly-once';
export const OURS_ALO = 'eos-fleet at-least-once';
export const PEER_EOS = 'Kafka Streams exactly-once';

/** Records/s of a system at a unit count: the median over the rounds (`--rounds`). */
export function tputOf(r: BenchResults, system: string, units: number): number | undefined {
  const xs = r.throughput.filter((x) => x.system === system && x.units === units).map((x) => x.recordsPerSec);
  return xs.length ? median(xs) : undefined;
}

export const unitsOf = (r: BenchResults) =>
  [...new Set(r.throughput.map((x) => x.units))].sort((a, b) => a - b);

/** A system's best records/s over the unit counts (medians over rounds), and that unit count. */
function best(r: BenchResults, system: string): { rate: number; units: number } | undefined {
  let out: { rate: number; units: number } | undefined;
  for (const u of unitsOf(r)) {
    const rate = tputOf(r, system, u);
    if (rate !== undefined && (!out || rate > out.rate)) out = { rate, units: u };
  }
  return out;
}

/** Our best exactly-once throughput and the worker count it came from. */
export const ourMax = (r: BenchResults) => best(r, OURS_EOS);

/** The figures the issue asks to quote, each a ratio or a time taken in this run. */
export function headline(r: BenchResults): Array<[string, string]> {
  const units = unitsOf(r);
  const max = ourMax(r);
  const peerBest = best(r, PEER_EOS);
  const lat = (system: string) => r.latency.find((x) => x.system === system && x.load === 0.5);
  const fo = (system: string) => r.failover.find((x) => x.system === system);
  const foMedian = (system: string) => {
    const f = fo(system);
    return f ? median(f.movedPartitionMs) : undefined;
  };
  const rows: Array<[string, string]> = [];
  for (const u of units)
    rows.push([
      `EOS / at-least-once throughput, ${u} worker(s)`,
      ratio(tputOf(r, OURS_EOS, u), tputOf(r, OURS_ALO, u)),
    ]);
  for (const u of units)
    rows.push([
      `ours / Kafka Streams throughput (both EOS), ${u} unit(s)`,
      ratio(tputOf(r, OURS_EOS, u), tputOf(r, PEER_EOS, u)),
    ]);
  rows.push([
    `ours (best, ${max?.units ?? '?'} workers) / Kafka Streams (best, ${peerBest?.units ?? '?'} instances)`,
    ratio(max?.rate, peerBest?.rate),
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
    `${dec(foMedian(OURS_EOS), 0)} ms`,
  ]);
  rows.push(['failover median, Kafka Streams (defaults)', `${dec(foMedian(PEER_EOS), 0)} ms`]);
  if (r.drain)
    rows.push([
      'drain of a worker with 4 tasks: whole (median) / per task (median)',
      `${dec(median(r.drain.wholeMs), 0)} ms / ${dec(median(r.drain.perTaskMs), 0)} ms`,
    ]);
  if (r.drain?.pauseMs?.length)
    rows.push([
      "drain: output pause per moved task (old owner's last commit -> new owner's first), median / max",
      `${dec(median(r.drain.pauseMs), 0)} ms / ${dec(Math.max(...r.drain.pauseMs), 0)} ms`,
    ]);
  if (r.rollout?.pauseMs.length)
    rows.push([
      'rollout: output pause per task (last commit on the old spec -> first on the new), median / max',
      `${dec(median(r.rollout.pauseMs), 0)} ms / ${dec(Math.max(...r.rollout.pauseMs), 0)} ms`,
    ]);
  if (r.restart?.steadyMs.length)
    rows.push([
      'controller restart (SIGKILL -> all tasks processing, all workers active), median / max',
      `${dec(median(r.restart.steadyMs), 0)} ms / ${dec(Math.max(...r.restart.steadyMs), 0)} ms`,
    ]);
  return rows;
}

function scaleSection(v: unknown): string {
  if (v === undefined)
    return 'Not run: `tools/bench/controller-scale.ts` is not in this checkout (or wrote no `tools/bench/results/controller-scale.json`).';
  const o = v as Record<string, unknown>;
  if (o['summary'] && Array.isArray(o['phases'])) return scaleTables(o);
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

const SCALE_SUMMARY: [string, string, string][] = [
  ['workers', 'simulated workers (real gRPC sessions)', ''],
  ['tasks', 'tasks', ''],
  ['pipelines', 'pipelines', ''],
  ['placeAllMs', 'place every task (CreatePipeline x N -> all PROCESSING)', ' ms'],
  [
    'reassignAfter10PctDeadMs',
    'reassign after 10% of workers die (kill -> all PROCESSING on survivors)',
    ' ms',
  ],
  ['reassignBeyondLeaseMs', '... of which beyond the lease', ' ms'],
  ['steadyHeartbeatsPerSec', 'heartbeats/s handled, steady state', ''],
  ['steadyControllerCores', 'controller CPU, steady state (cores)', ''],
  ['stormHeartbeatsPerSec', 'heartbeats/s handled, storm (as fast as the clients send)', ''],
  ['stormControllerCores', 'controller CPU, storm (cores)', ''],
  ['controllerRssMiBPeak', 'controller RSS, peak', ' MiB'],
];

/** controller-scale.json: the summary as figures, then one row per phase. */
function scaleTables(o: Record<string, unknown>): string {
  const sum = o['summary'] as Record<string, unknown>;
  const figures = SCALE_SUMMARY.filter(([k]) => sum[k] !== undefined).map(([k, label, unit]) => [
    label,
    `${fmtCell(sum[k])}${unit}`,
  ]);
  const phases = o['phases'] as Array<Record<string, unknown>>;
  const common = new Set(['phase', 'seconds', 'controllerCpuSec', 'controllerCores', 'rssMiBPeak']);
  const phaseRows = phases.map((p) => [
    fmtCell(p['phase']),
    fmtCell(p['seconds']),
    fmtCell(p['controllerCpuSec']),
    fmtCell(p['controllerCores']),
    fmtCell(p['rssMiBPeak']),
    Object.entries(p)
      .filter(([k]) => !common.has(k) && k !== 'rssMiBEnd' && k !== 'benchLoopLagMaxMs')
      .map(([k, x]) => `${k} ${fmtCell(x)}`)
      .join(', '),
  ]);
  return [
    mdTable(['figure', 'value'], figures),
    '',
    mdTable(['phase', 'seconds', 'controller CPU s', 'cores', 'RSS peak MiB', 'details'], phaseRows),
    '',
    `Config: \`${JSON.stringify(o['config'])}\`; run at ${fmtCell(o['at'])}.`,
  ].join('\n');
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
/** A `###` section of the report: the title, then each block followed by a blank line. */
function section(title: string, ...blocks: string[]): string[] {
  return [`### ${title}`, '', ...blocks.flatMap((b) => [b, ''])];
}

/** The throughput rows, one per run. */
function throughputTable(rows: ThroughputResult[]): string {
  return mdTable(
    [
      'system',
      'round',
      'units',
      'records',
      'seconds',
      'records/s',
      'CPU ms / 1k records',
      'broker CPU ms / 1k records',
      'peak RSS per unit MiB',
      'input written (before) at records/s',
    ],
    rows.map((x) => [
      x.system,
      x.round ?? 1,
      x.units,
      int(x.records),
      dec(x.seconds, 2),
      int(x.recordsPerSec),
      dec(x.cpuMsPer1k),
      x.brokerCpuMsPer1k === undefined ? '' : dec(x.brokerCpuMsPer1k),
      x.peakRssMiB.join(', '),
      int(x.fillRecordsPerSec),
    ]),
  );
}

/** A section of timing rows: what, how many, median and max ms. */
function timings(title: string, rows: ReadonlyArray<readonly [string, number[]]>): string[] {
  return section(
    title,
    mdTable(
      ['measure', 'runs / tasks', 'median ms', 'max ms'],
      rows.map(([measure, xs]) => [
        measure,
        xs.length,
        dec(median(xs), 0),
        xs.length ? dec(Math.max(...xs), 0) : '',
      ]),
    ),
  );
}

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
      ...section(
        'Broker ceiling (Kafka perf tools, 6 partitions, 1 KB, acks=all)',
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
        c.commands.map((x) => `    ${x}`).join('\n'),
      ),
    );
  }
  if (r.throughput.length) {
    out.push(
      ...section(
        'Throughput: identity, 6 partitions, 1 KB values (produce -> committed output)',
        throughputTable(r.throughput),
        `![throughput vs workers](${svgDir}/throughput.svg)`,
      ),
    );
    if (r.warmup?.length)
      out.push(
        ...section(
          'Warm-up before round 1 (not counted)',
          'Every system at the largest unit count, `--warmup` times (2 in a full run), on the same broker, so that the broker\'s JVM has compiled its hot paths before the counted rounds ("A fresh broker\'s JIT" in docs/benchmarks.md).',
          throughputTable(r.warmup),
        ),
      );
    const withLoop = r.throughput.filter((x) => x.loop);
    if (withLoop.length)
      out.push(
        ...section(
          "Where our transactions' time goes (the throughput runs above, from the workers' `eos_worker_loop_seconds_total`)",
          "Mean ms per committed transaction and step, summed over the tasks (each task runs its loop on its own): wait = for a batch; prepare = AddPartitionsToTxn + AddOffsetsToTxn, which wait while the coordinator still writes the previous transaction's markers (exactly-once only); produce = the records (exactly-once: beside the TxnOffsetCommit); commit = EndTxn, or the at-least-once OffsetCommit.",
          mdTable(
            ['system', 'round', 'units', 'transactions', 'records each', ...LOOP_STEPS],
            withLoop.map((x) => [
              x.system,
              x.round ?? 1,
              x.units,
              int(x.loop!.transactions),
              int(x.loop!.recordsPerTransaction),
              ...LOOP_STEPS.map((s) => dec(x.loop!.msPerTransaction[s])),
            ]),
          ),
        ),
      );
  }
  if (r.latency.length) {
    out.push(
      ...section(
        'End-to-end latency at fixed input rates (share of our max exactly-once throughput)',
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
        `![latency percentiles vs rate](${svgDir}/latency.svg)`,
      ),
    );
  }
  if (r.failover.length) {
    out.push(
      ...section(
        'Failover: SIGKILL of the unit with the most partitions -> first output record (read_committed) produced after the kill, per moved partition',
        mdTable(
          ['system', 'units', 'input rec/s', 'moved partitions', 'median ms', 'max ms', 'all ms'],
          r.failover.map((x) => [
            x.system,
            x.units,
            int(x.rate),
            x.movedPartitionMs.length,
            dec(median(x.movedPartitionMs), 0),
            dec(x.maxMs, 0),
            x.movedPartitionMs.join(', '),
          ]),
        ),
      ),
    );
  }
  if (r.drain) {
    const d = r.drain;
    out.push(
      ...timings(
        `Drain of a worker with 4 tasks under load (8 partitions, 2 workers${d.rate ? `, ${d.rate.toLocaleString('en-US')} records/s of 1 KB` : ''})`,
        [
          ['DrainWorker -> worker exit 0', d.wholeMs],
          ['per task: revoke -> committed and released', d.perTaskMs],
          ...(d.pauseMs?.length
            ? ([
                ["per moved task: output pause (old owner's last commit -> new owner's first)", d.pauseMs],
              ] as const)
            : []),
        ],
      ),
    );
  }
  if (r.rollout) {
    const ro = r.rollout;
    out.push(
      ...timings('Rollouts of a 6-task pipeline under load (3 workers)', [
        ['one task per step: gate -> next gate', ro.handoffMs],
        ['per task: output pause (last commit on the old spec -> first on the new)', ro.pauseMs],
        ['default strategy: UpdatePipeline -> SUCCEEDED', ro.fullMs],
      ]),
    );
  }
  if (r.restart) {
    const rs = r.restart;
    out.push(
      ...timings(
        `Controller restarts (SIGKILL, then a new process) under load (6 tasks, 3 workers${rs.rate ? `, ${rs.rate.toLocaleString('en-US')} records/s of 100 B` : ''})`,
        [
          ['SIGKILL -> every task PROCESSING, every worker ACTIVE', rs.steadyMs],
          ['of which: spawn -> serving gRPC (state loaded)', rs.servingMs],
        ],
      ),
      "The restarted processes' own account (process up includes loading the bundle):",
      '',
      ...rs.starts.map((s) => `    ${s}`),
      '',
    );
  }
  const hb = r.config['handoffBroker'] as
    { brokers?: string[]; groupInitialRebalanceDelayMs?: number } | undefined;
  if (hb)
    out.push(
      `Failover, drain, rollout and controller restarts ran on a broker with group.initial.rebalance.delay.ms=${hb.groupInitialRebalanceDelayMs} (Kafka's default; ${hb.brokers?.join(',')}); the other scenarios on the tuned one.`,
      '',
    );
  out.push(...section('Controller scale (tools/bench/controller-scale.ts)', scaleSection(r.controllerScale)));
  if (r.errors.length) out.push('### Scenarios that failed', '', ...r.errors.map((e) => `- ${e}`), '');
  return out.join('\n');
}
