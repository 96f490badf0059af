/**
 * Rollout timing on the real stack (controller + 3 workers, 6 tasks, continuous input): per-task
 * handoff, the output pause per task, and the whole rollout (see lib/rollout.ts). Not a test.
 * Also part of `npm run bench`.
 *
 *   npx tsx tools/bench/rollout.ts [--runs 3]
 */
import { percentile } from '@eos/testing';
import { cliArgs } from '../lib/args';
import { runRollout } from './lib/rollout';

const RUNS = cliArgs('npx tsx tools/bench/rollout.ts [--runs N]   (default 3)', {
  runs: { type: 'string' },
}).number('runs', 3, { min: 1 });

async function main(): Promise<void> {
  const { handoffMs, pauseMs, fullMs } = await runRollout({ runs: RUNS });
  console.log(
    `\nper-task handoff under load (gate to gate, one task per step), ${handoffMs.length} handoffs: median ${percentile(handoffMs, 50)} ms, max ${Math.max(...handoffMs)} ms`,
  );
  console.log(
    `output pause per task (its last commit on the old spec -> its first on the new), ${pauseMs.length} tasks: median ${percentile(pauseMs, 50)} ms, max ${Math.max(...pauseMs)} ms`,
  );
  console.log(
    `full rollout of 6 tasks, default strategy, ${RUNS} runs: median ${percentile(fullMs, 50)} ms, max ${Math.max(...fullMs)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
