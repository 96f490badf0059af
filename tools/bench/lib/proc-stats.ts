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

/** The pid of the broker `tools/kafka` runs on the first broker's port on this machine, if any. */
export function localBrokerPid(brokers: string[]): number | undefined {
  const [host, port] = (brokers[0] ?? '').split(':');
  if (host !== '127.0.0.1' && host !== 'localhost') return undefined;
  return readLivePid(kafkaPaths({ port: Number(port) }).pidFile, 'kafka.Kafka');
}
