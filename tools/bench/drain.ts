/**
 * Drain timing on the real stack: a worker with 4 tasks under continuous load is drained
 * (DrainWorker); per task, revoke -> committed and released (as the worker logs it), and the
 * whole drain (DrainWorker -> process exit 0). Not a test. Also part of `npm run bench`.
 *
 *   npx tsx tools/bench/drain.ts [--runs 3] [--rate N]   (N input records/s of 1 KB; default: as fast as one producer goes)
 */
import { percentile } from '@eos/testing';
import { runDrain } from './lib/drain';
import { cliArgs } from '../lib/args';

const args = cliArgs(
  'npx tsx tools/bench/drain.ts [--runs N] [--rate N]   (default 3 runs, unlimited rate)',
  {
    runs: { type: 'string' },
    rate: { type: 'string' },
  },
);
const RUNS = args.number('runs', 3, { min: 1 });
const RATE = args.has('rate') ? args.number('rate', 0, { min: 1 }) : undefined;

async function main(): Promise<void> {
  const { perTaskMs, wholeMs, pauseMs } = await runDrain({ runs: RUNS, ...(RATE ? { rate: RATE } : {}) });
  console.log(
    `\ndrain of a worker with 4 tasks under load, ${RUNS} runs: per task (revoke -> committed and released) median ${percentile(perTaskMs, 50)} ms, max ${Math.max(...perTaskMs)} ms; whole drain (DrainWorker -> exit 0) median ${percentile(wholeMs, 50)} ms, max ${Math.max(...wholeMs)} ms; output pause per moved task median ${percentile(pauseMs ?? [], 50)} ms, max ${Math.max(...(pauseMs ?? []))} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
