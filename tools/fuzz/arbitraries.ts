import fc from 'fast-check';
import type { Action } from './actions';
import { bounded, pick, specArb, strategyArb, unicode } from './spec-arbitraries';

export { specArb, strategyArb } from './spec-arbitraries';

/**
 * fast-check arbitraries for everything the fuzzer sends: admin calls (over HTTP and gRPC, their
 * bodies from spec-arbitraries.ts), raw HTTP requests and raw gRPC frames. Strings may hold
 * placeholders the driver fills with the run's names (spec-arbitraries.ts says which).
 */

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

/** A valid-looking admin call: gRPC method, proto-JSON request, HTTP method, HTTP path, HTTP body. */
type AdminCall = [grpcMethod: string, request: unknown, httpMethod: string, path: string, body: unknown];
const call = (
  grpcMethod: string,
  request: unknown,
  httpMethod: string,
  path: string,
  body?: unknown,
): AdminCall => [grpcMethod, request, httpMethod, path, body];
const weighted = (arbitrary: fc.Arbitrary<AdminCall>, weight = 1) => ({ arbitrary, weight });

const PIPELINE_OPS: Record<string, (name: string) => [string, string]> = {
  Pause: (name) => ['POST', `/api/pipelines/${name}/pause`],
  Resume: (name) => ['POST', `/api/pipelines/${name}/resume`],
  Stop: (name) => ['POST', `/api/pipelines/${name}/stop`],
  Delete: (name) => ['DELETE', `/api/pipelines/${name}`],
  Get: (name) => ['GET', `/api/pipelines/${name}`],
};

const adminCall: fc.Arbitrary<AdminCall> = fc.oneof(
  weighted(
    specArb.map((spec) => call('CreatePipeline', { spec }, 'POST', '/api/pipelines', { spec })),
    6,
  ),
  weighted(
    fc.tuple(specArb, strategyArb).map(([spec, strategy]) =>
      call('UpdatePipeline', { spec, strategy }, 'PUT', `/api/pipelines/${String(spec.name)}`, {
        spec,
        strategy,
      }),
    ),
    3,
  ),
  weighted(
    fc.tuple(fc.constantFrom('Pause', 'Resume', 'Stop', 'Delete', 'Get'), pick('P')).map(([op, name]) => {
      const [m, p] = (PIPELINE_OPS[op] as (n: string) => [string, string])(name);
      return call(`${op}Pipeline`, { name }, m, p);
    }),
    6,
  ),
  weighted(
    pick('P').map((name) => call('GetPipelineStatus', { name }, 'GET', `/api/pipelines/${name}/status`)),
    3,
  ),
  weighted(
    pick('P').map((name) => call('GetPipelineOffsets', { name }, 'GET', `/api/pipelines/${name}/offsets`)),
  ),
  weighted(
    fc
      .tuple(pick('P'), resetTarget)
      .map(([name, target]) =>
        call(
          'ResetPipelineOffsets',
          { name, ...target },
          'POST',
          `/api/pipelines/${name}/offsets/reset`,
          target,
        ),
      ),
  ),
  weighted(fc.constant(call('ListPipelines', {}, 'GET', '/api/pipelines'))),
  weighted(fc.constant(call('ListWorkers', {}, 'GET', '/api/workers'))),
  weighted(
    fc
      .tuple(worker, drainArb)
      .map(([workerId, o]) =>
        call(
          'DrainWorker',
          { workerId, ...o },
          'POST',
          `/api/workers/${encodeURIComponent(workerId)}/drain`,
          o,
        ),
      ),
  ),
  weighted(
    worker.map((workerId) =>
      call('UndrainWorker', { workerId }, 'POST', `/api/workers/${encodeURIComponent(workerId)}/undrain`),
    ),
  ),
  weighted(
    fc.tuple(fc.constantFrom('Get', 'Pause', 'Resume', 'Abort'), rolloutId).map(([op, id]) => {
      const path = `/api/rollouts/${encodeURIComponent(id)}${op === 'Get' ? '' : `/${op.toLowerCase()}`}`;
      return call(`${op}Rollout`, { rolloutId: id }, op === 'Get' ? 'GET' : 'POST', path);
    }),
  ),
  weighted(fc.constant(call('ListRollouts', {}, 'GET', '/api/rollouts'))),
  weighted(
    limit.map((l) =>
      call('ListAuditRecords', { limit: l }, 'GET', `/api/audit?limit=${encodeURIComponent(String(l))}`),
    ),
  ),
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
