import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const TICKS = 100; // USER_HZ on Linux

interface ProcSample {
  at: number;
  cpuSec: number;
  rssMiB: number;
  hwmMiB: number;
}

/** CPU and memory of the controller process, from /proc/<pid>. */
function sampleProc(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSec = (Number(f[11]) + Number(f[12])) / TICKS; // utime + stime (fields 14 and 15)
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { at: Date.now(), cpuSec, rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

export interface PhaseResult {
  phase: string;
  seconds: number;
  controllerCpuSec: number;
  /** Controller CPU over the phase / wall time (1.0 = one core busy). */
  controllerCores: number;
  rssMiBEnd: number;
  rssMiBPeak: number;
  [k: string]: number | string;
}

export const round = (x: number, d: number) => Number(x.toFixed(d));

/** Runs one phase, measuring the controller (pid) around it; prints and returns the figures. */
export async function phase(
  name: string,
  pid: number,
  fn: () => Promise<Record<string, number>>,
): Promise<PhaseResult> {
  // The simulated workers share this process: a stalled event loop here delays their heartbeats.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const a = sampleProc(pid);
  const extra = await fn();
  const b = sampleProc(pid);
  lag.disable();
  const seconds = (b.at - a.at) / 1000;
  const r: PhaseResult = {
    phase: name,
    seconds: round(seconds, 2),
    controllerCpuSec: round(b.cpuSec - a.cpuSec, 2),
    controllerCores: round((b.cpuSec - a.cpuSec) / Math.max(seconds, 0.001), 2),
    rssMiBEnd: round(b.rssMiB, 0),
    rssMiBPeak: round(b.hwmMiB, 0),
    benchLoopLagMaxMs: round(lag.max / 1e6, 0),
    ...extra,
  };
  console.log(JSON.stringify(r));
  return r;
}

/** The controller's view: its Prometheus metrics, one value per series. */
export async function scrape(httpPort: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

export const metric = (m: Map<string, number>, k: string) => m.get(k) ?? 0;

/** One series from a fresh scrape. */
export async function scrapeOne(httpPort: number, series: string): Promise<number> {
  return metric(await scrape(httpPort), series);
}
