import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { caseArb, specArb } from './arbitraries';
import { fillNames } from './drivers';
import { violation } from './oracle';

const pools = {
  pipelines: ['p0', 'p1', 'p2'],
  inputTopics: ['i0', 'i1', 'i2'],
  outputTopics: ['o0', 'o1', 'o2'],
  workers: ['w0', 'w1', 'w2'],
  stateTopic: 'state',
};

it('accepts only documented answers: never 500, INTERNAL, UNKNOWN or silence', () => {
  for (const s of [200, 400, 404, 405, 409, 413, 431, 503])
    expect(violation({ transport: 'http', status: s })).toBeUndefined();
  expect(violation({ transport: 'http', status: 500 })).toBe('undocumented HTTP status 500');
  expect(violation({ transport: 'grpc', code: status.INVALID_ARGUMENT, details: '' })).toBeUndefined();
  expect(violation({ transport: 'grpc', code: status.INTERNAL, details: 'boom' })).toBe(
    'undocumented gRPC status INTERNAL: boom',
  );
  expect(violation({ transport: 'grpc', code: status.UNKNOWN, details: 'x' })).toMatch(/UNKNOWN/);
  expect(violation({ transport: 'none', reason: 'no HTTP answer within 15000 ms' })).toBe(
    'no answer: no HTTP answer within 15000 ms',
  );
});

it('fills the run’s names into every string of an action', () => {
  expect(
    fillNames(
      {
        kind: 'http-api',
        method: 'POST',
        path: '/api/pipelines/{P1}',
        body: { spec: { inputTopic: '{IN2}', outputTopic: '{STATE}', x: ['{W0}', '{Q9}'] } },
      },
      pools,
    ),
  ).toEqual({
    kind: 'http-api',
    method: 'POST',
    path: '/api/pipelines/p1',
    body: { spec: { inputTopic: 'i2', outputTopic: 'state', x: ['w0', '{Q9}'] } },
  });
});

it('generates the same cases from the same seed (a failing seed replays), valid specs among them', () => {
  const a = fc.sample(caseArb, { seed: 42, numRuns: 30 });
  const b = fc.sample(caseArb, { seed: 42, numRuns: 30 });
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  const specs = fc.sample(specArb, { seed: 7, numRuns: 200 });
  const valid = specs.filter(
    (s) =>
      typeof s['tasks'] === 'number' &&
      s['tasks'] >= 1 &&
      s['tasks'] <= 4 &&
      String(s['name']).startsWith('{P'),
  );
  expect(valid.length).toBeGreaterThan(50);
});
