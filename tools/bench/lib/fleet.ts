/** Our fleet under test: a controller and N workers (real processes from dist/), one identity pipeline. */
import * as path from 'node:path';
import { FleetNames, atLeastOnceGroupOf } from '@eos/fleet-names';
import type { Admin } from 'kafkajs';
import {
  DeliveryGuarantee,
  TaskState,
  WorkerState,
  type GetPipelineStatusResponse,
  type ListWorkersResponse,
} from '@eos/proto';
import { taskPartitions } from '@eos/control-plane';
import { TestStack, freePort, until, type Proc } from '@eos/testing';
import { scrapeLoop, type LoopTotals } from './loop-metrics';
import type { BenchEnv } from './infra';

/** CreatePipeline's request for an identity pipeline `name` on `name.in` -> `name.out`. */
export function identityPipeline(name: string, tasks: number) {
  return {
    spec: {
      name,
      inputTopic: `${name}.in`,
      outputTopic: `${name}.out`,
      tasks,
      transform: { name: 'identity', version: 1, config: {} },
    },
  };
}

/** A TestStack on the bench's controller ports (CONTROLLER_GRPC_PORT / CONTROLLER_HTTP_PORT when set). */
export function benchStack(env: BenchEnv, o: { leaseMs?: number } = {}): TestStack {
  // BENCH_WORKER_CPU_PROF=<dir> / BENCH_CONTROLLER_CPU_PROF=<dir>: every worker / controller
  // writes a V8 CPU profile there when it exits (a SIGKILLed controller writes none; summarize one
  // with tools/bench/profile-top.ts).
  const cpuProf = (dir: string | undefined) =>
    dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : undefined;
  const stack = new TestStack({
    leaseMs: o.leaseMs ?? 3000,
    workerNodeArgs: cpuProf(process.env.BENCH_WORKER_CPU_PROF),
    controllerNodeArgs: cpuProf(process.env.BENCH_CONTROLLER_CPU_PROF),
  });
  if (env.grpcPort) stack.grpcPort = env.grpcPort;
  if (env.httpPort) stack.httpPort = env.httpPort;
  return stack;
}

export type Guarantee = 'exactly-once' | 'at-least-once';

/** A unit of processing (worker or Streams instance) that the failover scenario can kill. */
export interface SystemUnderTest {
  readonly label: string;
  /** Starts `units` processing units on `input` -> `output` and waits until every partition is owned. */
  start(units: number): Promise<void>;
  /** Pids of the live processing units. */
  pids(): number[];
  /** Holds processing (every unit stays in place) until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Sum of the committed input offsets (what is committed end to end). */
  committed(admin: Admin): Promise<number>;
  /** SIGKILLs the unit owning the most input partitions; returns them and the kill time. */
  killBusiest(): Promise<{ victim: string; partitions: number[]; killedAt: number }>;
  /** Starts one more unit and waits until every partition is owned by a live unit. */
  addUnit(): Promise<void>;
  /** Our fleet only: the live workers' loop counters summed (`eos_worker_loop_seconds_total`). */
  loopTotals?(): Promise<LoopTotals>;
  stop(): Promise<void>;
}

/** Sum of a group's committed offsets on a topic (0 for partitions without any). */
export async function groupTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  let total = 0;
  for (const t of res) for (const p of t.partitions) total += Math.max(0, Number(p.offset));
  return total;
}

/** Label suffix of a fleet whose workers do not overlap a commit with the next batch. */
export const NOT_OVERLAPPED = ', commits not overlapped';

export class Fleet implements SystemUnderTest {
  readonly label: string;
  private readonly stack: TestStack;
  private readonly workers = new Map<string, Proc>();
  /** Each worker's metrics port (WORKER_HTTP_PORT). */
  private readonly metricsPorts = new Map<string, number>();
  private n = 0;

  constructor(
    env: BenchEnv,
    private readonly o: {
      name: string;
      input: string;
      output: string;
      tasks: number;
      /** Input partitions. */
      partitions: number;
      guarantee: Guarantee;
      leaseMs?: number;
      /**
       * false: the workers run with WORKER_OVERLAP_COMMITS=false (each batch commits before the
       * next begins, one transactional id per task), the baseline of what overlapping buys.
       */
      overlapCommits?: boolean;
      /** The pipeline's batching (absent: the controller's defaults; the report's command line shows it). */
      batching?: { maxRecords: number; maxBytes: number };
    },
  ) {
    this.label = `eos-fleet ${o.guarantee}${o.overlapCommits === false ? NOT_OVERLAPPED : ''}`;
    this.stack = benchStack(env, { leaseMs: o.leaseMs });
  }

  private status(): Promise<GetPipelineStatusResponse> {
    return this.stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', {
      name: this.o.name,
    });
  }

  private async activeWorkers(): Promise<number> {
    const w = await this.stack.call<object, ListWorkersResponse>('listWorkers', {});
    return w.workers.filter((x) => x.state === WorkerState.ACTIVE && this.workers.has(x.workerId)).length;
  }

  private async startWorker(): Promise<void> {
    const id = `w${++this.n}`;
    const port = await freePort();
    this.metricsPorts.set(id, port);
    this.workers.set(
      id,
      this.stack.startWorker(id, {
        WORKER_HTTP_PORT: String(port),
        ...(this.o.overlapCommits === false ? { WORKER_OVERLAP_COMMITS: 'false' } : {}),
      }),
    );
  }

  private async waitStable(): Promise<GetPipelineStatusResponse> {
    return until(
      `${this.o.name}: every task processing on a live worker`,
      async () => {
        if ((await this.activeWorkers()) !== this.workers.size) return undefined;
        const s = await this.status();
        return s.tasks.length === this.o.tasks &&
          s.tasks.every((t) => t.state === TaskState.PROCESSING && this.workers.has(t.ownerWorkerId))
          ? s
          : undefined;
      },
      60_000,
    );
  }

  async start(units: number): Promise<void> {
    await this.stack.startController();
    for (let i = 0; i < units; i++) await this.startWorker();
    // Workers first: the pipeline is placed on all of them at once.
    await until('workers registered', async () => (await this.activeWorkers()) === units, 60_000);
    await this.stack.call('createPipeline', {
      spec: {
        name: this.o.name,
        inputTopic: this.o.input,
        outputTopic: this.o.output,
        tasks: this.o.tasks,
        transform: { name: 'identity', version: 1, config: {} },
        deadLetterTopic: '',
        ...(this.o.batching ? { batching: { ...this.o.batching, lingerMs: 0 } } : {}),
        guarantee:
          this.o.guarantee === 'at-least-once'
            ? DeliveryGuarantee.AT_LEAST_ONCE
            : DeliveryGuarantee.EXACTLY_ONCE,
      },
    });
    await this.waitStable();
  }

  async pause(): Promise<void> {
    await this.stack.call('pausePipeline', { name: this.o.name });
    await until(
      `${this.o.name} paused`,
      async () => (await this.status()).tasks.every((t) => t.state === TaskState.SUSPENDED),
      30_000,
    );
  }

  async resume(): Promise<void> {
    await this.stack.call('resumePipeline', { name: this.o.name });
  }

  pids(): number[] {
    return [...this.workers.values()].filter((p) => p.running).map((p) => p.pid);
  }

  async committed(admin: Admin): Promise<number> {
    if (this.o.guarantee === 'exactly-once')
      return groupTotal(admin, new FleetNames().pipelineGroup(this.o.name), this.o.input);
    // At-least-once tasks commit to groups of their own (libs/eos-core, offsetsGroup()).
    const parts = await Promise.all(
      Array.from({ length: this.o.tasks }, (_, t) =>
        groupTotal(admin, atLeastOnceGroupOf(new FleetNames().pipelineGroup(this.o.name), t), this.o.input),
      ),
    );
    return parts.reduce((a, b) => a + b, 0);
  }

  async killBusiest(): Promise<{ victim: string; partitions: number[]; killedAt: number }> {
    const s = await this.waitStable();
    const owned = new Map<string, number[]>();
    for (const t of s.tasks)
      owned.set(t.ownerWorkerId, [
        ...(owned.get(t.ownerWorkerId) ?? []),
        ...taskPartitions(t.taskIndex, this.o.tasks, this.o.partitions),
      ]);
    const [victim, partitions] = [...owned].sort((a, b) => b[1].length - a[1].length)[0]!;
    const killedAt = Date.now();
    this.workers.get(victim)!.kill('SIGKILL');
    this.workers.delete(victim);
    return { victim, partitions, killedAt };
  }

  async addUnit(): Promise<void> {
    await this.startWorker();
    await this.waitStable();
  }

  async loopTotals(): Promise<LoopTotals> {
    const live = [...this.workers].filter(([, p]) => p.running).map(([id]) => this.metricsPorts.get(id)!);
    return scrapeLoop(live, this.o.name);
  }

  /** A worker's process (the drain scenario signals it). */
  worker(id: string): Proc | undefined {
    return this.workers.get(id);
  }

  async stop(): Promise<void> {
    await this.stack.stop();
  }
}
