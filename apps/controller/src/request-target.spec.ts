import { ControlError } from '@eos/control-plane';
import { MAX_REQUEST_TARGET, parseRequestTarget } from './request-target';

const refused = (raw: string): string => {
  try {
    parseRequestTarget(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ControlError);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'url' });
    return (e as Error).message;
  }
  return 'accepted';
};

it('refuses every malformed request target of issue 13, naming the rule', () => {
  expect(refused('//')).toBe('url: empty path segment ("//") in "//"');
  expect(refused('///')).toMatch(/empty path segment/);
  expect(refused('//[')).toMatch(/empty path segment/);
  expect(refused('/api//pipelines')).toMatch(/empty path segment/);
  expect(refused('/%00')).toBe('url: control character (e.g. %00) in path "/%00"');
  expect(refused('/a%0d%0ab')).toMatch(/control character/);
  expect(refused('/%zz')).toBe('url: malformed URL escape in "/%zz"');
  expect(refused('/%')).toMatch(/malformed URL escape/);
  expect(refused('http://evil.example/api/pipelines')).toMatch(/origin-form/);
  expect(refused('*')).toMatch(/origin-form/);
  expect(refused('')).toMatch(/origin-form/);
  expect(refused(`/${'a'.repeat(MAX_REQUEST_TARGET)}`)).toBe(
    `url: request target of ${MAX_REQUEST_TARGET + 1} characters; at most ${MAX_REQUEST_TARGET}`,
  );
});

it('accepts ordinary targets and splits path, decoded path and query', () => {
  const t = parseRequestTarget('/api/pipelines/a%20b/status?limit=5&x=%2F');
  expect(t.pathname).toBe('/api/pipelines/a%20b/status');
  expect(t.decodedPath).toBe('/api/pipelines/a b/status');
  expect(t.query.get('limit')).toBe('5');
  expect(t.query.get('x')).toBe('/');
  expect(parseRequestTarget('/').pathname).toBe('/');
  expect(parseRequestTarget('/?q').query.has('q')).toBe(true);
});
