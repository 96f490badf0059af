import { spawn } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');

function run(
  args: string[],
): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'int/hang-fixture.ts'), ...args],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => resolve({ signal, stdout, stderr, ms: Date.now() - t0 })),
  );
}

describe('TransformWatchdog', () => {
  it('ends a process whose transform hangs synchronously, naming the task and record on stderr', async () => {
    const r = await run(['200']);
    expect(r.stdout).toBe('hanging\n');
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toMatch(
      /^\[watchdog\] pipeline p1 task 3 \(spin@1, epoch 9\): transform stuck on input partition 3 offset 42 for \d+ ms \(deadline 200 ms, WORKER_TRANSFORM_TIMEOUT_MS\); the event loop is blocked: killing worker process \d+\n$/m,
    );
  }, 20_000);
});
