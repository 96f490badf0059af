/**
 * The load generator and output reader of the latency and failover scenarios: `Probe` in the
 * peer's Maven project (tools/bench/peer), a JVM each, driven over stdin/stdout. Values carry
 * their source partition and produce time; both systems copy them unchanged.
 */
import * as path from 'node:path';
import { REPO_ROOT } from '@eos/infra';
import { ChildProc } from '../../lib/proc';
import { ensurePeerBuilt } from './peer';

const PEER_DIR = path.join(REPO_ROOT, 'tools/bench/peer');

class ProbeProcess {
  private readonly proc: ChildProc;
  private buf = '';
  private waiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  /** Lines nobody waited for (but `sent` reports). */
  private readonly unclaimed: string[] = [];
  /** Called with every line the probe prints. */
  onLine: (line: string) => void = () => undefined;
  /** The end of its stderr, for error messages. */
  tail = '';

  constructor(args: string[]) {
    ensurePeerBuilt();
    this.proc = new ChildProc(
      'probe',
      'java',
      [
        '-Xmx384m',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        `${path.join(PEER_DIR, 'target/classes')}:${path.join(PEER_DIR, 'target/lib')}/*`,
        'dev.eosfleet.peer.Probe',
        ...args,
      ],
      {
        stdin: true,
        keep: 0,
        onData: (text, stream) => (stream === 'stdout' ? this.stdout(text) : this.stderr(text)),
      },
    );
  }

  private stdout(text: string): void {
    this.buf += text;
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      this.onLine(line);
      const w = this.waiters.findIndex((x) => line.startsWith(x.prefix));
      if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(line);
      else if (!line.startsWith('sent ')) this.unclaimed.push(line);
    }
  }

  private stderr(text: string): void {
    this.tail = (this.tail + text).slice(-4000);
    if (process.env['BENCH_DEBUG']) process.stderr.write(`[probe] ${text}`);
  }

  /**
   * The next line starting with `prefix` after writing `command`; without a command, also one
   * printed before anyone asked (`reading ...` comes while the system under test starts).
   */
  line(prefix: string, command?: string, timeoutMs = 60_000): Promise<string> {
    if (!command) {
      const i = this.unclaimed.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return Promise.resolve(this.unclaimed.splice(i, 1)[0]!);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`probe: no "${prefix}" line; stderr:\n${this.tail}`)),
        timeoutMs,
      );
      this.waiters.push({
        prefix,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      if (command) this.proc.write(command);
    });
  }

  send(command: string): void {
    this.proc.write(command);
  }

  /** Closes its stdin (it stops), SIGKILL past 5 s. */
  async stop(): Promise<void> {
    this.proc.child.stdin?.end();
    if (!(await this.proc.exitWithin(5_000))) this.proc.signal('SIGKILL');
    await this.proc.exited;
  }
}

/** A fixed-rate producer, round-robin over the partitions. */
export class ProbeProducer {
  private readonly p: ProbeProcess;
  /** Records acknowledged so far. */
  sent = 0;

  constructor(brokers: string[], topic: string, partitions: number, valueBytes: number) {
    this.p = new ProbeProcess(['produce', brokers.join(','), topic, String(partitions), String(valueBytes)]);
    this.p.onLine = (l) => {
      const m = /^sent (\d+) \d+$/.exec(l);
      if (m) this.sent = Number(m[1]);
    };
  }

  async start(recordsPerSec: number): Promise<void> {
    await this.p.line('sent ');
    this.setRate(recordsPerSec);
  }

  setRate(recordsPerSec: number): void {
    this.p.send(`rate ${Math.round(recordsPerSec)}`);
  }

  /** Records stamped with a produce time in [from, to) and acknowledged by the broker. */
  async count(from: number, to: number): Promise<number> {
    const l = await this.p.line(`count ${from} ${to} `, `count ${from} ${to}`);
    return Number(l.split(' ')[3]);
  }

  stop(): Promise<void> {
    return this.p.stop();
  }
}

export interface WindowStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** A read_committed reader of every partition of the output, from its start. */
export class ProbeReader {
  private readonly p: ProbeProcess;

  constructor(brokers: string[], topic: string) {
    this.p = new ProbeProcess(['read', brokers.join(','), topic]);
  }

  async start(): Promise<void> {
    await this.p.line('reading ');
  }

  /** Latency (read - produce) of the records produced in [from, to). */
  async window(from: number, to: number): Promise<WindowStats> {
    const l = await this.p.line(`window ${from} ${to} `, `window ${from} ${to}`);
    const [count, p50, p99, p999] = l.split(' ').slice(3).map(Number) as [number, number, number, number];
    const v = (x: number) => (x < 0 ? NaN : x);
    return { count, p50Ms: v(p50), p99Ms: v(p99), p999Ms: v(p999) };
  }

  /** Per partition: the earliest read of a record produced after `since` (undefined: none yet). */
  async first(since: number, partitions: number[]): Promise<Map<number, number | undefined>> {
    const l = await this.p.line(`first ${since} `, `first ${since} ${partitions.join(',')}`);
    return pairs(l);
  }

  /** Per partition: the latest read. */
  async last(): Promise<Map<number, number | undefined>> {
    return pairs(await this.p.line('last', 'last'));
  }

  stop(): Promise<void> {
    return this.p.stop();
  }
}

function pairs(line: string): Map<number, number | undefined> {
  const out = new Map<number, number | undefined>();
  for (const m of line.matchAll(/(\d+):(-?\d+)/g))
    out.set(Number(m[1]), Number(m[2]) < 0 ? undefined : Number(m[2]));
  return out;
}
