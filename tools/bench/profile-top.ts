/**
 * Summarizes V8 `.cpuprofile`s (from `node --cpu-prof`): the functions with the most self time,
 * summed over the files given (the workers of one run), as a share of the busy time (idle excluded).
 *
 *   npx tsx tools/bench/profile-top.ts <file.cpuprofile>... [--top N] [--window FROM,TO]
 *     [--vs <file.cpuprofile>,... [--vs-window FROM,TO]]
 *
 * `--window FROM,TO`: only the samples taken in that interval of the monotonic clock, in µs, the
 * time base of V8's profiles: a throughput run's `windowMonotonicUs` in tools/bench/results/bench.json
 * (the profile of a whole worker also holds its start, its warm-up and the wait while the input is
 * written). `--vs`: a second set (another system's workers, with its own `--vs-window`); the table
 * then lists both and the difference, largest first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliArgs } from '../lib/args';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const USAGE =
  'usage: profile-top <file.cpuprofile>... [--top N] [--window FROM,TO] [--vs FILES [--vs-window FROM,TO]]   (top: default 25)';
const args = cliArgs(
  USAGE,
  {
    top: { type: 'string' },
    window: { type: 'string' },
    vs: { type: 'string' },
    'vs-window': { type: 'string' },
  },
  { positionals: true },
);
if (!args.positionals.length) {
  console.error(USAGE);
  process.exit(2);
}
const TOP = args.number('top', 25, { min: 1 });

type Window = readonly [number, number] | undefined;
function windowArg(name: string): Window {
  const xs = args.list(name)?.map(Number);
  if (!xs) return undefined;
  if (xs.length !== 2 || xs.some((x) => !Number.isFinite(x)) || (xs[0] as number) >= (xs[1] as number))
    throw new Error(`--${name}: FROM,TO in µs of the monotonic clock, FROM < TO, not ${args.string(name)}`);
  return [xs[0] as number, xs[1] as number];
}

/** Self µs per function label over the files, and the busy (not idle) total. */
function selfTimes(files: string[], window: Window): { byLabel: Map<string, number>; busy: number } {
  const byLabel = new Map<string, number>();
  let busy = 0;
  for (const file of files) {
    const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    let t = prof.startTime;
    for (let i = 0; i < prof.samples.length; i++) {
      const dt = prof.timeDeltas[i] ?? 0;
      t += dt;
      if (window && (t < window[0] || t >= window[1])) continue;
      const n = byId.get(prof.samples[i] as number) as ProfileNode;
      if (n.callFrame.functionName === '(idle)') continue;
      busy += dt;
      const l = label(n);
      byLabel.set(l, (byLabel.get(l) ?? 0) + dt);
    }
  }
  return { byLabel, busy };
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url ? `${shorten(f.url)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

function shorten(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const parts = u.split('/');
  return parts.slice(-3).join('/');
}

const ms = (us: number) => (us / 1000).toFixed(0);
const a = selfTimes(args.positionals, windowArg('window'));
const names = (files: string[]) => files.map((f) => path.basename(f)).join(', ');
const vsFiles = args.list('vs');
if (!vsFiles) {
  console.log(`${names(args.positionals)}: ${(a.busy / 1e6).toFixed(2)} s busy (not idle)`);
  console.log('\n| self ms | % of busy | function |');
  console.log('|---|---|---|');
  for (const [l, us] of [...a.byLabel].sort((x, y) => y[1] - x[1]).slice(0, TOP))
    console.log(`| ${ms(us)} | ${((100 * us) / a.busy).toFixed(1)} | ${l} |`);
} else {
  const b = selfTimes(vsFiles, windowArg('vs-window'));
  console.log(`A: ${names(args.positionals)}: ${(a.busy / 1e6).toFixed(2)} s busy`);
  console.log(`B: ${names(vsFiles)}: ${(b.busy / 1e6).toFixed(2)} s busy`);
  console.log('\n| A - B ms | A self ms | B self ms | function |');
  console.log('|---|---|---|---|');
  const rows = [...new Set([...a.byLabel.keys(), ...b.byLabel.keys()])].map(
    (l) => [l, a.byLabel.get(l) ?? 0, b.byLabel.get(l) ?? 0] as const,
  );
  for (const [l, x, y] of rows.sort((p, q) => Math.abs(q[1] - q[2]) - Math.abs(p[1] - p[2])).slice(0, TOP))
    console.log(`| ${ms(x - y)} | ${ms(x)} | ${ms(y)} | ${l} |`);
}
