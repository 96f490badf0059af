import { parseArgs } from 'node:util';

/** What one run of the controller-scale benchmark does. */
export interface ScaleOptions {
  quick: boolean;
  /** Simulated workers. @default 1000 (200 with --quick) */
  workers: number;
  /** Tasks in all, spread over the pipelines. @default 10000 (2000 with --quick) */
  tasks: number;
  /** @default 10 (2 with --quick) */
  pipelines: number;
  /** Each worker's capacity: room for the survivors to take the dead workers' tasks. @default ceil(tasks / workers * 1.6) */
  capacity: number;
  /** @default 10000 (5000 with --quick) */
  steadyMs: number;
  /** Each task's commit report interval (0: none). @default 1000 */
  commitEveryMs: number;
  /** @default 5000 (3000 with --quick) */
  stormMs: number;
  /** The restart phase gives up (and says so) after this long. @default 120000 */
  restartTimeoutMs: number;
  /** The controller runs with --cpu-prof (profiles under results/profiles). */
  cpuProf: boolean;
  /** Another controller build to measure (e.g. a baseline commit's dist/apps/controller/main.js). */
  controllerScript: string | undefined;
  /** Share of the workers killed at once in the reassign phase. */
  killFraction: number;
  /** The controller's worker lease. */
  leaseMs: number;
}

export const USAGE =
  'npx tsx tools/bench/controller-scale.ts [--quick] [--workers N] [--tasks N] [--pipelines N] [--capacity N]\n' +
  '  [--steady-ms N] [--commit-every-ms N] [--storm-ms N] [--restart-timeout-ms N] [--cpu-prof] [--controller FILE]';

const number = { type: 'string' } as const;

/** Parses the command line (process.argv.slice(2)); throws naming a bad flag or value. */
export function parseScaleOptions(args: string[]): ScaleOptions {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      controller: { type: 'string' },
      workers: number,
      tasks: number,
      pipelines: number,
      capacity: number,
      'steady-ms': number,
      'commit-every-ms': number,
      'storm-ms': number,
      'restart-timeout-ms': number,
    },
  });
  const num = (name: keyof typeof values, fallback: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new Error(`--${name} ${String(raw)}: not a number >= 0\n${USAGE}`);
    return n;
  };
  const { quick } = values;
  const workers = num('workers', quick ? 200 : 1000);
  const tasks = num('tasks', quick ? 2000 : 10_000);
  return {
    quick,
    workers,
    tasks,
    pipelines: num('pipelines', quick ? 2 : 10),
    capacity: num('capacity', Math.ceil((tasks / workers) * 1.6)),
    steadyMs: num('steady-ms', quick ? 5_000 : 10_000),
    commitEveryMs: num('commit-every-ms', 1_000),
    stormMs: num('storm-ms', quick ? 3_000 : 5_000),
    restartTimeoutMs: num('restart-timeout-ms', 120_000),
    cpuProf: values['cpu-prof'],
    controllerScript: values.controller,
    killFraction: 0.1,
    leaseMs: 3_000,
  };
}
