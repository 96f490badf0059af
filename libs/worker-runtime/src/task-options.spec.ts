import { FakeKafka } from '@eos/eos-core/testing';
import { DeliveryGuarantee, type Assign } from '@eos/proto';
import { taskOptions, type TaskParts } from './task-options';

const assign = (extra: Partial<Assign> = {}): Assign => ({
  task: { pipeline: 'p', taskIndex: 2 },
  epoch: 3,
  transactionalId: 'eos.p.2',
  consumerGroup: 'eos.p',
  inputTopic: 'in',
  partitions: [2],
  outputTopic: 'out',
  deadLetterTopic: '',
  transform: { name: 'identity', version: 1, config: {} },
  specVersion: 7,
  paused: false,
  batching: { maxRecords: 0, maxBytes: 500, lingerMs: 0 },
  guarantee: DeliveryGuarantee.DELIVERY_GUARANTEE_UNSPECIFIED,
  careful: false,
  quarantined: [],
  ...extra,
});
const parts = (tuning: TaskParts['tuning'] = {}): TaskParts => ({
  task: { pipeline: 'p', taskIndex: 2 },
  transform: (r) => ({ value: r.value }),
  transformId: 'identity@1',
  kafka: new FakeKafka(),
  probe: undefined,
  tuning,
});

describe('taskOptions', () => {
  it("turns the wire's zero values into EosTask defaults and leaves unset tuning out", () => {
    const o = taskOptions(assign(), parts());
    expect(o.deadLetterTopic).toBeUndefined();
    expect(o.batching).toEqual({ maxRecords: undefined, maxBytes: 500, lingerMs: undefined });
    expect(o.mode).toBe('exactly-once');
    expect(o.outputHeaders).toEqual({ 'eos.spec-version': '7', 'eos.transform': 'identity@1' });
    // An explicit undefined would override EosTask's own default.
    expect('transactionTimeoutMs' in o).toBe(false);
    expect('transformTimeoutMs' in o).toBe(false);
    expect('transformMaxAttempts' in o).toBe(false);
    expect('overlapCommits' in o).toBe(false);
  });

  it('maps the guarantee, quarantined records and the worker-wide tuning', () => {
    const o = taskOptions(
      assign({
        deadLetterTopic: 'dlq',
        guarantee: DeliveryGuarantee.AT_LEAST_ONCE,
        quarantined: [{ partition: 2, offset: 41, reason: 'crashed 2 workers', atMs: 1 }],
      }),
      parts({
        transactionTimeoutMs: 9_000,
        transformTimeoutMs: 500,
        transformMaxAttempts: 4,
        overlapCommits: false,
      }),
    );
    expect(o).toMatchObject({
      deadLetterTopic: 'dlq',
      mode: 'at-least-once',
      quarantined: [{ partition: 2, offset: '41', reason: 'crashed 2 workers' }],
      transactionTimeoutMs: 9_000,
      transformTimeoutMs: 500,
      transformMaxAttempts: 4,
      overlapCommits: false,
    });
  });
});
