/** CPU time and resident memory of processes, from /proc (Linux). */
import * as fs from 'node:fs';
import { kafkaPaths, readLivePid } from '@eos/infra';
import { runSync } from '../../lib/proc';

let ticks: number | undefined;
const clkTck = () => (ticks ??= Number(runSync('getconf', ['CLK_TCK']).stdout.trim()) || 100);

/** User + system CPU time of `pid` in ms; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    return ((utime + stime) * 1000) / clkTck();
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid` in bytes; undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of some processes until stopped; CPU time is read at start and stop. */
export class ProcSampler {
  private readonly cpu0 = new Map<number, number>();
  private readonly maxRss = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: number[]) {
    for (const p of pids) this.cpu0.set(p, cpuMs(p) ?? 0);
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
  }

  private sample(): void {
    for (const p of this.pids) {
      const r = rssBytes(p);
      if (r !== undefined) this.maxRss.set(p, Math.max(this.maxRss.get(p) ?? 0, r));
    }
  }

  /** CPU ms used by all the processes since the start, and each one's peak RSS in MiB. */
  stop(): { cpuMs: number; peakRssMiB: number[] } {
    clearInterval(this.timer);
    this.sample();
    let cpu = 0;
    for (const p of this.pids)
      cpu += Math.max(0, (cpuMs(p) ?? this.cpu0.get(p) ?? 0) - (this.cpu0.get(p) ?? 0));
    return { cpuMs: cpu, peakRssMiB: this.pids.map((p) => Math.round((this.maxRss.get(p) ?? 0) / 2 ** 20)) };
  }
}

/** The port of the first broker when it is on this machine's loopback, else undefined. */
function loopbackPort(brokers: string[]): number | undefined {
  const [host, port] = (brokers[0] ?? '').split(':');
  return host === '127.0.0.1' || host === 'localhost' ? Number(port) : undefined;
}

/** The pid of the broker `tools/kafka` runs on the first broker's port on this machine, if any. */
export function localBrokerPid(brokers: string[]): number | undefined {
  const port = loopbackPort(brokers);
  return port === undefined ? undefined : readLivePid(kafkaPaths({ port }).pidFile, 'kafka.Kafka');
}

/**
 * How many dropped partitions the local broker (`tools/kafka`, on the first broker's port) has
 * not deleted yet: their folders, renamed `<topic>-<partition>.<id>-delete`, wait in its log dir
 * for `log.segment.delete.delay.ms`. Undefined when the broker is not one of this machine's.
 */
export function pendingLogDeletes(brokers: string[]): number | undefined {
  const port = loopbackPort(brokers);
  if (port === undefined || localBrokerPid(brokers) === undefined) return undefined;
  return pendingDeletesIn(kafkaPaths({ port }).logDirs);
}

/** The partition folders in a broker's log dir waiting for deletion; undefined when it cannot be read. */
export function pendingDeletesIn(logDir: string): number | undefined {
  try {
    return fs.readdirSync(logDir).filter((f) => f.endsWith('-delete')).length;
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to `timeoutMs`) until the local broker has deleted the partitions of the topics
 * dropped before: unlinking a run's gigabyte of logs takes the broker about 0.2 s of CPU, which
 * a later run's window must not pay. `tools/kafka` deletes 1 s after the drop, but a broker's
 * first deletion pass comes 30 s after it starts (`log.initial.task.delay.ms`). Returns how long
 * it waited and what was still pending then (0 when all went).
 */
export async function waitForLogDeletes(
  brokers: string[],
  timeoutMs = 40_000,
): Promise<{ waitedMs: number; pending: number } | undefined> {
  let pending = pendingLogDeletes(brokers);
  if (pending === undefined) return undefined;
  if (pending === 0) return { waitedMs: 0, pending };
  const t0 = Date.now();
  while (pending > 0 && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 100));
    pending = pendingLogDeletes(brokers) ?? 0; // the broker gone: nothing left to wait for
  }
  return { waitedMs: Date.now() - t0, pending };
}

/** For a run's log line: the wait for earlier runs' deletions, when there was one. */
export function logDeletesText(d: { waitedMs: number; pending: number } | undefined): string {
  if (!d || (d.waitedMs === 0 && d.pending === 0)) return '';
  return `; waited ${d.waitedMs} ms for the broker to delete dropped partitions${d.pending > 0 ? ` (${d.pending} still pending)` : ''}`;
}
