/**
 * Drain timing on the real stack: a worker with 4 tasks under continuous load is drained
 * (DrainWorker); per task, revoke -> committed and released (as the worker logs it), and the
 * whole drain (DrainWorker -> process exit 0). Not a test. Also part of `npm run bench`.
 *
 *   npx tsx tools/bench/drain.ts [--runs 3]
 */
import { percentile } from '@eos/testing';
import { runDrain } from './lib/drain';
import { cliArgs } from '../lib/args';

const RUNS = cliArgs('npx tsx tools/bench/drain.ts [--runs N]   (default 3)', {
  runs: { type: 'string' },
}).number('runs', 3, { min: 1 });

async function main(): Promise<void> {
  const { perTaskMs, wholeMs } = await runDrain({ runs: RUNS });
  console.log(
    `\ndrain of a worker with 4 tasks under load, ${RUNS} runs: per task (revoke -> committed and released) median ${percentile(perTaskMs, 50)} ms, max ${Math.max(...perTaskMs)} ms; whole drain (DrainWorker -> exit 0) median ${percentile(wholeMs, 50)} ms, max ${Math.max(...wholeMs)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
