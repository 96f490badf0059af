/**
 * The chaos harness (issue #8): the real stack (Kafka, Redis, controller, N workers as
 * processes) under a seeded schedule of faults, then an independent verification of the output.
 *
 *   npm run chaos -- --quick --seed 1        # every fault kind once (CI, about 3 minutes)
 *   npm run chaos -- --seed 7                # 10 minutes of seeded faults
 *   npm run chaos -- --seed 7 --minutes 30   # the release soak
 *   npm run chaos -- --quick --seed 1 --secure   # with TLS and bearer tokens on the controller
 *
 * Every process reaches the broker through its own FaultProxy (and each worker reaches the
 * controller through another); the broker has one extra listener per proxied process whose
 * advertised port is that process's proxy, so clients stay behind it after the first metadata
 * call. The workload producer and the verifier use the broker's plain listener. Exit code 1 on
 * any violated invariant or any fault the pipeline did not recover from.
 *
 * options.ts: flags and ports; run.ts: the run; stack.ts: processes, proxies, the controller's
 * API; workload.ts: the producer; faults.ts: one handler per fault kind; progress.ts: recovery
 * times; verdict.ts (with verify.ts and checker.ts): the verdict; report.ts: the report.
 */
import { chaosOptions } from './options';
import { runChaos } from './run';

runChaos(chaosOptions()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[chaos] failed:', err);
    process.exit(1);
  },
);
