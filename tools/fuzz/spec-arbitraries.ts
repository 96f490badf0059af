import fc from 'fast-check';

/**
 * fast-check arbitraries for the request bodies the fuzzer sends: pipeline specs and rollout
 * strategies (arbitraries.ts builds whole calls from them). Strings may hold placeholders the driver
 * fills with the run's names: `{P0}`.. pipelines, `{IN0}`.. input topics, `{OUT0}`.. output topics,
 * `{W0}`.. workers, `{STATE}` the controller's state topic. Numbers sit at and just past every
 * documented bound (LIMITS in libs/control-plane/src/request-limits.ts), and at the values HTTP
 * JSON can carry that uint32 cannot (negative, fractional, over 2^32).
 */

const POOL = 3;
export const pick = (prefix: string) => fc.integer({ min: 0, max: POOL - 1 }).map((i) => `{${prefix}${i}}`);
export const unicode = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

/** A value for a number field with range [lo, hi]: mostly valid, often exactly at or past a bound. */
export const bounded = (
  lo: number,
  hi: number,
  usual: fc.Arbitrary<number> = fc.integer({ min: lo, max: hi }),
) =>
  fc.oneof(
    { arbitrary: usual, weight: 4 },
    { arbitrary: fc.constantFrom(lo, hi, lo - 1, hi + 1, 0, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53), weight: 3 },
    { arbitrary: fc.constantFrom<unknown>('12', 'abc', null, true, [], {}), weight: 1 },
  );

const deepJson = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

const config = fc.oneof(
  { arbitrary: fc.record({ suffix: unicode(20) }), weight: 6 },
  {
    arbitrary: fc.constantFrom({ suffix: 'x'.repeat(64 * 1024 - 20) }, { suffix: 'x'.repeat(64 * 1024 + 1) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ suffix: 'y'.repeat(1_000_000) }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  { arbitrary: fc.constantFrom(deepJson(15), deepJson(17), deepJson(200)), weight: 1 },
);

const outputTopic = fc.oneof(
  { arbitrary: pick('OUT'), weight: 6 },
  {
    arbitrary: fc.constantFrom('__consumer_offsets', '__transaction_state', '{STATE}', '__eos_x'),
    weight: 2,
  },
  { arbitrary: pick('IN'), weight: 2 },
  { arbitrary: unicode(30), weight: 1 },
  { arbitrary: fc.constantFrom('t'.repeat(249), 't'.repeat(250), '.', '..', ''), weight: 1 },
);

const fuzzSpec = fc.record(
  {
    name: fc.oneof(
      { arbitrary: pick('P'), weight: 8 },
      { arbitrary: unicode(30), weight: 1 },
      { arbitrary: fc.constantFrom('n'.repeat(100), 'n'.repeat(101), '-x', ''), weight: 1 },
    ),
    inputTopic: fc.oneof({ arbitrary: pick('IN'), weight: 8 }, { arbitrary: outputTopic, weight: 1 }),
    outputTopic,
    tasks: bounded(1, 1024, fc.integer({ min: 1, max: 4 })),
    transform: fc.record(
      {
        name: fc.oneof(
          { arbitrary: fc.constant('suffix'), weight: 6 },
          { arbitrary: fc.constantFrom('identity', 'nope', 't'.repeat(101), ''), weight: 1 },
        ),
        version: bounded(1, 1_000_000, fc.constant(1)),
        config,
      },
      { requiredKeys: ['name', 'version'] },
    ),
    deadLetterTopic: fc.oneof(
      { arbitrary: fc.constant(''), weight: 4 },
      { arbitrary: outputTopic, weight: 1 },
    ),
    batching: fc.record(
      {
        maxRecords: bounded(1, 100_000),
        maxBytes: bounded(1024, 64 << 20),
        lingerMs: bounded(1, 60_000, fc.integer({ min: 1, max: 500 })),
      },
      { requiredKeys: [] },
    ),
    guarantee: fc.constantFrom<unknown>(0, 1, 2, 3, -1, 'EXACTLY_ONCE', 'AT_LEAST_ONCE', 'BOGUS'),
  },
  { requiredKeys: ['name', 'inputTopic', 'outputTopic', 'tasks', 'transform'] },
);

/** A spec every field of which is valid (the pools' names, bounds respected). */
const validSpec = fc.record({
  name: pick('P'),
  inputTopic: pick('IN'),
  outputTopic: pick('OUT'),
  tasks: fc.integer({ min: 1, max: 4 }),
  transform: fc.record({
    name: fc.constant('suffix'),
    version: fc.constant(1),
    config: fc.record({ suffix: unicode(20) }),
  }),
  deadLetterTopic: fc.constant(''),
  batching: fc.record({
    maxRecords: fc.integer({ min: 1, max: 100_000 }),
    maxBytes: fc.integer({ min: 1024, max: 64 << 20 }),
    lingerMs: fc.integer({ min: 1, max: 500 }),
  }),
  guarantee: fc.constantFrom<unknown>(0, 1, 2, 'EXACTLY_ONCE'),
});

export type SpecJson = Record<string, unknown>;

/**
 * Specs: valid ones (so sequences of calls have pipelines to act on), valid ones with one field
 * (or one batching or transform field) taken from the fuzzed spec, and fully fuzzed ones.
 */
export const specArb: fc.Arbitrary<SpecJson> = fc.oneof(
  { arbitrary: validSpec, weight: 3 },
  {
    arbitrary: fc
      .tuple(
        validSpec,
        fuzzSpec,
        fc.constantFrom(
          'name',
          'inputTopic',
          'outputTopic',
          'tasks',
          'deadLetterTopic',
          'guarantee',
          'transform',
          'batching',
          'transform.version',
          'transform.config',
          'batching.maxRecords',
          'batching.maxBytes',
          'batching.lingerMs',
        ),
      )
      .map(([v, f, field]) => {
        const out: SpecJson = { ...v, transform: { ...v.transform }, batching: { ...v.batching } };
        const [a, b] = field.split('.') as [string, string | undefined];
        const src = (f as SpecJson)[a];
        if (b === undefined) out[a] = src;
        else (out[a] as SpecJson)[b] = src && typeof src === 'object' ? (src as SpecJson)[b] : src;
        return out;
      }),
    weight: 4,
  },
  { arbitrary: fuzzSpec, weight: 1 },
);

export const strategyArb = fc.record(
  {
    canaryTasks: bounded(1, 1024, fc.integer({ min: 1, max: 2 })),
    stepTasks: bounded(1, 1024, fc.integer({ min: 1, max: 3 })),
    gateCommits: bounded(1, 1_000_000, fc.integer({ min: 1, max: 3 })),
    maxFailedRecords: bounded(0, 1_000_000),
    gateTimeoutMs: bounded(1_000, 3_600_000, fc.integer({ min: 1_000, max: 10_000 })),
  },
  { requiredKeys: [] },
);
