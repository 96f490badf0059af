import { DeliveryGuarantee } from '@eos/proto';
import { BUILTIN_TRANSFORMS, TransformRegistry } from '@eos/transforms';
import { ControlError } from './errors';
import { guaranteeOf, guaranteeToProto, taskPartitions, validateSpec, type SpecInput } from './validation';

const registry = new TransformRegistry(BUILTIN_TRANSFORMS);
const base: SpecInput = {
  name: 'p1',
  inputTopic: 'in',
  outputTopic: 'out',
  tasks: 6,
  transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
  deadLetterTopic: 'p1.dlq',
};
const check =
  (patch: Partial<SpecInput>, inputPartitions = 6) =>
  () =>
    validateSpec({ ...base, ...patch }, { registry, announced: new Set(), inputPartitions });

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ControlError);
    expect((e as ControlError).code).toBe('INVALID_ARGUMENT');
    return (e as ControlError).field;
  }
  throw new Error('no error');
}

describe('validateSpec', () => {
  it('accepts the contract example and fills defaults', () => {
    const v = check({})();
    expect(v.batching).toEqual({ maxRecords: 20_000, maxBytes: 16 << 20, lingerMs: 100 });
    expect(check({ deadLetterTopic: '' })().deadLetterTopic).toBe('p1.dlq');
    expect(v.guarantee).toBe('exactly-once');
  });
  it('reads the delivery guarantee: unspecified and EXACTLY_ONCE are exactly once', () => {
    expect(check({ guarantee: DeliveryGuarantee.DELIVERY_GUARANTEE_UNSPECIFIED })().guarantee).toBe(
      'exactly-once',
    );
    expect(check({ guarantee: DeliveryGuarantee.EXACTLY_ONCE })().guarantee).toBe('exactly-once');
    expect(check({ guarantee: DeliveryGuarantee.AT_LEAST_ONCE })().guarantee).toBe('at-least-once');
    expect(fieldOf(check({ guarantee: DeliveryGuarantee.UNRECOGNIZED }))).toBe('spec.guarantee');
    expect(fieldOf(check({ guarantee: 7 as DeliveryGuarantee }))).toBe('spec.guarantee');
  });
  it('treats stored specs without a guarantee as exactly once and maps guarantees back to proto', () => {
    expect(guaranteeOf({})).toBe('exactly-once');
    expect(guaranteeOf({ guarantee: 'at-least-once' })).toBe('at-least-once');
    expect(guaranteeToProto('at-least-once')).toBe(DeliveryGuarantee.AT_LEAST_ONCE);
    expect(guaranteeToProto('exactly-once')).toBe(DeliveryGuarantee.EXACTLY_ONCE);
  });
  it.each<[string, Partial<SpecInput>, string]>([
    ['empty name', { name: '' }, 'spec.name'],
    ['bad name', { name: 'a b' }, 'spec.name'],
    ['missing input', { inputTopic: '' }, 'spec.inputTopic'],
    ['bad topic', { outputTopic: 'out put' }, 'spec.outputTopic'],
    ['input == output', { outputTopic: 'in' }, 'spec.outputTopic'],
    ['tasks 0', { tasks: 0 }, 'spec.tasks'],
    ['tasks > partitions', { tasks: 7 }, 'spec.tasks'],
    ['unknown transform', { transform: { name: 'nope', version: 1 } }, 'spec.transform'],
    ['unknown version', { transform: { name: 'suffix', version: 9, config: {} } }, 'spec.transform'],
    [
      'rejected config',
      { transform: { name: 'suffix', version: 1, config: {} } },
      'spec.transform.config.suffix',
    ],
  ])('%s names the field', (_what, patch, field) => {
    expect(fieldOf(check(patch))).toBe(field);
  });
  it('messages say what is wrong', () => {
    expect(check({ tasks: 7 })).toThrow(
      'spec.tasks: 7 tasks for 6 input partitions: at most one task per partition',
    );
    expect(check({ transform: { name: 'nope', version: 1 } })).toThrow(
      /unknown transform nope@1 \(known: identity@1, suffix@1\)/,
    );
  });
  it('accepts a transform only a worker announces', () => {
    expect(
      validateSpec(
        { ...base, transform: { name: 'suffix', version: 2 } },
        { registry, announced: new Set(['suffix@2']) },
      ).transform.version,
    ).toBe(2);
  });
});

describe('taskPartitions', () => {
  it('gives partition p to task p mod tasks', () => {
    expect(taskPartitions(0, 2, 6)).toEqual([0, 2, 4]);
    expect(taskPartitions(1, 4, 6)).toEqual([1, 5]);
  });
});

describe('validateSpec bounds (issue 13)', () => {
  it('refuses a config larger than a state record can hold, naming the field', () => {
    expect(
      fieldOf(check({ transform: { name: 'suffix', version: 1, config: { suffix: 'x'.repeat(1 << 20) } } })),
    ).toBe('spec.transform.config');
  });
  it('refuses batching numbers outside their ranges, as HTTP JSON delivers them', () => {
    for (const [batching, field] of [
      [{ maxRecords: -1, maxBytes: 0, lingerMs: 0 }, 'spec.batching.maxRecords'],
      [{ maxRecords: 1.5, maxBytes: 0, lingerMs: 0 }, 'spec.batching.maxRecords'],
      [{ maxRecords: 0, maxBytes: 2 ** 32, lingerMs: 0 }, 'spec.batching.maxBytes'],
      [{ maxRecords: 0, maxBytes: 0, lingerMs: 2 ** 31 + 1 }, 'spec.batching.lingerMs'],
      [{ maxRecords: 0, maxBytes: 0, lingerMs: NaN }, 'spec.batching.lingerMs'],
    ] as const)
      expect(fieldOf(check({ batching: { ...batching } }))).toBe(field);
    expect(check({ batching: { maxRecords: 100_000, maxBytes: 1024, lingerMs: 60_000 } })().batching).toEqual(
      {
        maxRecords: 100_000,
        maxBytes: 1024,
        lingerMs: 60_000,
      },
    );
  });
  it('bounds tasks, names and the transform version', () => {
    expect(fieldOf(check({ tasks: 1025 }, 2000))).toBe('spec.tasks');
    expect(fieldOf(check({ name: 'n'.repeat(101) }))).toBe('spec.name');
    expect(fieldOf(check({ transform: { name: 't'.repeat(101), version: 1 } }))).toBe('spec.transform.name');
    expect(fieldOf(check({ transform: { name: 'suffix', version: 2 ** 32 - 1 } }))).toBe(
      'spec.transform.version',
    );
  });
  it('applies the topic rules to the output and dead-letter topics when given', () => {
    const rules = { stateTopic: 'st', pipelines: [{ name: 'q', inputTopic: 'q.in' }] };
    const v = (patch: Partial<SpecInput>) => () =>
      validateSpec({ ...base, ...patch }, { registry, announced: new Set(), topicRules: rules });
    expect(fieldOf(v({ outputTopic: '__consumer_offsets' }))).toBe('spec.outputTopic');
    expect(fieldOf(v({ deadLetterTopic: 'st' }))).toBe('spec.deadLetterTopic');
    expect(fieldOf(v({ deadLetterTopic: 'q.in' }))).toBe('spec.deadLetterTopic');
    expect(v({})().outputTopic).toBe('out');
  });
});
