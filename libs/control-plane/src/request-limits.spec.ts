import { ControlError } from './errors';
import {
  LIMITS,
  checkAuditLimit,
  checkConfig,
  checkDrainOptions,
  checkHello,
  checkInt,
  checkStrategy,
} from './request-limits';

const refusal = (fn: () => unknown): { field?: string; message: string } => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ControlError);
    expect((e as ControlError).code).toBe('INVALID_ARGUMENT');
    return { field: (e as ControlError).field, message: (e as ControlError).message };
  }
  throw new Error('accepted');
};

describe('checkInt', () => {
  const r = { min: 1, max: 10 };
  it('accepts the range and 0 when 0 means the default; refuses what HTTP JSON can send past it', () => {
    expect(checkInt('f', 1, r, false)).toBe(1);
    expect(checkInt('f', 10, r, false)).toBe(10);
    expect(checkInt('f', 0, r, true)).toBe(0);
    expect(checkInt('f', undefined, r, true)).toBe(0);
    for (const bad of [-1, 1.5, 11, NaN, Infinity, 2 ** 32, '3'])
      expect(refusal(() => checkInt('f', bad, r, true))).toEqual({
        field: 'f',
        message: `f: must be a whole number in [1, 10] (or 0 for the default), got ${typeof bad === 'number' ? String(bad) : `"${bad}"`}`,
      });
    expect(refusal(() => checkInt('f', 0, r, false)).message).toBe(
      'f: must be a whole number in [1, 10], got 0',
    );
  });
});

it('bounds the rollout strategy, drain options, audit limit and Hello field by field', () => {
  expect(() =>
    checkStrategy({ canaryTasks: 1, stepTasks: 2, gateCommits: 3, gateTimeoutMs: 1000 }),
  ).not.toThrow();
  expect(refusal(() => checkStrategy({ stepTasks: -1 })).field).toBe('strategy.stepTasks');
  expect(refusal(() => checkStrategy({ gateTimeoutMs: 10 })).field).toBe('strategy.gateTimeoutMs');
  expect(refusal(() => checkStrategy({ maxFailedRecords: 0.5 })).field).toBe('strategy.maxFailedRecords');
  expect(() => checkDrainOptions({ deadlineMs: 0, maxConcurrent: 0 })).not.toThrow();
  expect(refusal(() => checkDrainOptions({ deadlineMs: 2 ** 31 })).field).toBe('deadlineMs');
  expect(refusal(() => checkDrainOptions({ maxConcurrent: 1e9 })).field).toBe('maxConcurrent');
  expect(checkAuditLimit(0)).toBe(100);
  expect(checkAuditLimit(1000)).toBe(1000);
  expect(refusal(() => checkAuditLimit(1001)).field).toBe('limit');
  expect(refusal(() => checkAuditLimit(NaN)).field).toBe('limit');
  expect(() => checkHello({ workerId: 'w', capacity: 8, transforms: [] })).not.toThrow();
  expect(refusal(() => checkHello({ workerId: 'w'.repeat(201), capacity: 8, transforms: [] })).field).toBe(
    'hello.workerId',
  );
  expect(refusal(() => checkHello({ workerId: 'w', capacity: 4e9, transforms: [] })).field).toBe(
    'hello.capacity',
  );
});

it('bounds a transform config by bytes and depth', () => {
  expect(() => checkConfig({ suffix: 'x'.repeat(LIMITS.configMaxBytes - 20) })).not.toThrow();
  expect(refusal(() => checkConfig({ suffix: 'x'.repeat(1_000_000) }))).toEqual({
    field: 'spec.transform.config',
    message: `spec.transform.config: 1000013 bytes as JSON; at most ${LIMITS.configMaxBytes}`,
  });
  let deep: unknown = 1;
  for (let i = 0; i < LIMITS.configMaxDepth; i++) deep = { a: deep };
  expect(() => checkConfig(deep)).not.toThrow();
  expect(refusal(() => checkConfig({ a: deep })).message).toMatch(/nested deeper than 16 levels/);
  expect(refusal(() => checkConfig([1])).message).toMatch(/must be a JSON object/);
});
