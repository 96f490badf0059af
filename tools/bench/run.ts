/**
 * `npm run bench` (full) and `npm run bench -- --quick` (under 5 minutes): issue 9's comparison in
 * one run on one broker. Not a test: prints tables of figures and ratios taken in this run, writes
 * tools/bench/results/bench.{json,md} and plots; a full run also refreshes the generated part of
 * docs/benchmarks.md and docs/bench/*.svg.
 *
 *   npm run bench [-- --quick] [--only ceiling,throughput,latency,failover,drain,rollout,restart,scale] [--units 1,2,3]
 *     [--rounds N] [--warmup N] [--max-rate N] [--docs|--no-docs] [--report]
 *
 * `--rounds N` (default 3, quick 1) runs the throughput scenarios N times (the order rotated every round); the
 * tables list every round, the ratios and plots use the median per system and unit count. `--warmup N`
 * (default 2, quick 0) runs every system N times first, at the largest unit count, and counts none of it.
 * `--report` renders tools/bench/results/bench.json again (tables, plots, docs) without running.
 *
 * Scenarios, each on fresh topics (6 partitions, 1 KB values): the broker's ceiling (Kafka's
 * producer and consumer perf tools); our fleet (identity, 6 tasks) exactly-once and at-least-once
 * with 1, 2 and 3 workers, and the Kafka Streams peer (tools/bench/peer, exactly_once_v2, same
 * commit interval) with 1, 2 and 3 instances; end-to-end latency at 10/50/80% of our max for both;
 * failover (SIGKILL) for both; drain of a worker with 4 tasks and rollouts of 6 tasks (with the
 * output pause of each moved task); controller restarts (SIGKILL -> fleet steady again, 5 runs);
 * controller scale (tools/bench/controller-scale.ts, when present).
 * Failover, drain, rollout and controller restarts run on a second local broker with Kafka's default
 * group.initial.rebalance.delay.ms (3000, as users' brokers have it; lib/infra.ts); the other
 * scenarios on the first (tuned to 0, so Kafka Streams' first group join is not counted).
 *
 * Broker, Redis and controller ports: KAFKA_BROKERS, REDIS_URL, CONTROLLER_GRPC_PORT,
 * CONTROLLER_HTTP_PORT (as the apps read them). A broker or Redis that does not answer there is
 * started locally and stopped at the end. Needs `npm run build` (done first when dist/ is missing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from '@eos/infra';
import { cliArgs } from '../lib/args';
import { runSync } from '../lib/proc';
import {
  Fleet,
  NOT_OVERLAPPED,
  PARTITIONS,
  StreamsPeer,
  benchEnv,
  ensurePeerBuilt,
  headline,
  latencySvg,
  logDeletesText,
  loopText,
  machineInfo,
  mdTable,
  ourMax,
  renderMarkdown,
  runCeiling,
  runControllerRestart,
  runDrain,
  runFailover,
  runRollout,
  startDefaultGroupsBroker,
  KAFKA_DEFAULT_GROUP_DELAY_MS,
  runLatency,
  runThroughput,
  startBenchInfra,
  throughputSvg,
  type BenchResults,
  type SystemUnderTest,
  type Topics,
} from './lib';

const USAGE = `
npm run bench [-- --quick] [--only ceiling,throughput,latency,failover,drain,rollout,restart,scale] [--units 1,2,3]
  [--rounds N] [--warmup N] [--max-rate N] [--systems ours|streams] [--batching RECORDS,BYTES] [--docs|--no-docs] [--report]

  --quick          under 5 minutes (fewer records, shorter windows, one round)
  --only LIST      these scenarios only
  --units LIST     worker / instance counts of the throughput scenarios (default 1,2,3)
  --rounds N       throughput rounds (default 3, quick 1)
  --warmup N       unmeasured throughput rounds first, every system at the largest unit count
                   (default 2, quick 0): a fresh broker's JIT is not charged to the first system
  --max-rate N     the latency scenario's max rate, without a throughput run
  --systems S      ours or streams: one side only (a look, not a comparison)
  --batching R,B   our pipelines' batch limits, records and bytes (default: the controller's,
                   10000 records / 8 MiB), e.g. 5000,4194304 for the defaults before 8 MiB
  --docs           refresh docs/benchmarks.md and docs/bench/*.svg (a full run does)
  --no-docs        do not (a full run)
  --report         render tools/bench/results/bench.json again, without running

Ports: KAFKA_BROKERS, REDIS_URL, CONTROLLER_GRPC_PORT, CONTROLLER_HTTP_PORT.
`;
const args = cliArgs(USAGE, {
  quick: { type: 'boolean' },
  only: { type: 'string' },
  units: { type: 'string' },
  rounds: { type: 'string' },
  warmup: { type: 'string' },
  'max-rate': { type: 'string' },
  systems: { type: 'string' },
  batching: { type: 'string' },
  docs: { type: 'boolean' },
  'no-docs': { type: 'boolean' },
  report: { type: 'boolean' },
});
/** The command line as given, for the report. */
const argv = process.argv.slice(2);
const quick = args.flag('quick');
const onlyList = args.list('only');
const only = onlyList ? new Set(onlyList) : undefined;
const want = (s: string) => !only || only.has(s);
const systemsArg = args.list('systems');
if (systemsArg?.some((x) => x !== 'ours' && x !== 'streams'))
  throw new Error(`--systems: ours or streams, not ${systemsArg.join(',')}`);
const batchingArg = args.list('batching')?.map(Number);
if (batchingArg && (batchingArg.length !== 2 || batchingArg.some((n) => !Number.isInteger(n) || n < 1)))
  throw new Error(`--batching: RECORDS,BYTES (two positive integers), not ${args.string('batching')}`);
/** Our pipelines' batching (--batching), when not the controller's defaults. */
const BATCHING = batchingArg
  ? { maxRecords: batchingArg[0] as number, maxBytes: batchingArg[1] as number }
  : undefined;
/** Whether a system (by its label) takes part: --systems ours|streams. */
const takesPart = (label: string) =>
  !systemsArg || systemsArg.includes(label.startsWith('Kafka Streams') ? 'streams' : 'ours');

const CFG = quick
  ? {
      records: 50_000,
      units: [1, 2, 3],
      startWarmMs: 5_000,
      warmMs: 1_500,
      measureMs: 4_000,
      graceMs: 4_000,
      failoverRuns: 1,
      restartRuns: 1,
      drainRuns: 1,
      rolloutRuns: 1,
    }
  : {
      records: 500_000,
      units: [1, 2, 3],
      startWarmMs: 10_000,
      warmMs: 5_000,
      measureMs: 15_000,
      graceMs: 30_000,
      failoverRuns: 3,
      restartRuns: 5,
      drainRuns: 5,
      rolloutRuns: 2,
    };
/**
 * Throughput rounds: 3 in a full run. Single runs swing by tens of percent on a shared machine (a
 * produce request stalls 150-270 ms now and then); the median of 3 drops one such run, where the
 * median of 2 (their mean) kept half of it.
 */
const ROUNDS = args.number('rounds', quick ? 1 : 3, { min: 1 });
/** Unmeasured throughput rounds before round 1 (every system once at the largest unit count). */
const WARMUP = args.number('warmup', quick ? 0 : 2, { min: 0 });
CFG.units = args.list('units')?.map(Number) ?? CFG.units;
/** The fleet's linger (BatchingOptions default) = the peer's commit.interval.ms. */
const COMMIT_MS = 100;
const LOADS = [0.1, 0.5, 0.8];
const RESULTS = path.join(REPO_ROOT, 'tools/bench/results');
const SCALE_SCRIPT = path.join(REPO_ROOT, 'tools/bench/controller-scale.ts');
const SCALE_JSON = path.join(RESULTS, 'controller-scale.json');
const DOC = path.join(REPO_ROOT, 'docs/benchmarks.md');
const BEGIN = '<!-- bench:generated:begin (npm run bench rewrites this part) -->';
const END = '<!-- bench:generated:end -->';

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

function ensureBuilt(): void {
  const have = ['controller', 'worker'].every((a) =>
    fs.existsSync(path.join(REPO_ROOT, `dist/apps/${a}/main.js`)),
  );
  if (have) return;
  log('building the controller and worker (npm run build)');
  const res = runSync('npm', ['run', 'build'], { cwd: REPO_ROOT, inherit: true });
  if (res.status !== 0) throw new Error('npm run build failed');
}

async function main(): Promise<void> {
  if (args.flag('report')) {
    // Tables, plots and the docs section again from the last results, without running anything.
    report(JSON.parse(fs.readFileSync(path.join(RESULTS, 'bench.json'), 'utf8')) as BenchResults);
    return;
  }
  const started = Date.now();
  ensureBuilt();
  if (want('throughput') || want('latency') || want('failover')) ensurePeerBuilt();
  const env = benchEnv();
  const infra = await startBenchInfra(env);
  const kafka = new Kafka({ clientId: 'bench', brokers: env.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const results: BenchResults = {
    at: new Date().toISOString(),
    quick,
    machine: machineInfo(),
    config: {
      ...CFG,
      rounds: ROUNDS,
      warmupRounds: WARMUP,
      commitMs: COMMIT_MS,
      partitions: PARTITIONS,
      valueBytes: 1024,
      brokers: env.brokers,
    },
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    throughput: [],
    latency: [],
    failover: [],
    errors: [],
  };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const msg = `${what}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      log(`FAILED ${msg}`);
      results.errors.push(msg);
    }
  };
  const fleet =
    (guarantee: 'exactly-once' | 'at-least-once', overlapCommits = true) =>
    (t: Topics) =>
      new Fleet(env, {
        ...t,
        tasks: PARTITIONS,
        partitions: PARTITIONS,
        guarantee,
        overlapCommits,
        ...(BATCHING ? { batching: BATCHING } : {}),
      });
  const peerOn = (e: typeof env) => (t: Topics) =>
    new StreamsPeer(e, {
      appId: `peer-${t.name}`,
      input: t.input,
      output: t.output,
      partitions: PARTITIONS,
      commitMs: COMMIT_MS,
      guarantee: 'exactly-once',
    });
  const peer = peerOn(env);
  try {
    if (want('ceiling'))
      await attempt('broker ceiling', async () => {
        log(`broker ceiling: kafka-producer-perf-test / kafka-consumer-perf-test, ${CFG.records} records`);
        results.ceiling = await runCeiling(admin, env.brokers, CFG.records);
        log(
          `  producer ${Math.round(results.ceiling.producerRecordsPerSec)} rec/s, consumer ${Math.round(results.ceiling.consumerRecordsPerSec)} rec/s`,
        );
      });
    if (want('throughput')) {
      const all: [string, (t: Topics) => SystemUnderTest][] = [
        ['eos-fleet exactly-once', fleet('exactly-once')],
        ['eos-fleet at-least-once', fleet('at-least-once')],
        // The baseline of what overlapping a commit with the next batch buys (WORKER_OVERLAP_COMMITS=false).
        [`eos-fleet exactly-once${NOT_OVERLAPPED}`, fleet('exactly-once', false)],
        ['Kafka Streams exactly-once', peer],
      ];
      const systems = all.filter(([label]) => takesPart(label));
      const throughputRun = async (label: string, make: (t: Topics) => SystemUnderTest, units: number) => {
        const r = await runThroughput(admin, env.brokers, make, units, CFG.records);
        log(
          `throughput ${label} x${units}: ${r.recordsPerSec} rec/s, ${r.cpuMsPer1k} CPU ms/1k (broker ${r.brokerCpuMsPer1k ?? '?'}), RSS ${r.peakRssMiB.join('/')} MiB${r.loop ? `; ${loopText(r.loop)}` : ''}${logDeletesText(r.logDeletesBefore)}`,
        );
        return r;
      };
      // Warm-up: every system at the largest unit count, --warmup times, not counted. A broker's JVM
      // that has just started compiles its hot paths while the first rounds run (its C2 threads took
      // 2.1 ms per 1k records in the first window, 0.1-0.2 ms by the sixth): without this, that cost
      // lands on whichever system runs first (docs/benchmarks.md, "A fresh broker's JIT"). With one
      // warm-up round of our three systems, round 1's first runs still cost the broker 8.1 / 5.1 / 4.5
      // ms per 1k records against 2.7-4.7 in the rounds after it: hence two.
      const warmUnits = Math.max(...CFG.units);
      for (let round = 1; round <= WARMUP; round++)
        for (const [label, make] of systems)
          await attempt(`throughput warm-up ${label} x${warmUnits}`, async () => {
            (results.warmup ??= []).push({
              ...(await throughputRun(`${label} (warm-up)`, make, warmUnits)),
              round,
            });
          });
      for (let round = 1; round <= ROUNDS; round++)
        for (const units of CFG.units) {
          // Interleaved per unit count, and the order rotated every round: over 3 rounds each system
          // runs once first, once second and once last (reversing it every other round kept
          // at-least-once in the middle and put exactly-once after a Streams run in 2 of 3 rounds).
          const shift = (round - 1) % systems.length;
          for (const [label, make] of [...systems.slice(shift), ...systems.slice(0, shift)])
            await attempt(`throughput ${label} x${units} round ${round}`, async () => {
              results.throughput.push({ ...(await throughputRun(label, make, units)), round });
            });
        }
    }
    // --max-rate N (with --only latency, for a look): the rates without a throughput run.
    const max = args.has('max-rate')
      ? { rate: args.number('max-rate', 0), units: CFG.units[CFG.units.length - 1] ?? 1 }
      : ourMax(results);
    if (want('latency'))
      await attempt('latency', async () => {
        if (!max) throw new Error('no exactly-once throughput of ours to take the rates from');
        const loads = LOADS.map((load) => ({ load, rate: Math.round(max.rate * load) }));
        for (const [label, make] of [
          ['eos-fleet', fleet('exactly-once')],
          ['Kafka Streams', peer],
        ] as const) {
          if (!takesPart(label)) continue;
          log(`latency ${label} x${max.units} at ${loads.map((l) => l.rate).join(', ')} rec/s`);
          const rs = await runLatency(admin, env.brokers, make, max.units, loads, CFG);
          for (const r of rs)
            log(
              `  ${Math.round(r.load * 100)}% (${r.achievedRate} rec/s): p50 ${r.p50Ms} p99 ${r.p99Ms} p999 ${r.p999Ms} ms`,
            );
          results.latency.push(...rs);
        }
      });
    // Failover, drain and rollout: on a broker with Kafka's default group settings.
    const handoffs = want('failover') || want('drain') || want('rollout') || want('restart');
    const second = handoffs ? await startDefaultGroupsBroker(env) : undefined;
    if (second) {
      log(
        `failover, drain, rollout and controller restarts on ${second.env.brokers.join(',')} (group.initial.rebalance.delay.ms=${KAFKA_DEFAULT_GROUP_DELAY_MS}${second.startedNow ? '' : ', already running: its settings are not checked'})`,
      );
      results.config['handoffBroker'] = {
        brokers: second.env.brokers,
        groupInitialRebalanceDelayMs: KAFKA_DEFAULT_GROUP_DELAY_MS,
        startedNow: second.startedNow,
      };
    }
    const hEnv = second?.env ?? env;
    const hKafka = new Kafka({
      clientId: 'bench-handoffs',
      brokers: hEnv.brokers,
      logLevel: logLevel.NOTHING,
    });
    const hAdmin = hKafka.admin();
    const hFleet = (guarantee: 'exactly-once' | 'at-least-once') => (t: Topics) =>
      new Fleet(hEnv, { ...t, tasks: PARTITIONS, partitions: PARTITIONS, guarantee });
    try {
      if (handoffs) await hAdmin.connect();
      // Failover and drain under the same input: 10% of our best exactly-once throughput.
      const rate = Math.max(500, Math.round((max?.rate ?? 5000) * 0.1));
      if (want('failover')) {
        for (const [label, make] of [
          ['eos-fleet', hFleet('exactly-once')],
          ['Kafka Streams', peerOn(hEnv)],
        ] as const)
          if (takesPart(label))
            await attempt(`failover ${label}`, async () => {
              log(`failover ${label}: 3 units, ${rate} rec/s, ${CFG.failoverRuns} run(s)`);
              results.failover.push(
                await runFailover(hAdmin, hEnv.brokers, make, {
                  units: 3,
                  runs: CFG.failoverRuns,
                  rate,
                  timeoutMs: 180_000,
                  log,
                }),
              );
            });
      }
      if (want('drain'))
        await attempt('drain', async () => {
          log(`drain: ${CFG.drainRuns} run(s), ${rate} rec/s`);
          results.drain = await runDrain({ runs: CFG.drainRuns, rate, log });
        });
      if (want('rollout'))
        await attempt('rollout', async () => {
          log(`rollout: ${CFG.rolloutRuns} run(s)`);
          results.rollout = await runRollout({ runs: CFG.rolloutRuns, log });
        });
      if (want('restart'))
        await attempt('controller restart', async () => {
          log(`controller restart: ${CFG.restartRuns} run(s), ${rate} rec/s`);
          results.restart = await runControllerRestart({ runs: CFG.restartRuns, rate, log });
        });
    } finally {
      await hAdmin.disconnect().catch(() => undefined);
      await second?.stop();
    }
    if (want('scale'))
      await attempt('controller scale', async () => {
        if (!fs.existsSync(SCALE_SCRIPT)) {
          log('controller scale: tools/bench/controller-scale.ts not present, skipped');
          return;
        }
        log('controller scale: npx tsx tools/bench/controller-scale.ts');
        fs.rmSync(SCALE_JSON, { force: true });
        const res = runSync('npx', ['tsx', SCALE_SCRIPT, ...(quick ? ['--quick'] : [])], {
          cwd: REPO_ROOT,
          inherit: true,
        });
        if (res.status !== 0) throw new Error(`controller-scale.ts exited ${res.status}`);
        if (!fs.existsSync(SCALE_JSON))
          throw new Error('controller-scale.ts wrote no results/controller-scale.json');
        results.controllerScale = JSON.parse(fs.readFileSync(SCALE_JSON, 'utf8'));
      });
  } finally {
    await admin.disconnect().catch(() => undefined);
    await infra.stop();
  }
  results.durationSec = Math.round((Date.now() - started) / 1000);
  report(results);
}

function report(r: BenchResults): void {
  // A full run refreshes the docs; a quick one only tools/bench/results/ (unless told otherwise).
  const writeDocs = args.flag('docs') || (!r.quick && !args.flag('no-docs'));
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'bench.json'), JSON.stringify(r, null, 2));
  const svgDir = writeDocs ? path.join(REPO_ROOT, 'docs/bench') : RESULTS;
  fs.mkdirSync(svgDir, { recursive: true });
  fs.writeFileSync(path.join(svgDir, 'throughput.svg'), throughputSvg(r));
  fs.writeFileSync(path.join(svgDir, 'latency.svg'), latencySvg(r));
  fs.writeFileSync(path.join(RESULTS, 'bench.md'), renderMarkdown(r, '.'));
  if (writeDocs) {
    const doc = fs.readFileSync(DOC, 'utf8');
    const b = doc.indexOf(BEGIN);
    const e = doc.indexOf(END);
    if (b < 0 || e < b) log(`docs/benchmarks.md has no ${BEGIN} ... ${END} section; not updated`);
    else
      fs.writeFileSync(
        DOC,
        `${doc.slice(0, b + BEGIN.length)}\n\n${renderMarkdown(r, 'bench')}\n${doc.slice(e)}`,
      );
  }
  console.log(`\n${renderMarkdown(r, path.relative(REPO_ROOT, svgDir))}`);
  console.log(mdTable(['figure', 'value'], headline(r)));
  console.log(
    `\nresults: tools/bench/results/bench.json, bench.md; plots: ${path.relative(REPO_ROOT, svgDir)}/{throughput,latency}.svg${writeDocs ? '; docs/benchmarks.md updated' : ''}; ${r.durationSec} s${r.errors.length ? `; ${r.errors.length} scenario(s) FAILED` : ''}`,
  );
  if (r.errors.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
