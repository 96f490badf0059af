import fc from 'fast-check';
import type { Action } from './actions';

/**
 * fast-check arbitraries for everything the fuzzer sends. Strings may hold placeholders the driver
 * fills with the run's names: `{P0}`.. pipelines, `{IN0}`.. input topics, `{OUT0}`.. output topics,
 * `{W0}`.. workers, `{STATE}` the controller's state topic. Numbers sit at and just past every
 * documented bound (LIMITS in libs/control-plane/src/request-limits.ts), and at the values HTTP
 * JSON can carry that uint32 cannot (negative, fractional, over 2^32).
 */

const POOL = 3;
const pick = (prefix: string) => fc.integer({ min: 0, max: POOL - 1 }).map((i) => `{${prefix}${i}}`);
const unicode = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

/** A value for a number field with range [lo, hi]: mostly valid, often exactly at or past a bound. */
const bounded = (lo: number, hi: number, usual: fc.Arbitrary<number> = fc.integer({ min: lo, max: hi })) =>
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

type SpecJson = Record<string, unknown>;

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

const drainArb = fc.record(
  {
    deadlineMs: bounded(1, 86_400_000, fc.integer({ min: 1, max: 5_000 })),
    maxConcurrent: bounded(1, 1024, fc.integer({ min: 1, max: 4 })),
  },
  { requiredKeys: [] },
);

const resetTarget = fc.oneof(
  fc.constant({ earliest: true }),
  fc.constant({ latest: true }),
  fc.record({ timestampMs: bounded(0, 2 ** 53, fc.integer({ min: 0, max: 2 ** 40 })) }),
  fc.record({
    explicit: fc.record({
      offsets: fc.array(fc.record({ partition: bounded(0, 3), offset: bounded(0, 100) }), { maxLength: 3 }),
    }),
  }),
);

const worker = fc.oneof({ arbitrary: pick('W'), weight: 3 }, { arbitrary: unicode(20), weight: 1 });
const rolloutId = fc.oneof(fc.constant('ro-nothing'), unicode(12));
const limit = bounded(1, 1000, fc.integer({ min: 1, max: 50 }));

/** A valid-looking admin call, as [gRPC method, proto-JSON request, HTTP method, HTTP path, HTTP body]. */
const adminCall: fc.Arbitrary<[string, unknown, string, string, unknown]> = fc.oneof(
  {
    arbitrary: specArb.map(
      (spec) =>
        ['CreatePipeline', { spec }, 'POST', '/api/pipelines', { spec }] as [
          string,
          unknown,
          string,
          string,
          unknown,
        ],
    ),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(specArb, strategyArb)
      .map(
        ([spec, strategy]) =>
          [
            'UpdatePipeline',
            { spec, strategy },
            'PUT',
            `/api/pipelines/${String(spec.name)}`,
            { spec, strategy },
          ] as [string, unknown, string, string, unknown],
      ),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('Pause', 'Resume', 'Stop', 'Delete', 'Get'), pick('P'))
      .map(([op, name]) => {
        const http: Record<string, [string, string]> = {
          Pause: ['POST', `/api/pipelines/${name}/pause`],
          Resume: ['POST', `/api/pipelines/${name}/resume`],
          Stop: ['POST', `/api/pipelines/${name}/stop`],
          Delete: ['DELETE', `/api/pipelines/${name}`],
          Get: ['GET', `/api/pipelines/${name}`],
        };
        const [m, p] = http[op] as [string, string];
        return [`${op}Pipeline`, { name }, m, p, undefined] as [string, unknown, string, string, unknown];
      }),
    weight: 6,
  },
  {
    arbitrary: pick('P').map(
      (name) =>
        ['GetPipelineStatus', { name }, 'GET', `/api/pipelines/${name}/status`, undefined] as [
          string,
          unknown,
          string,
          string,
          unknown,
        ],
    ),
    weight: 3,
  },
  {
    arbitrary: pick('P').map(
      (name) =>
        ['GetPipelineOffsets', { name }, 'GET', `/api/pipelines/${name}/offsets`, undefined] as [
          string,
          unknown,
          string,
          string,
          unknown,
        ],
    ),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(pick('P'), resetTarget)
      .map(
        ([name, target]) =>
          [
            'ResetPipelineOffsets',
            { name, ...target },
            'POST',
            `/api/pipelines/${name}/offsets/reset`,
            target,
          ] as [string, unknown, string, string, unknown],
      ),
    weight: 1,
  },
  {
    arbitrary: fc.constant(['ListPipelines', {}, 'GET', '/api/pipelines', undefined] as [
      string,
      unknown,
      string,
      string,
      unknown,
    ]),
    weight: 1,
  },
  {
    arbitrary: fc.constant(['ListWorkers', {}, 'GET', '/api/workers', undefined] as [
      string,
      unknown,
      string,
      string,
      unknown,
    ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(worker, drainArb)
      .map(
        ([workerId, o]) =>
          [
            'DrainWorker',
            { workerId, ...o },
            'POST',
            `/api/workers/${encodeURIComponent(workerId)}/drain`,
            o,
          ] as [string, unknown, string, string, unknown],
      ),
    weight: 1,
  },
  {
    arbitrary: worker.map(
      (workerId) =>
        [
          'UndrainWorker',
          { workerId },
          'POST',
          `/api/workers/${encodeURIComponent(workerId)}/undrain`,
          undefined,
        ] as [string, unknown, string, string, unknown],
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom('Get', 'Pause', 'Resume', 'Abort'), rolloutId).map(([op, id]) => {
      const path = `/api/rollouts/${encodeURIComponent(id)}${op === 'Get' ? '' : `/${op.toLowerCase()}`}`;
      return [`${op}Rollout`, { rolloutId: id }, op === 'Get' ? 'GET' : 'POST', path, undefined] as [
        string,
        unknown,
        string,
        string,
        unknown,
      ];
    }),
    weight: 1,
  },
  {
    arbitrary: fc.constant(['ListRollouts', {}, 'GET', '/api/rollouts', undefined] as [
      string,
      unknown,
      string,
      string,
      unknown,
    ]),
    weight: 1,
  },
  {
    arbitrary: limit.map(
      (l) =>
        [
          'ListAuditRecords',
          { limit: l },
          'GET',
          `/api/audit?limit=${encodeURIComponent(String(l))}`,
          undefined,
        ] as [string, unknown, string, string, unknown],
    ),
    weight: 1,
  },
);

const NASTY_TARGETS = [
  '//',
  '///',
  '//[',
  '/%00',
  '/%zz',
  '/%',
  '/..',
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/api//pipelines',
  '/api/pipelines/%00/status',
  '/api/pipelines/%E0%A4%A',
  'http://x/api/pipelines',
  '*',
  'api/pipelines',
  '/api/pipelines?limit=%zz',
  '/api/audit?limit=1e400',
  '/api/events?x',
  `/${'a'.repeat(3000)}`,
  `/api/pipelines/${'p'.repeat(2040)}`,
  '/\u0000',
  '/metrics',
  '/healthz',
];

const body = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 3 },
  { arbitrary: specArb.map((spec) => JSON.stringify({ spec })), weight: 3 },
  { arbitrary: unicode(200), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '{',
      '{"spec":"x"}',
      '{"spec":[]}',
      '{"spec":{"tasks":"abc"}}',
      '{"spec":{"guarantee":"BOGUS"}}',
      '{"spec":{"transform":{"config":[1,2]}}}',
      '{"__proto__":{"x":1}}',
      'null',
      '[]',
      '1e400',
      `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    ),
    weight: 2,
  },
  { arbitrary: fc.constant(`{"spec":{"name":"${'z'.repeat(1_100_000)}"}}`), weight: 1 },
);

const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'x-actor',
    'accept',
    'origin',
    'authorization',
    'transfer-encoding',
    'content-length',
    'expect',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);
const headerValue = fc.oneof(
  { arbitrary: fc.stringMatching(/^[ -~]{0,60}$/), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      'x'.repeat(20_000),
      'chunked',
      '100-continue',
      '-1',
      'application/json; charset=utf-16',
    ),
    weight: 1,
  },
);

const rawHttp: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('http-raw' as const),
  method: fc.oneof(
    {
      arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'),
      weight: 6,
    },
    { arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/), weight: 1 },
  ),
  target: fc.oneof(
    { arbitrary: fc.constantFrom(...NASTY_TARGETS), weight: 4 },
    { arbitrary: adminCall.map(([, , , path]) => path), weight: 3 },
    { arbitrary: unicode(40).map((s) => `/${encodeURI(s)}`), weight: 2 },
    { arbitrary: fc.stringMatching(/^\/[!-~]{0,60}$/), weight: 2 },
  ),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
  body,
});

const apiHttp: fc.Arbitrary<Action> = adminCall.map(([, , method, path, b]) => ({
  kind: 'http-api' as const,
  method,
  path,
  body: b,
}));

const grpcCall: fc.Arbitrary<Action> = adminCall.map(([method, request]) => ({
  kind: 'grpc' as const,
  method,
  request,
}));

const GRPC_PATHS = [
  '/eos.v1.AdminService/CreatePipeline',
  '/eos.v1.AdminService/UpdatePipeline',
  '/eos.v1.AdminService/DrainWorker',
  '/eos.v1.AdminService/ListAuditRecords',
  '/eos.v1.AdminService/GetPipelineStatus',
  '/eos.v1.AdminService/Nope',
  '/nope.Service/Call',
];

const rawGrpc: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('grpc-raw' as const),
  path: fc.constantFrom(...GRPC_PATHS),
  bytes: fc.oneof(
    { arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }), weight: 5 },
    { arbitrary: fc.constant(Array.from({ length: 5 << 20 }, () => 0x0a)), weight: 1 },
  ),
});

/** One fuzz case: a few actions in a row (so sequences of admin calls meet each other). */
export const caseArb: fc.Arbitrary<Action[]> = fc.array(
  fc.oneof(
    { arbitrary: apiHttp, weight: 3 },
    { arbitrary: grpcCall, weight: 3 },
    { arbitrary: rawHttp, weight: 3 },
    { arbitrary: rawGrpc, weight: 1 },
  ),
  { minLength: 1, maxLength: 4 },
);
