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
      host: '0.0.0.0',
      stateTopic: '__eos_controller',
      leaseMs: 3000,
      heartbeatIntervalMs: 500,
      forgetWorkerAfterMs: 600_000,
      transformsDir: undefined,
    });
  });
  it('reads overrides and splits brokers', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', CONTROLLER_GRPC_PORT: '6000' });
    expect(c.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(c.grpcPort).toBe(6000);
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
