/**
 * Controller restart: SIGKILL of the controller -> the restarted process serving gRPC -> every
 * task PROCESSING and every worker ACTIVE again (the workers keep their tasks running meanwhile;
 * the figure is how long the fleet has no controller that knows it).
 */
import { TaskState, WorkerState, type GetPipelineStatusResponse, type ListWorkersResponse } from '@eos/proto';
import { until, type TestStack } from '@eos/testing';
import { benchStack, identityPipeline } from './fleet';
import { startBenchLoad } from './load';
import { median } from './stats';

export interface RestartResult {
  /** Per restart: SIGKILL -> every task PROCESSING and every worker ACTIVE, ms. */
  steadyMs: number[];
  /** Per restart: spawn -> the new process's "gRPC on" line (state loaded, port bound), ms. */
  servingMs: number[];
  /** Per restart: the new process's own account of its start ("... in N ms (Kafka check ...)"). */
  starts: string[];
  /** Input records per second while restarting. */
  rate?: number;
}

/** Whether every task of `pipeline` is PROCESSING on an owner and `workers` workers are ACTIVE. */
export function fleetSteady(stack: TestStack, pipeline: string, workers: number): () => Promise<boolean> {
  return async () => {
    const s = await stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', {
      name: pipeline,
    });
    const w = await stack.call<object, ListWorkersResponse>('listWorkers', {});
    return (
      s.tasks.every((t) => t.state === TaskState.PROCESSING && t.ownerWorkerId !== '') &&
      w.workers.filter((x) => x.state === WorkerState.ACTIVE).length === workers
    );
  };
}

/**
 * Quiet time before each kill: the fleet steady this long first. Right after the workers start (or
 * reconnect), their own start-up takes the CPU a restarted controller needs to load (on the
 * 2-core machine its process took 1.1-2.4 s to come up then, against 0.4-0.55 s from a steady
 * fleet); a restart is timed from a fleet that runs, not one that starts.
 */
export const RESTART_SETTLE_MS = 5_000;

/**
 * Restarts the stack's controller `runs` times (SIGKILL, then a new process at once), each from a
 * fleet steady for {@link RESTART_SETTLE_MS}, and times each restart.
 */
export async function timeControllerRestarts(
  stack: TestStack,
  steady: () => Promise<boolean>,
  runs: number,
  log: (line: string) => void,
): Promise<Omit<RestartResult, 'rate'>> {
  const steadyMs: number[] = [];
  const servingMs: number[] = [];
  const starts: string[] = [];
  for (let r = 0; r < runs; r++) {
    await until('the stack', async () => (await steady()) || undefined);
    await new Promise((res) => setTimeout(res, RESTART_SETTLE_MS));
    await until('the stack', async () => (await steady()) || undefined);
    await stack.killController();
    const t0 = Date.now();
    const proc = await stack.startController();
    servingMs.push(Date.now() - t0);
    // Polled every 20 ms (not `until`'s 100): the poll's own granularity would count as restart time.
    await until('the stack', async () => (await steady()) || undefined, 60_000, 20);
    steadyMs.push(Date.now() - t0);
    const start = /state from \S+ \(epoch \d+\) in [^\n]*/.exec(proc.output)?.[0] ?? '';
    starts.push(start);
    log(
      `controller restart ${r + 1}: serving gRPC after ${servingMs[r]} ms, steady in ${steadyMs[r]} ms; ${start}`,
    );
  }
  return { steadyMs, servingMs, starts };
}

/**
 * A controller and 3 workers on a 6-task identity pipeline under a steady input (`rate` records/s
 * of 100 bytes), restarted `runs` times.
 */
export async function runControllerRestart(o: {
  runs: number;
  rate?: number;
  log?: (line: string) => void;
}): Promise<RestartResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const bench = await startBenchLoad({
    prefix: 'restart',
    partitions: 6,
    perSend: 60,
    valueBytes: 100,
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
  });
  const name = bench.name;
  const stack = benchStack(bench.env, { leaseMs: 3000 });
  try {
    await stack.startController();
    for (let i = 1; i <= 3; i++) stack.startWorker(`w${i}`);
    await stack.call('createPipeline', identityPipeline(name, 6));
    const r = await timeControllerRestarts(stack, fleetSteady(stack, name, 3), o.runs, log);
    log(
      `controller restart: median ${median(r.steadyMs)} ms, max ${Math.max(...r.steadyMs)} ms (serving gRPC: median ${median(r.servingMs)} ms)`,
    );
    return { ...r, ...(o.rate !== undefined ? { rate: o.rate } : {}) };
  } finally {
    await stack.stop();
    await bench.stop();
  }
}
