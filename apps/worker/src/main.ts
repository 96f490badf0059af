import { hostname } from 'node:os';

// Placeholder until the control plane lands: the worker process stays up until SIGTERM/SIGINT.
const id = process.env['WORKER_ID'] ?? `${hostname()}-${process.pid}`;
console.log(`[worker ${id}] started (placeholder)`);
const timer = setInterval(() => undefined, 1 << 30);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    clearInterval(timer);
    console.log(`[worker ${id}] ${sig}: exiting`);
    process.exit(0);
  });
}
