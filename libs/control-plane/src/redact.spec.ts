import { redactSecrets, redactUrl } from './redact';

it('replaces URL passwords with *** wherever they appear in a message, keeping the rest', () => {
  expect(redactUrl('redis://:s3cret@10.0.0.1:6379/0')).toBe('redis://:***@10.0.0.1:6379/0');
  expect(redactUrl('rediss://app:p%40ss@cache.internal:6380')).toBe('rediss://app:***@cache.internal:6380');
  expect(
    redactSecrets('the rollout queue (Redis at redis://u:pw@h:1) is unavailable; also http://a:b@c/x'),
  ).toBe('the rollout queue (Redis at redis://u:***@h:1) is unavailable; also http://a:***@c/x');
  // Nothing to hide: unchanged.
  expect(redactSecrets('redis://127.0.0.1:6379 and http://host:8080/api')).toBe(
    'redis://127.0.0.1:6379 and http://host:8080/api',
  );
});
