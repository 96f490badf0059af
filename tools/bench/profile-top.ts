/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
 * as a share of all samples (idle included) and of the busy ones (idle, program and GC excluded
 * from the denominator are shown separately).
 *
 *   npx tsx tools/bench/profile-top.ts <file.cpuprofile> [--top N]
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
  samples: number[];
  timeDeltas: number[];
}

const USAGE = 'usage: profile-top <file.cpuprofile> [--top N]   (default 25)';
const args = cliArgs(USAGE, { top: { type: 'string' } }, { positionals: true });
const file = args.positionals[0];
if (!file || args.positionals.length > 1) {
  console.error(USAGE);
  process.exit(2);
}
const TOP = args.number('top', 25, { min: 1 });

const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i] as number;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const label = (n: ProfileNode) => {
  const f = n.callFrame;
  const where = f.url ? `${shorten(f.url)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const byLabel = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id) as ProfileNode;
  total += us;
  const name = n.callFrame.functionName;
  if (name === '(idle)') idle += us;
  const l = label(n);
  byLabel.set(l, (byLabel.get(l) ?? 0) + us);
}
const busy = total - idle;
console.log(
  `${path.basename(file)}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (not idle)`,
);
console.log('\n| self ms | % of busy | function |');
console.log('|---|---|---|');
for (const [l, us] of [...byLabel]
  .filter(([l]) => !l.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, TOP))
  console.log(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / busy).toFixed(1)} | ${l} |`);

function shorten(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const parts = u.split('/');
  return parts.slice(-3).join('/');
}
