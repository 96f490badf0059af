/** Spawns a TypeScript fixture as a real child process (tsx) and watches its JSON-lines events. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

const REPO = path.resolve(__dirname, '../../..');

export interface ChildEvent {
  event: string;
  pid: number;
  [k: string]: unknown;
}

export class ChildTask {
  readonly events: ChildEvent[] = [];
  readonly proc: ChildProcess;
  private readonly exited: Promise<number | null>;
  stderr = '';

  constructor(script: string, arg: unknown) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, script), JSON.stringify(arg)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    readline.createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ChildEvent);
      } catch {
        /* not an event line */
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8_000);
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  /** Waits until an event matching `pred` arrives (checks the child's events, never sleeps blindly). */
  async waitFor(pred: (e: ChildEvent) => boolean, what: string, timeoutMs = 60_000): Promise<ChildEvent> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (this.proc.exitCode !== null || Date.now() > end) {
        throw new Error(
          `child ${this.pid}: no ${what} (exit ${this.proc.exitCode}); stderr:\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.proc.exitCode === null) this.proc.kill(sig);
  }

  exit(): Promise<number | null> {
    return this.exited;
  }

  /** Kills the child if still running and waits for it. */
  async dispose(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGCONT');
      this.proc.kill('SIGKILL');
    }
    await this.exited;
  }
}
