import { FakeKafka } from '@eos/eos-core/testing';
import { DeliveryGuarantee, type Assign, type WorkerMessage } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { TaskSupervisor } from './task-supervisor';

function setup() {
  const kafka = new FakeKafka();
  kafka.createTopic('in', 2);
  kafka.createTopic('out', 2);
  const sent: WorkerMessage[] = [];
  const logs: string[] = [];
  const sup = new TaskSupervisor({
    kafka,
    registry: new TransformRegistry(BUILTIN_TRANSFORMS),
    send: (m) => sent.push(m),
    log: (line: string) => void logs.push(line),
  });
  return { kafka, sup, sent, logs };
}

const assign = (epoch: number, specVersion = 1): Assign => ({
  task: { pipeline: 'p', taskIndex: 0 },
  epoch,
  transactionalId: 'eos.p.0',
  consumerGroup: 'eos.p',
  inputTopic: 'in',
  partitions: [0, 1],
  outputTopic: 'out',
  deadLetterTopic: '',
  transform: { name: 'identity', version: 1, config: {} },
  specVersion,
  paused: false,
  batching: { maxRecords: 0, maxBytes: 0, lingerMs: 5 },
  guarantee: DeliveryGuarantee.DELIVERY_GUARANTEE_UNSPECIFIED,
  careful: false,
  quarantined: [],
});
const kinds = (sent: WorkerMessage[]) => sent.map((m) => m.body?.$case);

describe('TaskSupervisor', () => {
  it('runs an assigned task and reports it released after a revoke', async () => {
    const { kafka, sup, sent } = setup();
    await sup.assign(assign(1));
    kafka.produce('in', 0, [{ value: 'a' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(kafka.read('out').map((r) => r.value?.toString())).toEqual(['a']);
    await sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 1, graceful: true });
    expect(sup.count()).toBe(0);
    expect(kinds(sent).filter((k) => k === 'released')).toEqual(['released']);
  });

  it('logs the input partitions whose offsets a new owner found pending and settled', async () => {
    const { kafka, sup, logs } = setup();
    kafka.strandNextCommitOffsets(); // the broker loses the offsets commit marker of this transaction
    await sup.assign(assign(1));
    kafka.produce('in', 0, [{ value: 'a' }]);
    await new Promise((r) => setTimeout(r, 50));
    await sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 1, graceful: false });
    expect(logs.filter((l) => l.includes('settled'))).toEqual([]);
    await sup.assign(assign(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.filter((l) => l.includes('settled'))).toEqual([
      expect.stringContaining('epoch 2: settled offsets the broker had left pending on input partitions 0 '),
    ]);
    expect(kafka.read('out').map((r) => r.value?.toString())).toEqual(['a']);
    await sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 2, graceful: true });
  });

  it("sends a revoked task's last commit reports before its release (later ones would not count)", async () => {
    const { kafka, sup, sent } = setup();
    await sup.assign(assign(1));
    kafka.produce('in', 0, [{ value: 'a' }, { value: 'b' }]);
    await new Promise((r) => setTimeout(r, 50));
    await sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 1, graceful: true });
    const k = kinds(sent);
    expect(k.indexOf('commits')).toBeGreaterThanOrEqual(0);
    expect(k.indexOf('commits')).toBeLessThan(k.indexOf('released'));
    const reported = sent
      .flatMap((m) => (m.body?.$case === 'commits' ? m.body.value.commits : []))
      .reduce((n, c) => n + c.records, 0);
    expect(reported).toBe(2);
    expect(sup.takeCommits()).toEqual([]);
  });

  it('an assign racing a revoke never leaves a task running: operations per task are serial', async () => {
    const { sup, sent } = setup();
    const a = sup.assign(assign(1));
    const r = sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 1, graceful: true });
    await Promise.all([a, r]);
    expect(sup.count()).toBe(0);
    expect(kinds(sent)).toContain('released');
  });

  it('ignores an assign re-sent at or below a revoked epoch (controller restarted mid-revoke)', async () => {
    const { sup } = setup();
    await sup.assign(assign(5));
    const revoking = sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 5, graceful: true });
    await sup.assign(assign(5)); // stale: must not start a second instance
    await revoking;
    expect(sup.count()).toBe(0);
    await sup.assign(assign(6)); // a newer assignment is honoured
    expect(sup.count()).toBe(1);
    await sup.stopAll(false);
  });

  it("careful mode: reports every announced record's call done, also while the task is leaving", async () => {
    const kafka = new FakeKafka();
    kafka.createTopic('in', 2);
    kafka.createTopic('out', 2);
    const sent: WorkerMessage[] = [];
    const announced: number[] = [];
    let settled = 0;
    const sup = new TaskSupervisor({
      kafka,
      registry: new TransformRegistry(BUILTIN_TRANSFORMS),
      send: (m) => sent.push(m),
      log: () => undefined,
      // The controller's ack takes a while: the revoke below lands while a record waits for it.
      announce: (v) => {
        announced.push(v.offset);
        return new Promise((r) => setTimeout(r, 30));
      },
      settled: () => void settled++,
    });
    await sup.assign({ ...assign(1), careful: true });
    kafka.produce('in', 0, [{ value: 'a' }, { value: 'b' }]);
    await new Promise((r) => setTimeout(r, 15));
    await sup.revoke({ task: { pipeline: 'p', taskIndex: 0 }, epoch: 1, graceful: true });
    const done = sent.flatMap((m) =>
      m.body?.$case === 'inFlight' && m.body.value.done ? [m.body.value.offset] : [],
    );
    expect(announced.length).toBeGreaterThan(0);
    expect(done).toEqual(announced);
    expect(settled).toBe(announced.length);
  });

  it('restarts a task on a new spec version under the same transactional id', async () => {
    const { kafka, sup } = setup();
    await sup.assign(assign(1, 1));
    await sup.assign(assign(2, 2));
    expect(sup.running()).toEqual([{ task: { pipeline: 'p', taskIndex: 0 }, epoch: 2, specVersion: 2 }]);
    expect(kafka.stats.inits).toBe(4); // two starts, each fencing the task's two transactional ids
    await sup.stopAll(true);
  });
});
