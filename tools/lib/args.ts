/**
 * Command-line flags for the tools, on `node:util` `parseArgs` (strict): an unknown flag or a
 * flag without its value is an error that names the flag and prints the usage text (exit 2);
 * `--help` prints the usage text (exit 0).
 */
import { parseArgs } from 'node:util';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** A usage mistake: the message and the usage text go to stderr, exit code 2. */
export class UsageError extends Error {}

export class Args {
  constructor(
    readonly values: Record<string, string | boolean | undefined>,
    /** Words that are not flags (only for tools that take them). */
    readonly positionals: string[],
    private readonly fail: (message: string) => never = (m) => {
      throw new UsageError(m);
    },
  ) {}

  /** A boolean flag: present or not. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }

  string(name: string): string | undefined;
  string(name: string, dflt: string): string;
  string(name: string, dflt?: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : dflt;
  }

  /** A number flag; not a finite number (or below `min`) is a usage error. */
  number(name: string, dflt: number, o: { min?: number } = {}): number {
    const raw = this.string(name);
    if (raw === undefined) return dflt;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (o.min !== undefined && v < o.min))
      this.fail(`--${name}: expected a number${o.min !== undefined ? ` >= ${o.min}` : ''}, got ${raw}`);
    return v;
  }

  /** A comma-separated list flag, undefined when absent. */
  list(name: string): string[] | undefined {
    return this.string(name)?.split(',');
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }
}

/** Parses `argv` (default: this process's arguments) against `flags`; throws UsageError. */
export function parseFlags(flags: FlagSpec, o: { positionals?: boolean; argv?: string[] } = {}): Args {
  try {
    const { values, positionals } = parseArgs({
      args: o.argv ?? process.argv.slice(2),
      options: { ...flags, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: o.positionals ?? false,
    });
    return new Args(values, positionals);
  } catch (err) {
    // Node's own TypeError (another realm under jest): recognised by its code.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((err as Error).message);
    throw err;
  }
}

/**
 * `parseFlags` for a command's entry point: `--help` prints `usage` and exits 0; a usage mistake
 * (here or in a later `number`) prints the message and `usage` and exits 2.
 */
export function cliArgs(usage: string, flags: FlagSpec, o: { positionals?: boolean } = {}): Args {
  const fail = (message: string): never => {
    console.error(`error: ${message}\n\n${usage.trim()}`);
    process.exit(2);
  };
  let args: Args;
  try {
    args = parseFlags(flags, o);
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message);
    throw err;
  }
  if (args.flag('help')) {
    console.log(usage.trim());
    process.exit(0);
  }
  return new Args(args.values, args.positionals, fail);
}
