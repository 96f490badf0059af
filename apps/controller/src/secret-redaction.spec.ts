import { REDACTED, redactSecrets, restoreRedacted } from './secret-redaction';

describe('redactSecrets', () => {
  const declared = (name: string) => (name === 'http-sink' ? ['endpointAuth'] : []);

  it('redacts secret-looking and declared keys of every transform config, at any depth, without changing the input', () => {
    const res = {
      pipelines: [
        {
          spec: {
            name: 'p',
            transform: {
              name: 'http-sink',
              version: 1,
              config: {
                url: 'https://x',
                endpointAuth: 'abc',
                Password: 'p1',
                apiKey: 'k',
                api_key: 'k2',
                nested: { clientSecret: 's', accessToken: 't', timeoutMs: 5 },
                list: [{ token: 't2', keep: 1 }],
              },
            },
          },
        },
      ],
      tokenCount: 3, // not inside a transform config: left alone
    };
    const copy = JSON.parse(JSON.stringify(res));
    expect(redactSecrets(res, declared)).toEqual({
      pipelines: [
        {
          spec: {
            name: 'p',
            transform: {
              name: 'http-sink',
              version: 1,
              config: {
                url: 'https://x',
                endpointAuth: REDACTED,
                Password: REDACTED,
                apiKey: REDACTED,
                api_key: REDACTED,
                nested: { clientSecret: REDACTED, accessToken: REDACTED, timeoutMs: 5 },
                list: [{ token: REDACTED, keep: 1 }],
              },
            },
          },
        },
      ],
      tokenCount: 3,
    });
    expect(res).toEqual(copy);
  });

  it('leaves ordinary configs as they are', () => {
    const spec = { transform: { name: 'suffix', version: 1, config: { suffix: '|a', keyspace: 'k' } } };
    expect(redactSecrets(spec, () => [])).toEqual(spec);
  });
});

describe('restoreRedacted', () => {
  it('keeps the stored value where an update sends the redaction marker back', () => {
    expect(
      restoreRedacted(
        { suffix: '|b', password: REDACTED, nested: { token: REDACTED, other: 2 } },
        { suffix: '|a', password: 'hunter2', nested: { token: 't', other: 1 } },
      ),
    ).toEqual({ suffix: '|b', password: 'hunter2', nested: { token: 't', other: 2 } });
    expect(restoreRedacted({ password: 'new' }, { password: 'old' })).toEqual({ password: 'new' });
  });
});
