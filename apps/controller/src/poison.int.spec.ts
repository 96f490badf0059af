/**
 * Poison quarantine on the real stack (controller and worker processes from dist/, real broker,
 * gRPC): a user transform that ends the worker process on one record and hangs it in a
 * synchronous loop on another. Workers that die are replaced, as a process manager would. The
 * controller pins each record (careful mode, from the second death) and quarantines it after CONTROLLER_QUARANTINE_AFTER
 * deaths there; both records end in the dead-letter topic and the rest of the output is exactly
 * once (read with kcat, read_committed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import type { GetPipelineStatusResponse } from '@eos/proto';
import {
  checkExactlyOnce,
  connectTestClients,
  createTopic,
  produceSequence,
  readTopic,
  TestStack,
  uniqueName,
  waitCaughtUp,
  type Proc,
  type TestClients,
} from '@eos/testing';

let clients: TestClients;
let admin: Admin;
let producer: Producer;
let stack: TestStack;
let transformsDir: string;

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
  transformsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-poison-'));
  fs.writeFileSync(
    path.join(transformsDir, 'deadly.js'),
    `module.exports = { name: 'deadly', version: 1, create: () => (r) => {
       const v = String(r.value);
       if (v === 'CRASH') process.exit(3);
       if (v === 'HANG') { for (;;) {} }
       return { value: v + '|a' };
     } };`,
  );
});
afterAll(async () => {
  await clients.close();
  fs.rmSync(transformsDir, { recursive: true, force: true });
});
afterEach(async () => {
  await stack.stop();
});

it('a record that crashes its worker and one that hangs it are quarantined; the rest exactly once', async () => {
  stack = new TestStack({
    leaseMs: 1500,
    env: {
      TRANSFORMS_DIR: transformsDir,
      WORKER_TRANSFORM_TIMEOUT_MS: '1000',
      CONTROLLER_QUARANTINE_AFTER: '2',
    },
  });
  await stack.startController();
  // Two workers at all times: one that dies is replaced (a new process, a new id).
  const workers: Proc[] = [];
  let started = 0;
  const spawnWorker = () => workers.push(stack.startWorker(`pw${++started}`));
  spawnWorker();
  spawnWorker();
  const keeper = setInterval(() => {
    for (const [i, w] of workers.entries())
      if (!w.running) {
        workers.splice(i, 1);
        spawnWorker();
        return;
      }
  }, 100);
  try {
    const name = uniqueName('quar');
    const input = `${name}.in`;
    const output = `${name}.out`;
    const dlq = `${name}.dlq`;
    await createTopic(admin, input, 2);
    await stack.call('createPipeline', {
      spec: {
        name,
        inputTopic: input,
        outputTopic: output,
        tasks: 2,
        transform: { name: 'deadly', version: 1, config: {} },
        deadLetterTopic: dlq,
      },
    });
    const before = await produceSequence(producer, input, { count: 400, keys: 8, partitions: 2 });
    await producer.send({
      topic: input,
      acks: -1,
      messages: [
        { partition: 0, key: 'x', value: 'CRASH' },
        { partition: 1, key: 'y', value: 'HANG' },
      ],
    });
    const after = await produceSequence(producer, input, { count: 400, keys: 8, partitions: 2, from: 400 });

    await waitCaughtUp(admin, input, `eos.${name}`, 180_000);
    const out = await readTopic(output, 'read_committed');
    const report = checkExactlyOnce([...before, ...after], out, (v) => `${v}|a`);
    expect({
      missing: report.missing.length,
      duplicates: report.duplicates.length,
      unexpected: report.unexpected,
    }).toEqual({
      missing: 0,
      duplicates: 0,
      unexpected: [],
    });
    expect(out).toHaveLength(800);

    const dead = await readTopic(dlq, 'read_committed');
    expect(
      dead.map((d) => [d.value, d.headers['eos.reason'], d.headers['eos.source.offset']]).sort(),
    ).toEqual([
      ['CRASH', 'quarantined', '200'],
      ['HANG', 'quarantined', '200'],
    ]);
    for (const d of dead)
      expect(d.headers['eos.error']).toMatch(
        // How the last death was seen (lease expired, session closed) is the controller's wording.
        /^quarantined by the controller: crashed or hung its worker 2 times \(last: worker pw\d+ .+\)$/,
      );

    // The controller shows what it quarantined, per task.
    const status = await stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', {
      name,
    });
    expect(status.tasks.map((t) => t.quarantined.map((q) => [q.partition, q.offset]))).toEqual([
      [[0, 200]],
      [[1, 200]],
    ]);
    // The watchdog named the hanging record before it ended its process.
    const all = stack.procs.map((p) => p.output).join('\n');
    expect(all).toMatch(
      /\[watchdog\] pipeline \S+ task 1 \(deadly@1, epoch \d+\): transform stuck on input partition 1 offset 200/,
    );
    // Bounded: each record took 2 + 2 deaths at most (two before careful mode, two pinned there;
    // a death can take both tasks' records down at once).
    expect(started - 2).toBeGreaterThanOrEqual(4);
    expect(started - 2).toBeLessThanOrEqual(8);
  } finally {
    clearInterval(keeper);
    if (process.env['POISON_DEBUG'])
      fs.writeFileSync(
        process.env['POISON_DEBUG'],
        stack.procs.map((p) => `==== ${p.name}\n${p.output}`).join('\n'),
      );
  }
}, 240_000);
