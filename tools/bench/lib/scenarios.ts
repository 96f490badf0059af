/**
 * The scenarios of `npm run bench`: each on fresh topics (6 partitions, 1 KB values), the same
 * measurement for our fleet and the Kafka Streams peer.
 */
import type { Admin } from 'kafkajs';
import { createTopic, uniqueName, until } from '@eos/testing';
import type { SystemUnderTest } from './fleet';
import { consumerPerf, producerPerf } from './kafka-perf';
import { loopBreakdown, type LoopBreakdown } from './loop-metrics';
import { ProcSampler, localBrokerPid, waitForLogDeletes } from './proc-stats';
import { ProbeProducer, ProbeReader, type WindowStats } from './probe';
import { median } from './stats';

export const PARTITIONS = 6;
export const VALUE_BYTES = 1024;

export interface Topics {
  name: string;
  input: string;
  output: string;
}

/** Fresh input and output topics, `PARTITIONS` each. */
export async function freshTopics(admin: Admin, prefix: string): Promise<Topics> {
  const name = uniqueName(prefix);
  const t = { name, input: `${name}.in`, output: `${name}.out` };
  await createTopic(admin, t.input, PARTITIONS);
  await createTopic(admin, t.output, PARTITIONS);
  return t;
}

/** Deletes a scenario's topics (1 KB x records adds up on a small disk). */
export async function dropTopics(admin: Admin, t: Topics): Promise<void> {
  const all = new Set((await admin.listTopics()).filter((x) => x.startsWith(t.name)));
  if (all.size) await admin.deleteTopics({ topics: [...all] }).catch(() => undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function topicTotal(admin: Admin, topic: string): Promise<number> {
  const offs = await admin.fetchTopicOffsets(topic);
  return offs.reduce((a, p) => a + Number(p.high), 0);
}

// ---- the broker's ceiling ----

export interface CeilingResult {
  records: number;
  producerRecordsPerSec: number;
  producerMBPerSec: number;
  producerP99Ms: number;
  consumerRecordsPerSec: number;
  consumerMBPerSec: number;
  commands: string[];
}

/** Kafka's own producer and consumer perf tools on a fresh 6-partition topic. */
export async function runCeiling(admin: Admin, brokers: string[], records: number): Promise<CeilingResult> {
  const t = await freshTopics(admin, 'bench-ceiling');
  try {
    const p = producerPerf({ brokers, topic: t.input, records, recordSize: VALUE_BYTES });
    const pr = await p.done;
    const c = consumerPerf({ brokers, topic: t.input, records });
    const cr = await c.done;
    return {
      records,
      producerRecordsPerSec: pr.recordsPerSec,
      producerMBPerSec: pr.mbPerSec,
      producerP99Ms: pr.p99Ms,
      consumerRecordsPerSec: cr.recordsPerSec,
      consumerMBPerSec: cr.mbPerSec,
      commands: [p.command, c.command],
    };
  } finally {
    await dropTopics(admin, t);
  }
}

// ---- throughput ----

async function waitCommitted(admin: Admin, sys: SystemUnderTest, n: number, what: string): Promise<void> {
  const deadline = Date.now() + Math.max(180_000, n * 2);
  while ((await sys.committed(admin)) < n) {
    if (Date.now() > deadline) throw new Error(`${what}: not all ${n} records committed in time`);
    await sleep(50);
  }
}

export interface ThroughputResult {
  system: string;
  /** Round of the run (`--rounds`), from 1. */
  round?: number;
  units: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** CPU ms of the processing units (workers / Streams JVMs) per 1000 records. */
  cpuMsPer1k: number;
  /** Peak RSS of each processing unit, MiB. */
  peakRssMiB: number[];
  /**
   * CPU ms of the local broker per 1000 records in the same window (absent when the broker is not
   * one `tools/kafka` started): what each system costs the broker, which is half of a 2-core machine.
   */
  brokerCpuMsPer1k?: number;
  /** How fast the input was written beforehand (kafka-producer-perf-test, as fast as it goes). */
  fillRecordsPerSec: number;
  /** Our fleet: where its transactions spent their time in the window (the workers' loop metrics). */
  loop?: LoopBreakdown;
  /**
   * The measured window (resume -> all committed) on the monotonic clock, in µs: the time base of
   * V8's CPU profiles, to cut a worker's profile to it (tools/bench/profile-top.ts --window).
   */
  windowMonotonicUs?: [number, number];
  /**
   * The local broker's deletion of earlier runs' dropped partitions, waited for before the window
   * (see waitForLogDeletes): how long, and how many were still pending when it gave up (0: none).
   */
  logDeletesBefore?: { waitedMs: number; pending: number };
}

/**
 * The system starts on empty topics (every partition owned), processes a warm-up tenth, and is
 * paused; `records` 1 KB values are written with Kafka's producer perf tool; then it resumes. Records/s = records / (resume ->
 * every input offset committed, i.e. every output committed with it): start-up, rebalances and
 * the writer's CPU stay out of the figure, for both systems alike.
 */
export async function runThroughput(
  admin: Admin,
  brokers: string[],
  make: (t: Topics) => SystemUnderTest,
  units: number,
  records: number,
): Promise<ThroughputResult> {
  const t = await freshTopics(admin, 'bench-tput');
  const sys = make(t);
  try {
    await sys.start(units);
    // Warm-up (JIT of the JVMs and of Node, connections, first transactions) on a tenth as many records.
    const warm = Math.max(1000, Math.round(records / 10));
    await producerPerf({ brokers, topic: t.input, records: warm, recordSize: VALUE_BYTES }).done;
    await waitCommitted(admin, sys, warm, `${sys.label} x${units} warm-up`);
    await sys.pause();
    const fr = await producerPerf({ brokers, topic: t.input, records, recordSize: VALUE_BYTES }).done;
    if ((await topicTotal(admin, t.input)) !== warm + records)
      throw new Error('the input is not the size written');
    if ((await sys.committed(admin)) !== warm) throw new Error(`${sys.label} processed records while paused`);
    const deletes = await waitForLogDeletes(brokers);
    // The breakdown is a diagnosis: a worker whose /metrics does not answer costs it, not the run.
    const loopBefore = await sys.loopTotals?.().catch(() => undefined);
    const sampler = new ProcSampler(sys.pids());
    const brokerPid = localBrokerPid(brokers);
    const brokerSampler = brokerPid === undefined ? undefined : new ProcSampler([brokerPid]);
    const m0 = monotonicUs();
    await sys.resume();
    await waitCommitted(admin, sys, warm + records, `${sys.label} x${units}`);
    const m1 = monotonicUs();
    const stats = sampler.stop();
    const brokerStats = brokerSampler?.stop();
    const loopAfter = await sys.loopTotals?.().catch(() => undefined);
    const loop = loopBefore && loopAfter ? loopBreakdown(loopBefore, loopAfter) : undefined;
    const seconds = (m1 - m0) / 1e6;
    return {
      system: sys.label,
      units,
      records,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSec: Math.round(records / seconds),
      cpuMsPer1k: Number((stats.cpuMs / (records / 1000)).toFixed(1)),
      peakRssMiB: stats.peakRssMiB,
      ...(brokerStats ? { brokerCpuMsPer1k: Number((brokerStats.cpuMs / (records / 1000)).toFixed(1)) } : {}),
      fillRecordsPerSec: Math.round(fr.recordsPerSec),
      loop,
      windowMonotonicUs: [m0, m1],
      ...(deletes ? { logDeletesBefore: deletes } : {}),
    };
  } finally {
    await sys.stop();
    await dropTopics(admin, t);
  }
}

/** Now on the monotonic clock (CLOCK_MONOTONIC, as V8's profiles stamp their samples), in µs. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// ---- latency at fixed rates ----

export interface LatencyResult {
  system: string;
  units: number;
  /** Fraction of our max throughput. */
  load: number;
  targetRate: number;
  achievedRate: number;
  samples: number;
  /** Records produced in the window but not read within the grace period. */
  missing: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/**
 * A fixed-rate producer stamps each value with its produce time; a read_committed reader of the
 * output measures read time - produce time for the records produced in each rate's window (both
 * JVM probes, see probe.ts).
 */
export async function runLatency(
  admin: Admin,
  brokers: string[],
  make: (t: Topics) => SystemUnderTest,
  units: number,
  loads: Array<{ load: number; rate: number }>,
  o: { startWarmMs: number; warmMs: number; measureMs: number; graceMs: number },
): Promise<LatencyResult[]> {
  const t = await freshTopics(admin, 'bench-lat');
  const sys = make(t);
  const reader = new ProbeReader(brokers, t.output);
  const producer = new ProbeProducer(brokers, t.input, PARTITIONS, VALUE_BYTES);
  const out: LatencyResult[] = [];
  try {
    await waitForLogDeletes(brokers);
    await sys.start(units);
    await reader.start();
    // Warm-up at the middle rate first (JIT of the JVMs and of Node, first transactions): a cold
    // start would otherwise land in the first window, unevenly for the two runtimes.
    await producer.start(loads[Math.floor(loads.length / 2)]?.rate ?? 1);
    await sleep(o.startWarmMs);
    for (const { load, rate } of loads) {
      producer.setRate(rate);
      await sleep(o.warmMs);
      const from = Date.now();
      await sleep(o.measureMs);
      const to = Date.now();
      await sleep(500); // the window's last acknowledgements
      const produced = await producer.count(from, to);
      // Produced in the window: the rate the system was actually offered.
      const achievedRate = Math.round(produced / ((to - from) / 1000));
      // Wait for the window's records to come through (a system slower than the rate falls behind).
      let w = await reader.window(from, to);
      const end = Date.now() + o.graceMs;
      while (w.count < produced * 0.999 && Date.now() < end) {
        await sleep(200);
        w = await reader.window(from, to);
      }
      out.push({
        system: sys.label,
        units,
        load,
        targetRate: rate,
        achievedRate,
        samples: w.count,
        missing: Math.max(0, produced - w.count),
        p50Ms: w.p50Ms,
        p99Ms: w.p99Ms,
        p999Ms: w.p999Ms,
      });
    }
  } finally {
    await producer.stop().catch(() => undefined);
    await reader.stop().catch(() => undefined);
    await sys.stop();
    await dropTopics(admin, t);
  }
  return out;
}

// ---- failover ----

export interface FailoverResult {
  system: string;
  units: number;
  rate: number;
  /** Per moved partition: SIGKILL -> first output record (read_committed) produced after the kill. */
  movedPartitionMs: number[];
  medianMs: number;
  maxMs: number;
}

/**
 * `units` processing units under a fixed input rate; per run the unit owning the most partitions
 * is SIGKILLed and, per partition it owned, the time to the first output record produced after the
 * kill is read from the output (read_committed); a replacement unit is started before the next run.
 */
export async function runFailover(
  admin: Admin,
  brokers: string[],
  make: (t: Topics) => SystemUnderTest,
  o: { units: number; runs: number; rate: number; timeoutMs: number; log: (line: string) => void },
): Promise<FailoverResult> {
  const t = await freshTopics(admin, 'bench-failover');
  const sys = make(t);
  const reader = new ProbeReader(brokers, t.output);
  const producer = new ProbeProducer(brokers, t.input, PARTITIONS, VALUE_BYTES);
  const moved: number[] = [];
  try {
    await sys.start(o.units);
    await reader.start();
    await producer.start(o.rate);
    for (let run = 0; run < o.runs; run++) {
      // Steady first: every partition's records arriving.
      await until(
        'output flowing from every partition',
        async () => {
          const last = await reader.last();
          const now = Date.now();
          return Array.from({ length: PARTITIONS }, (_, p) => p).every(
            (p) => now - (last.get(p) ?? 0) < 1000,
          );
        },
        120_000,
        200,
      );
      // Independent crashes: our controller treats a task whose owner dies twice within
      // CONTROLLER_CAREFUL_RECORDS (5,000) committed records as suspect (careful mode,
      // docs/architecture.md), so after a kill every partition gets that much input (with a
      // margin) before the next one. The same wait for both systems.
      await sleep(run === 0 ? 1000 : Math.max(1000, Math.ceil(((5000 * PARTITIONS) / o.rate) * 1000 * 1.3)));
      // Caught up before the kill: a system still behind its input (after its start or the last
      // run's moves) would have the failover count its backlog, not the handoff. The same rule
      // for both systems.
      const before = await until(
        'caught up with the input (records of 2.5-1 s ago read, p99 under 1 s)',
        () => caughtUp(reader, producer),
        120_000,
        250,
      );
      o.log(
        `${sys.label} before run ${run + 1}: latency p50 ${before.p50Ms} p99 ${before.p99Ms} ms (${before.count} records)`,
      );
      const kill = await sys.killBusiest();
      const first = await until(
        `records of partitions ${kill.partitions.join(',')} after the kill`,
        async () => {
          const f = await reader.first(kill.killedAt, kill.partitions);
          return kill.partitions.every((p) => f.get(p) !== undefined) ? f : undefined;
        },
        o.timeoutMs,
        100,
      );
      const times = kill.partitions.map((p) => first.get(p)! - kill.killedAt);
      moved.push(...times);
      o.log(
        `${sys.label} failover run ${run + 1}: killed ${kill.victim} at ${new Date(kill.killedAt).toISOString().slice(11, 23)} (partitions ${kill.partitions.join(',')}): first output after ${times.join(', ')} ms`,
      );
      if (run + 1 < o.runs) await sys.addUnit();
    }
  } finally {
    await producer.stop().catch(() => undefined);
    await reader.stop().catch(() => undefined);
    await sys.stop();
    await dropTopics(admin, t);
  }
  return {
    system: sys.label,
    units: o.units,
    rate: o.rate,
    movedPartitionMs: moved,
    medianMs: median(moved),
    maxMs: Math.max(...moved),
  };
}

/** The latency of the records produced 2.5-1 s ago, once all of them are read with p99 under 1 s. */
async function caughtUp(reader: ProbeReader, producer: ProbeProducer): Promise<WindowStats | undefined> {
  const to = Date.now() - 1000;
  const from = to - 1500;
  const [produced, w] = await Promise.all([producer.count(from, to), reader.window(from, to)]);
  return produced > 0 && w.count >= produced * 0.99 && w.p99Ms < 1000 ? w : undefined;
}
