/**
 * The one way the tools start processes. `ChildProc`: a long-lived child (an app, a JVM) whose
 * output is kept (its tail), optionally appended to a log file and handed to a callback, with
 * `waitFor(/line/)`, signals and exit; `startApp` runs one of the built apps (dist/apps/...).
 * `run`: a command to its end, its output collected, rejected on a non-zero exit. `runSync`: the
 * same, blocking, its output on this terminal (builds) or returned.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '@eos/infra';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChildProcOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A pipe to the child's stdin (`write`); otherwise stdin is closed. */
  stdin?: boolean;
  /** 'inherit': the child writes to this terminal and nothing is kept. Default 'pipe'. */
  output?: 'pipe' | 'inherit';
  /** Output is appended here too. */
  logFile?: string;
  /** How many characters of output `output` keeps (default 20,000; 0: none). */
  keep?: number;
  /** Every chunk of output, as it comes. */
  onData?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** A child process, its output (stdout and stderr together) kept for waits and error messages. */
export class ChildProc {
  readonly child: ChildProcess;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** The last `keep` characters of output. */
  output = '';

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    o: ChildProcOptions = {},
  ) {
    const keep = o.keep ?? 20_000;
    const piped = o.output !== 'inherit';
    const log = piped && o.logFile ? fs.createWriteStream(o.logFile, { flags: 'a' }) : undefined;
    this.child = spawn(command, args, {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: [o.stdin ? 'pipe' : 'ignore', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'],
    });
    const on = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
      const s = d.toString();
      log?.write(s);
      this.output = keep > 0 ? (this.output + s).slice(-keep) : '';
      o.onData?.(s, stream);
    };
    this.child.stdout?.on('data', on('stdout'));
    this.child.stderr?.on('data', on('stderr'));
    this.exited = new Promise((r) =>
      this.child.on('exit', (code) => {
        log?.end();
        r(code);
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** Writes one line to the child's stdin (`stdin: true`). */
  write(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Resolves once the output matches `re`; rejects when the child exits first or time runs out. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (!this.running || Date.now() > end)
        throw new Error(`${this.name}: no ${re}; output:\n${this.output.slice(-3000)}`);
      await sleep(50);
    }
  }

  /** Resolves true when it exited within `ms`. */
  exitWithin(ms: number): Promise<boolean> {
    return Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
  }

  /** SIGKILL (after SIGCONT, for a stopped child), and its exit. */
  async kill(): Promise<void> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL past `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.signal('SIGTERM');
    if (!(await this.exitWithin(graceMs))) this.signal('SIGKILL');
    await this.exited;
  }
}

/** One of the built apps (`dist/apps/<app>/main.js`) under this Node, from the repository root. */
export function startApp(name: string, script: string, o: ChildProcOptions = {}): ChildProc {
  return new ChildProc(name, process.execPath, ['--enable-source-maps', path.join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    ...o,
  });
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came. */
  output: string;
}

/**
 * Runs a command to its end and resolves with its output; rejects on a non-zero exit, a signal
 * or `timeoutMs` (the child is then killed), with the command line and the output's tail.
 */
export function run(
  command: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; what?: string } = {},
): Promise<RunResult> {
  const what = o.what ?? `${command} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const res: RunResult = { stdout: '', stderr: '', output: '' };
    child.stdout.on('data', (d: Buffer) => {
      res.stdout += d.toString();
      res.output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      res.stderr += d.toString();
      res.output += d.toString();
    });
    let timedOut = false;
    const timer =
      o.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, o.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${what} failed: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(res);
      const why = timedOut ? `timed out after ${o.timeoutMs} ms` : `exited ${code ?? signal}`;
      reject(new Error(`${what} ${why}:\n${res.output.slice(-2000)}`));
    });
  });
}

/**
 * Runs a command to its end, blocking. `inherit`: its output goes to this terminal (a build);
 * otherwise it is returned. Never throws for a non-zero exit: the caller reads `status`.
 */
export function runSync(
  command: string,
  args: string[],
  o: { cwd?: string; inherit?: boolean } = {},
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(command, args, {
    cwd: o.cwd,
    encoding: 'utf8',
    stdio: o.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
