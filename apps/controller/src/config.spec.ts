import { loadConfig } from './config';

describe('loadConfig', () => {
  it('fills the contract defaults', () => {
    expect(loadConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      redisUrl: 'redis://127.0.0.1:6379',
      grpcPort: 50051,
      httpPort: 8080,
      host: '127.0.0.1',
      stateTopic: '__eos_controller',
      leaseMs: 3000,
      heartbeatIntervalMs: 500,
      forgetWorkerAfterMs: 600_000,
      transformsDir: undefined,
      security: {
        insecure: false,
        allowedOrigins: [],
        allowedHosts: [],
        tls: undefined,
        tokensFile: undefined,
      },
    });
  });
  it('binds to loopback without authentication, and beyond only with authentication or CONTROLLER_INSECURE', () => {
    expect(() => loadConfig({ CONTROLLER_HOST: '0.0.0.0' })).toThrow(
      /CONTROLLER_HOST=0\.0\.0\.0.*CONTROLLER_INSECURE=true/,
    );
    expect(loadConfig({ CONTROLLER_HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ CONTROLLER_HOST: '0.0.0.0', CONTROLLER_INSECURE: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ CONTROLLER_TOKENS_FILE: '/t' }).host).toBe('0.0.0.0');
    expect(loadConfig({ CONTROLLER_TLS_CERT_FILE: '/c', CONTROLLER_TLS_KEY_FILE: '/k' }).host).toBe(
      '127.0.0.1',
    ); // TLS alone authenticates no one
    expect(
      loadConfig({
        CONTROLLER_TLS_CERT_FILE: '/c',
        CONTROLLER_TLS_KEY_FILE: '/k',
        CONTROLLER_TLS_CLIENT_CA_FILE: '/ca',
      }).host,
    ).toBe('0.0.0.0');
  });
  it('names what is wrong in the security variables', () => {
    expect(() => loadConfig({ CONTROLLER_TLS_CERT_FILE: '/c' })).toThrow(/CONTROLLER_TLS_KEY_FILE/);
    expect(() => loadConfig({ CONTROLLER_TLS_CLIENT_CA_FILE: '/ca' })).toThrow(
      /CONTROLLER_TLS_CLIENT_CA_FILE needs/,
    );
    expect(() => loadConfig({ CONTROLLER_INSECURE: 'yes' })).toThrow(/CONTROLLER_INSECURE/);
    expect(() => loadConfig({ CONTROLLER_ALLOWED_ORIGINS: 'https://ui.example.com/app' })).toThrow(
      /CONTROLLER_ALLOWED_ORIGINS: "https:\/\/ui.example.com\/app" is not an origin/,
    );
    expect(
      loadConfig({ CONTROLLER_ALLOWED_ORIGINS: 'https://UI.example.com:8443, http://a' }).security
        .allowedOrigins,
    ).toEqual(['https://ui.example.com:8443', 'http://a']);
  });
  it('reads overrides and splits brokers', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', CONTROLLER_GRPC_PORT: '6000' });
    expect(c.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(c.grpcPort).toBe(6000);
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ CONTROLLER_GRPC_PORT: 'abc' })).toThrow(/CONTROLLER_GRPC_PORT/);
  });
});
