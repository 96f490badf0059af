import { parseJaasConfig, parseJavaProperties } from './java-properties';

describe('parseJavaProperties', () => {
  it('reads the separators, comments, continuations and escapes java.util.Properties reads', () => {
    const p = parseJavaProperties(
      [
        '# a comment',
        '! another',
        '  bootstrap.servers = a:1,\\',
        '      b:2',
        'security.protocol:SASL_SSL',
        'sasl.mechanism PLAIN',
        'x.path=C:\\\\certs\\\\ca.pem',
        'x.unicode=\\u0041b',
        'x.empty=',
        'x.dup=1',
        'x.dup=2',
        '',
      ].join('\r\n'),
    );
    expect(Object.fromEntries(p)).toEqual({
      'bootstrap.servers': 'a:1,b:2',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'PLAIN',
      'x.path': 'C:\\certs\\ca.pem',
      'x.unicode': 'Ab',
      'x.empty': '',
      'x.dup': '2',
    });
  });
});

describe('parseJaasConfig', () => {
  it('reads a login module with quoted and bare options', () => {
    const j = parseJaasConfig(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p\\"w;d" extra=bare;',
    );
    expect(j.loginModule).toBe('org.apache.kafka.common.security.scram.ScramLoginModule');
    expect(Object.fromEntries(j.options)).toEqual({ username: 'alice', password: 'p"w;d', extra: 'bare' });
  });
  it('says what is wrong with a malformed entry', () => {
    expect(() => parseJaasConfig('username="a"')).toThrow(/LoginModule class/);
    expect(() => parseJaasConfig('a.B required username="a"')).toThrow(/missing ";"/);
    expect(() => parseJaasConfig('a.B required username="a;')).toThrow(/unterminated/);
    expect(() => parseJaasConfig('a.B required x="1"; c.D required;')).toThrow(/only one/);
  });
});
