import { FakeKafka } from '@eos/eos-core/testing';
import { DeliveryGuarantee, type Assign, type WorkerMessage } from '@eos/proto';
import { RetriableTransformError, TransformRegistry, type TransformDefinition } from '@eos/transforms';
import { TaskSupervisor } from './task-supervisor';

/** `spy@1`: records every value it transforms (in order), retries on `flaky`. */
const seen: string[] = [];
const spy: TransformDefinition = {
  name: 'spy',
  version: 1,
  create: () => (r) => {
    const v = r.value?.toString() ?? '';
    seen.push(`transform ${r.offset}`);
    if (v === 'flaky') throw new RetriableTransformError('backend busy');
    return { value: v };
  },
};

function setup() {
  seen.length = 0;
  const kafka = new FakeKafka();
  kafka.createTopic('in', 1);
  kafka.createTopic('out', 1);
  kafka.createTopic('dlq', 1);
  const sent: WorkerMessage[] = [];
  const sup = new TaskSupervisor({
    kafka,
    registry: new TransformRegistry([spy]),
    send: (m) => sent.push(m),
    log: () => undefined,
    tuning: { transformMaxAttempts: 2 },
    announce: async (v) => {
      seen.push(`announce ${v.offset}`);
      sent.push({ body: { $case: 'inFlight', value: v } });
    },
  });
  tasks.push(sup);
  return { kafka, sup, sent };
}
const tasks: TaskSupervisor[] = [];
afterEach(async () => {
  await Promise.all(tasks.splice(0).map((s) => s.stopAll(false)));
});

const assign = (extra: Partial<Assign>): Assign => ({
  task: { pipeline: 'p', taskIndex: 0 },
  epoch: 4,
  transactionalId: 'eos.p.0',
  consumerGroup: 'eos.p',
  inputTopic: 'in',
  partitions: [0],
  outputTopic: 'out',
  deadLetterTopic: 'dlq',
  transform: { name: 'spy', version: 1, config: {} },
  specVersion: 1,
  paused: false,
  batching: { maxRecords: 0, maxBytes: 0, lingerMs: 5 },
  guarantee: DeliveryGuarantee.DELIVERY_GUARANTEE_UNSPECIFIED,
  careful: false,
  quarantined: [],
  ...extra,
});

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
const committed = (kafka: FakeKafka) => kafka.groups.get('eos.p')?.get('in')?.get(0);

describe('TaskSupervisor: poison records', () => {
  it('careful mode announces each record to the controller before transforming it; quarantined records skip the transform', async () => {
    const { kafka, sup, sent } = setup();
    kafka.produce('in', 0, [{ value: 'a' }, { value: 'boom' }, { value: 'b' }]);
    await sup.assign(
      assign({
        careful: true,
        quarantined: [{ partition: 0, offset: 1, reason: 'crashed 2 workers', atMs: 1 }],
      }),
    );
    await until(() => committed(kafka) === 3, 'committed');
    expect(seen).toEqual(['announce 0', 'transform 0', 'announce 2', 'transform 2']);
    const inFlight = sent.flatMap((m) => (m.body?.$case === 'inFlight' ? [m.body.value] : []));
    const t = { pipeline: 'p', taskIndex: 0 };
    // Announced (and acknowledged) before, and reported done after, each transform call.
    expect(inFlight).toEqual([
      { task: t, epoch: 4, partition: 0, offset: 0, done: false },
      { task: t, epoch: 4, partition: 0, offset: 0, done: true },
      { task: t, epoch: 4, partition: 0, offset: 2, done: false },
      { task: t, epoch: 4, partition: 0, offset: 2, done: true },
    ]);
    expect(
      kafka.read('dlq').map((r) => [r.value?.toString(), r.headers['eos.reason'], r.headers['eos.error']]),
    ).toEqual([['boom', 'quarantined', 'crashed 2 workers']]);
    expect(kafka.read('out').map((r) => r.value?.toString())).toEqual(['a', 'b']);
  });

  it('outside careful mode nothing is announced; a retrying transform is reported as the task problem', async () => {
    const { kafka, sup, sent } = setup();
    kafka.produce('in', 0, [{ value: 'flaky' }, { value: 'b' }]);
    await sup.assign(assign({}));
    await until(() => committed(kafka) === 2, 'committed');
    expect(seen.filter((s) => s.startsWith('announce'))).toEqual([]);
    expect(sent.flatMap((m) => (m.body?.$case === 'problem' ? [m.body.value.message] : []))).toEqual([
      'transform failed on in/0@0 (attempt 1 of 2): backend busy',
    ]);
    expect(kafka.read('dlq').map((r) => r.headers['eos.reason'])).toEqual(['retries-exhausted']);
  });
});
