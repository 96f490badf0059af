import { loadConfig } from './config';

describe('loadConfig', () => {
  it('fills the contract defaults', () => {
    expect(loadConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      kafka: { brokers: ['127.0.0.1:9092'], securityProtocol: 'PLAINTEXT' },
      fleetId: 'default',
      redisUrl: 'redis://127.0.0.1:6379',
      grpcPort: 50051,
      httpPort: 8080,
      host: '127.0.0.1',
      stateTopic: '__eos_controller',
      leaseMs: 3000,
      disconnectGraceMs: 300,
      heartbeatIntervalMs: 500,
      forgetWorkerAfterMs: 600_000,
      transformsDir: undefined,
      taskFailures: { backoffMs: 2_000, backoffMaxMs: 300_000, quarantineAfter: 2, carefulRecords: 5_000 },
      security: {
        insecure: false,
        allowedOrigins: [],
        allowedHosts: [],
        tls: undefined,
        tokensFile: undefined,
      },
    });
  });
  it('bounds the failure backoff and quarantine settings, naming the variable', () => {
    expect(loadConfig({ CONTROLLER_QUARANTINE_AFTER: '3' }).taskFailures.quarantineAfter).toBe(3);
    expect(() => loadConfig({ CONTROLLER_QUARANTINE_AFTER: '0' })).toThrow(/CONTROLLER_QUARANTINE_AFTER/);
    expect(() => loadConfig({ CONTROLLER_TASK_BACKOFF_MAX_MS: '10' })).toThrow(
      /CONTROLLER_TASK_BACKOFF_MAX_MS/,
    );
    expect(() => loadConfig({ CONTROLLER_CAREFUL_RECORDS: '1.5' })).toThrow(/CONTROLLER_CAREFUL_RECORDS/);
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
  it('a disconnect grace of 0 leaves failure detection to the lease', () => {
    expect(loadConfig({ WORKER_DISCONNECT_GRACE_MS: '0', WORKER_LEASE_MS: '4000' }).disconnectGraceMs).toBe(
      4000,
    );
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ CONTROLLER_GRPC_PORT: 'abc' })).toThrow(/CONTROLLER_GRPC_PORT/);
    expect(() => loadConfig({ EOS_FLEET_ID: 'a.b' })).toThrow(/EOS_FLEET_ID: invalid fleet id "a.b"/);
    expect(() => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(
      /KAFKA_SASL_MECHANISM: is required/,
    );
  });
  it('namespaces the state topic by EOS_FLEET_ID unless EOS_STATE_TOPIC names one', () => {
    expect(loadConfig({ EOS_FLEET_ID: 'blue' })).toMatchObject({
      fleetId: 'blue',
      stateTopic: '__eos_controller.blue',
    });
    expect(loadConfig({ EOS_FLEET_ID: 'blue', EOS_STATE_TOPIC: 'mine' }).stateTopic).toBe('mine');
  });
  it('takes the Kafka security settings', () => {
    const c = loadConfig({
      KAFKA_BROKERS: 'k:9094',
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'ctl',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(c.kafka).toEqual({
      brokers: ['k:9094'],
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'ctl', password: 'pw' },
    });
  });
});
