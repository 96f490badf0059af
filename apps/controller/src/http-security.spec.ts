import type * as http from 'node:http';
import { hostname } from 'node:os';
import { Authenticator } from './auth/authenticator';
import { hostOf, HttpSecurity } from './http-security';

const req = (method: string, headers: Record<string, string>) =>
  ({ method, headers, socket: {} }) as unknown as http.IncomingMessage;
const json = { 'content-type': 'application/json; charset=utf-8' };

describe('HttpSecurity.screen', () => {
  const sec = new HttpSecurity({
    auth: new Authenticator(),
    tls: false,
    allowedOrigins: ['https://ui.example.com'],
    allowedHosts: ['controller.internal'],
  });
  const status = (method: string, headers: Record<string, string>) =>
    sec.screen(req(method, headers))?.status ?? 'ok';

  it('answers to its own names only (DNS rebinding)', () => {
    expect(hostOf('[::1]:8080')).toBe('::1');
    expect(hostOf('Example.COM:80')).toBe('example.com');
    for (const host of [
      '127.0.0.1:8080',
      '10.1.2.3',
      '[::1]:8080',
      'localhost:8080',
      `${hostname()}:1`,
      'controller.internal',
      'ui.example.com',
    ])
      expect({ host, s: status('GET', { host }) }).toEqual({ host, s: 'ok' });
    for (const host of ['evil.example', 'localhost.evil.example:8080', '127.0.0.1.nip.io'])
      expect({ host, s: status('GET', { host }) }).toEqual({ host, s: 421 });
    expect(status('GET', {})).toBe(400);
  });

  it('lets a mutation through only as JSON and from its own or an allowed origin; curl (no Origin) passes', () => {
    const host = '127.0.0.1:8080';
    expect(status('POST', { host, ...json })).toBe('ok');
    expect(status('POST', { host, ...json, origin: 'http://127.0.0.1:8080' })).toBe('ok');
    expect(status('DELETE', { host, ...json, origin: 'https://ui.example.com' })).toBe('ok');
    expect(status('POST', { host, ...json, origin: 'http://127.0.0.1:9999' })).toBe(403);
    expect(status('POST', { host, ...json, origin: 'https://127.0.0.1:8080' })).toBe(403); // other scheme
    expect(status('POST', { host, ...json, origin: 'null' })).toBe(403);
    expect(status('PUT', { host, 'content-type': 'text/plain' })).toBe(415);
    expect(status('POST', { host, 'content-type': 'application/x-www-form-urlencoded' })).toBe(415);
    expect(status('POST', { host })).toBe(415);
    expect(status('GET', { host, origin: 'https://evil.example' })).toBe('ok'); // reads: no CORS, nothing readable
    // A Host that passes the name check but is no URL authority does not throw.
    expect(status('POST', { host: '127.0.0.1:99999', ...json, origin: 'http://127.0.0.1:99999' })).toBe(403);
  });
});
