import { WorkerClaims } from './worker-claims';

it('binds a worker id to the first identity that says Hello with it, until the fleet forgets the worker', () => {
  const known = new Set<string>();
  const claims = new WorkerClaims((id) => known.has(id));
  expect(claims.claim('w1', 'alice')).toEqual({ ok: true });
  known.add('w1');
  expect(claims.claim('w1', 'alice')).toEqual({ ok: true }); // a reconnect
  expect(claims.claim('w1', 'mallory')).toEqual({ ok: false, holder: 'alice' });
  expect(claims.holder('w1')).toBe('alice');
  known.delete('w1'); // forgotten (WORKER_FORGET_MS)
  expect(claims.claim('w1', 'mallory')).toEqual({ ok: true });
});
