/**
 * The EOS loop against the real broker, with tasks in real child processes.
 * Every check reads the output with kcat (librdkafka), not with kafkajs.
 */
import { FleetNames } from '@eos/fleet-names';
import type { Admin, Producer } from 'kafkajs';
import {
  checkExactlyOnce,
  ChildTask,
  createTopic,
  endOffsets,
  groupOffsets,
  produceSequence,
  readTopic,
  testBrokers,
  connectTestClients,
  type TestClients,
  uniqueName,
  waitCaughtUp,
} from '@eos/testing';

const FIXTURE = 'libs/eos-core/src/int/run-task.ts';
const suffixA = (v: string) => `${v}|a`;

let clients: TestClients;
let admin: Admin;
let producer: Producer;
const children: ChildTask[] = [];

beforeAll(async () => {
  ({ admin, producer } = clients = await connectTestClients());
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await clients.close();
});

async function pipeline(partitions: number, withDlq = false) {
  const name = uniqueName('eos');
  const input = `${name}.in`;
  const output = `${name}.out`;
  const dlq = `${name}.dlq`;
  await createTopic(admin, input, partitions);
  await createTopic(admin, output, partitions);
  if (withDlq) await createTopic(admin, dlq, 1);
  return { name, input, output, dlq, group: new FleetNames().pipelineGroup(name) };
}

function runTask(
  p: { name: string; input: string; output: string; dlq: string },
  taskIndex: number,
  partitions: number[],
  extra: Record<string, unknown> = {},
) {
  const c = new ChildTask(FIXTURE, {
    brokers: testBrokers(),
    pipeline: p.name,
    taskIndex,
    inputTopic: p.input,
    outputTopic: p.output,
    deadLetterTopic: p.dlq,
    partitions,
    transform: 'suffix',
    ...extra,
  });
  children.push(c);
  return c;
}

/** Waits until the pipeline's committed offsets reach the input's end offsets. */
async function waitCaughtUpOn(input: string, group: string): Promise<void> {
  await waitCaughtUp(admin, input, group);
}

async function expectExactlyOnce(
  p: { input: string; output: string; group: string },
  inputs: { value: string }[],
) {
  await waitCaughtUpOn(p.input, p.group);
  const out = await readTopic(p.output, 'read_committed');
  const report = checkExactlyOnce(inputs, out, suffixA);
  expect({
    missing: report.missing.slice(0, 5),
    duplicates: report.duplicates.slice(0, 5),
    unexpected: report.unexpected.slice(0, 5),
    order: report.orderViolations.slice(0, 5),
  }).toEqual({
    missing: [],
    duplicates: [],
    unexpected: [],
    order: [],
  });
  expect(out).toHaveLength(inputs.length);
  const [ends, committed] = await Promise.all([
    endOffsets(admin, p.input),
    groupOffsets(admin, p.group, p.input),
  ]);
  expect(committed).toEqual(ends);
  return out;
}

it('10,000 records over 4 partitions, 2 tasks in 2 processes: exactly once, order kept, offsets at the end', async () => {
  const p = await pipeline(4);
  const a = runTask(p, 0, [0, 2]);
  const b = runTask(p, 1, [1, 3]);
  await Promise.all([
    a.waitFor((e) => e.event === 'started', 'start'),
    b.waitFor((e) => e.event === 'started', 'start'),
  ]);
  const inputs = await produceSequence(producer, p.input, { count: 10_000, keys: 40, partitions: 4 });
  const out = await expectExactlyOnce(p, inputs);
  // Same partition in and out: per-partition order is the input order.
  for (let part = 0; part < 4; part++) {
    expect(out.filter((r) => r.partition === part).map((r) => r.value)).toEqual(
      inputs.filter((i) => i.partition === part).map((i) => suffixA(i.value)),
    );
  } // No consumer group on the data path: the pipeline's offsets group is the only group it made.
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(p.group));
  expect(groups).toEqual([p.group]);
});

it('crash: a SIGKILLed owner with an open transaction; the next owner takes over; nothing of the dead one is visible', async () => {
  const p = await pipeline(2);
  const inputs = await produceSequence(producer, p.input, { count: 600, keys: 6, partitions: 2 });
  // Each transaction stays open 60 s after its records are sent: kill it right then.
  const a = runTask(p, 0, [0, 1], { maxRecords: 50, holdBeforeCommitMs: 60_000 });
  await a.waitFor((e) => e.event === 'sent', 'a sent records in a transaction');
  a.signal('SIGKILL');
  await a.exit();
  // The killed process left an open transaction: its records are on the broker, invisible to read_committed.
  expect((await readTopic(p.output, 'read_uncommitted')).length).toBeGreaterThan(0);
  expect(await readTopic(p.output, 'read_committed')).toHaveLength(0);

  const b = runTask(p, 0, [0, 1], { maxRecords: 200 });
  await b.waitFor((e) => e.event === 'started', 'b start');
  const out = await expectExactlyOnce(p, inputs);
  expect(out).toHaveLength(600);
  const ru = await readTopic(p.output, 'read_uncommitted');
  expect(ru.length).toBeGreaterThan(out.length); // the zombie's aborted records exist but are not read_committed
});

it('zombie: A is SIGSTOPped, B takes over and commits, A resumes and is fenced, committing nothing more', async () => {
  const p = await pipeline(2);
  const first = await produceSequence(producer, p.input, { count: 200, keys: 4, partitions: 2 });
  const a = runTask(p, 0, [0, 1], { transform: 'slow', slowMs: 5, maxRecords: 20 });
  await a.waitFor((e) => e.event === 'committed', 'a commit');
  a.signal('SIGSTOP');
  const aCommitsAtStop = a.count('committed');

  const b = runTask(p, 0, [0, 1]);
  await b.waitFor((e) => e.event === 'started', 'b start');
  const second = await produceSequence(producer, p.input, { count: 200, keys: 4, partitions: 2, from: 200 });
  await waitCaughtUpOn(p.input, p.group);

  a.signal('SIGCONT');
  await a.waitFor((e) => e.event === 'fenced', 'a fenced');
  expect(await a.exit()).toBe(3);
  expect(a.count('committed')).toBe(aCommitsAtStop);
  const third = await produceSequence(producer, p.input, { count: 100, keys: 4, partitions: 2, from: 400 });
  await expectExactlyOnce(p, [...first, ...second, ...third]);
});

it('a new owner fences the running owner when it starts, before it reads the committed offsets', async () => {
  const p = await pipeline(2);
  const inputs = await produceSequence(producer, p.input, { count: 100, keys: 2, partitions: 2 });
  // A sends its batch, then holds the transaction open for 3 s before committing.
  const a = runTask(p, 0, [0, 1], { holdBeforeCommitMs: 3_000 });
  await a.waitFor((e) => e.event === 'sent', 'a sent its batch');
  // B starts (paused, so it begins no transaction for a while): its start alone must fence A,
  // whose commit then fails; otherwise A commits after B read the offsets and B redoes A's batch.
  const b = runTask(p, 0, [0, 1], { resumeAfterMs: 4_000 });
  await b.waitFor((e) => e.event === 'started', 'b start');
  await a.waitFor((e) => e.event === 'fenced', 'a fenced', 10_000);
  expect(a.count('committed')).toBe(0);
  await expectExactlyOnce(p, inputs);
});

it('poison record: dead-lettered once with its headers, and the loop goes on', async () => {
  const p = await pipeline(1, true);
  await producer.send({
    topic: p.input,
    messages: [
      { key: 'k', value: 'ok-1' },
      { key: 'k', value: 'POISON' },
      { key: 'k', value: 'ok-2' },
    ],
  });
  runTask(p, 0, [0], { transform: 'poison' });
  await waitCaughtUpOn(p.input, p.group);
  expect((await readTopic(p.output)).map((r) => r.value)).toEqual(['ok-1|a', 'ok-2|a']);
  const dlq = await readTopic(p.dlq);
  expect(dlq).toHaveLength(1);
  expect(dlq[0]).toMatchObject({
    key: 'k',
    value: 'POISON',
    headers: {
      'eos.source.topic': p.input,
      'eos.source.partition': '0',
      'eos.source.offset': '1',
      'eos.error': 'poison value',
      'eos.transform': 'poison@1',
      'eos.pipeline': p.name,
    },
  });
});

it('a failure between send and commit: abort, rewind, exactly once', async () => {
  const p = await pipeline(1);
  const inputs = await produceSequence(producer, p.input, { count: 50, keys: 1, partitions: 1 });
  const c = runTask(p, 0, [0], { maxRecords: 10, failSendOffsetsOnce: true });
  await expectExactlyOnce(p, inputs);
  expect(c.events.filter((e) => e.event === 'aborted').map((e) => e['reason'])).toEqual([
    'injected failure between send and commit',
  ]);
  // The aborted batch's records were written and aborted: visible only to read_uncommitted.
  expect((await readTopic(p.output, 'read_uncommitted')).length).toBeGreaterThan(50);
});

it('a retriable transform error: abort, rewind, exactly once, nothing dead-lettered', async () => {
  const p = await pipeline(1, true);
  const inputs = await produceSequence(producer, p.input, { count: 50, keys: 1, partitions: 1 });
  const c = runTask(p, 0, [0], { transform: 'retriable-once', maxRecords: 10 });
  await expectExactlyOnce(p, inputs);
  expect(c.events.filter((e) => e.event === 'aborted').map((e) => e['reason'])).toEqual([
    `transform failed on ${p.input}/0@5 (attempt 1 of 5): injected retriable failure`,
  ]);
  expect(await readTopic(p.dlq)).toHaveLength(0);
});

it('batches larger than a produce request (4,000 x 1 KB in one transaction) are split, not refused', async () => {
  const p = await pipeline(2);
  const pad = 'x'.repeat(1000);
  for (let i = 0; i < 4000; i += 1000) {
    await producer.send({
      topic: p.input,
      acks: -1,
      messages: Array.from({ length: 1000 }, (_, j) => ({
        partition: (i + j) % 2,
        value: `${i + j}:${pad}`,
      })),
    });
  }
  const c = runTask(p, 0, [0, 1], { maxRecords: 5000 });
  await waitCaughtUpOn(p.input, p.group);
  const out = await readTopic(p.output);
  expect(out).toHaveLength(4000);
  expect(new Set(out.map((r) => r.value)).size).toBe(4000);
  expect(c.count('aborted')).toBe(0);
  expect(
    Math.max(...c.events.filter((e) => e.event === 'committed').map((e) => e['records'] as number)),
  ).toBeGreaterThan(1000);
});
