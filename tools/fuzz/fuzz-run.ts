import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import type { Kafka } from 'kafkajs';
import { ListPipelinesRequest, ListPipelinesResponse, PipelineState, type Pipeline } from '@eos/proto';
import { TestStack } from '@eos/testing';
import { describeAction, type Action, type NamePools } from './actions';
import { caseArb } from './arbitraries';
import { fillNames, runAction } from './drivers';
import { violation } from './oracle';

export interface FuzzOptions {
  seed: number;
  /** Time spent generating and running cases (startup and the restart check come on top). */
  durationMs: number;
  kafka: Kafka;
  /** Environment of the controller and worker processes (brokers, Redis). */
  env: NodeJS.ProcessEnv;
  repo: string;
  log: (m: string) => void;
}

export interface FuzzReport {
  passed: boolean;
  cases: number;
  actions: number;
  seconds: number;
  /** Answers by status (`http 400`, `grpc INVALID_ARGUMENT`, `client-refused`). */
  answers: Record<string, number>;
  failure?: string;
  summary: string;
}

const WORKERS = ['fz-w0', 'fz-w1'];

/** Starts the stack, runs the property until the time is up or it fails, then checks a restart. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  for (const app of ['controller', 'worker'])
    if (!fs.existsSync(`${o.repo}/dist/apps/${app}/main.js`))
      throw new Error(`dist/apps/${app}/main.js is missing: run \`npm run build\` first`);
  const run = `fz${o.seed}-${Date.now().toString(36)}`;
  const pools: NamePools = {
    pipelines: ['a', 'b', 'c'].map((x) => `${run}-${x}`),
    inputTopics: [0, 1, 2].map((i) => `${run}.in${i}`),
    outputTopics: [0, 1, 2].map((i) => `${run}.out${i}`),
    workers: [...WORKERS, 'fz-ghost'],
    stateTopic: '',
  };
  const admin = o.kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: pools.inputTopics.map((topic) => ({ topic, numPartitions: 4, replicationFactor: 1 })),
  });
  await admin.disconnect();

  const stack = new TestStack({ leaseMs: 3000, env: { ...o.env, WORKER_CAPACITY: '6' } });
  pools.stateTopic = stack.stateTopic;
  const answers: Record<string, number> = {};
  let cases = 0;
  let actions = 0;
  let failure: string | undefined;
  let firstViolation: string | undefined;
  let fuzzSeconds = 0;
  const t0 = Date.now();
  let client: grpc.Client | undefined;
  try {
    await stack.startController();
    for (const w of WORKERS) stack.startWorker(w);
    client = new grpc.Client(stack.addr, grpc.credentials.createInsecure());
    const target = { httpPort: stack.httpPort, grpcAddr: stack.addr };
    const controller = () => stack.controller as NonNullable<typeof stack.controller>;
    o.log(
      `seed ${o.seed}: controller ${stack.addr} / http ${stack.httpPort}, ${WORKERS.length} workers, fuzzing for ${o.durationMs / 1000} s`,
    );

    // fast-check's time limit does not wait for the case in flight: it is awaited (and ends at its
    // next action) before the restart check, whose SIGKILL would otherwise cut its request.
    let stopped = false;
    let inFlight: Promise<void> | undefined;
    const runCase = async (sequence: Action[]) => {
      cases++;
      // A drained worker exits 0 (as designed): start it again so the fleet keeps workers.
      for (const w of WORKERS) if (!stack.procs.some((p) => p.name === w && p.running)) stack.startWorker(w);
      for (const raw of sequence) {
        if (stopped) return;
        const a = fillNames(raw, pools);
        actions++;
        const out = await runAction(a, target, client as grpc.Client);
        const key =
          out === 'client-refused'
            ? 'client-refused'
            : out.transport === 'http'
              ? `http ${out.status}`
              : out.transport === 'grpc'
                ? `grpc ${grpc.status[out.code]}`
                : out.transport === 'closed-oversized'
                  ? 'closed (oversized request)'
                  : 'no answer';
        answers[key] = (answers[key] ?? 0) + 1;
        // No answer: give a dying controller a moment to be seen exiting (the better report).
        if (out !== 'client-refused' && out.transport === 'none')
          await Promise.race([controller().exit(), new Promise((r) => setTimeout(r, 1_000).unref())]);
        if (!controller().running) {
          firstViolation ??= `the controller exited on ${describeAction(a)}`;
          throw new Error(
            `the controller exited (code ${controller().child.exitCode ?? controller().child.signalCode}) on ${describeAction(a)}\n--- its last output:\n${controller().output.slice(-2000)}`,
          );
        }
        if (out !== 'client-refused') {
          const v = violation(out);
          if (v) {
            // Kept here too: a case failing as fast-check's time limit strikes is not reported by it.
            firstViolation ??= `${v} on ${describeAction(a)}`;
            throw new Error(`${v} on ${describeAction(a)}`);
          }
        }
      }
    };
    const property = fc.asyncProperty(caseArb, (sequence: Action[]) => (inFlight = runCase(sequence)));
    const fuzzStart = Date.now();
    const result = await fc.check(property, {
      seed: o.seed,
      numRuns: 1_000_000,
      interruptAfterTimeLimit: o.durationMs,
      markInterruptAsFailure: false,
      endOnFailure: true,
    });
    fuzzSeconds = (Date.now() - fuzzStart) / 1000;
    stopped = true;
    await inFlight?.catch(() => undefined);
    if (result.failed)
      failure = `case ${result.numRuns} (seed ${o.seed}, path ${result.counterexamplePath}): ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`;

    failure ??= firstViolation;
    if (!failure) failure = await checkRestart(stack, o.log);
  } finally {
    client?.close();
    await stack.stop();
  }
  const seconds = (Date.now() - t0) / 1000;
  const rate = cases / Math.max(1e-3, fuzzSeconds);
  const counts = Object.entries(answers)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  const summary = [
    `[fuzz] seed ${o.seed}: ${cases} cases (${actions} requests) in ${fuzzSeconds.toFixed(1)} s of fuzzing (${seconds.toFixed(1)} s with startup and the restart check), ${rate.toFixed(1)} cases/s`,
    `[fuzz] answers: ${counts}`,
    failure
      ? `[fuzz] FAILED: ${failure}`
      : '[fuzz] passed: the controller never exited, every answer was documented, a restart kept every pipeline',
  ].join('\n');
  return { passed: !failure, cases, actions, seconds, answers, failure, summary };
}

/** What a restart must keep of a pipeline (a rollout still running may change only the transform config and spec version). */
const durable = (p: Pipeline) => ({
  name: p.spec?.name,
  inputTopic: p.spec?.inputTopic,
  outputTopic: p.spec?.outputTopic,
  deadLetterTopic: p.spec?.deadLetterTopic,
  tasks: p.spec?.tasks,
  guarantee: p.spec?.guarantee,
  // DEGRADED is RUNNING with tasks waiting for a worker, which depends on who has reconnected yet.
  state: p.state === PipelineState.DEGRADED ? PipelineState.RUNNING : p.state,
});

async function listPipelines(addr: string): Promise<ReturnType<typeof durable>[]> {
  const client = new grpc.Client(addr, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        '/eos.v1.AdminService/ListPipelines',
        (r: ListPipelinesRequest) => Buffer.from(ListPipelinesRequest.encode(r).finish()),
        (b: Buffer) => ListPipelinesResponse.decode(b),
        {},
        new grpc.Metadata(),
        { deadline: Date.now() + 15_000 },
        (err, res) =>
          err || !res ? reject(err ?? new Error('no answer')) : resolve(res.pipelines.map(durable)),
      ),
    );
  } finally {
    client.close();
  }
}

/** SIGKILL + start: the controller comes back from its state topic with every pipeline as it was. */
async function checkRestart(stack: TestStack, log: (m: string) => void): Promise<string | undefined> {
  const before = await listPipelines(stack.addr);
  await stack.killController();
  const t = Date.now();
  try {
    await stack.startController();
  } catch (err) {
    return `the controller did not start again from its state topic: ${(err as Error).message}`;
  }
  const after = await listPipelines(stack.addr);
  log(`restart: ${after.length} pipelines back in ${Date.now() - t} ms`);
  const a = JSON.stringify(before);
  const b = JSON.stringify(after);
  return a === b ? undefined : `pipelines changed across a restart:\nbefore ${a}\nafter  ${b}`;
}
