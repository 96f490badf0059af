import { loadConfig } from './config';

describe('worker loadConfig', () => {
  it('fills the contract defaults, WORKER_ID = host-pid', () => {
    const c = loadConfig({}, 1234);
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(c.controllerAddr).toBe('127.0.0.1:50051');
    expect(c.workerId).toBe(`${c.host}-1234`);
    expect(c.capacity).toBe(8);
    expect(c.transactionTimeoutMs).toBe(30_000);
    expect(c.overlapCommits).toBe(true);
  });
  it('reads the transaction timeout', () => {
    expect(loadConfig({ WORKER_TRANSACTION_TIMEOUT_MS: '5000' }).transactionTimeoutMs).toBe(5_000);
    expect(loadConfig({ WORKER_OVERLAP_COMMITS: 'false' }).overlapCommits).toBe(false);
    expect(() => loadConfig({ WORKER_OVERLAP_COMMITS: 'no' })).toThrow(/WORKER_OVERLAP_COMMITS/);
    expect(() => loadConfig({ WORKER_TRANSACTION_TIMEOUT_MS: '10' })).toThrow(
      /WORKER_TRANSACTION_TIMEOUT_MS/,
    );
  });
  it('reads how to authenticate to the controller: plaintext by default, TLS with a CA or a client certificate', () => {
    expect(loadConfig({}).controllerAuth).toEqual({ token: undefined, tls: undefined });
    expect(loadConfig({ WORKER_TOKEN: 't', CONTROLLER_CA_FILE: '/ca.pem' }).controllerAuth).toEqual({
      token: 't',
      tls: { caFile: '/ca.pem', certFile: undefined, keyFile: undefined },
    });
    expect(
      loadConfig({ WORKER_TLS_CERT_FILE: '/c.pem', WORKER_TLS_KEY_FILE: '/k.pem' }).controllerAuth.tls,
    ).toEqual({ caFile: undefined, certFile: '/c.pem', keyFile: '/k.pem' });
    expect(() => loadConfig({ WORKER_TLS_CERT_FILE: '/c.pem' })).toThrow(/WORKER_TLS_KEY_FILE/);
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ WORKER_CAPACITY: '0' })).toThrow(/WORKER_CAPACITY/);
    expect(() => loadConfig({ EOS_FLEET_ID: 'Blue' })).toThrow(/EOS_FLEET_ID: invalid fleet id "Blue"/);
    expect(() => loadConfig({ KAFKA_SASL_USERNAME: 'w' })).toThrow(
      /KAFKA_SASL_USERNAME: is a SASL setting, but the security protocol is PLAINTEXT/,
    );
  });
  it('reads the fleet and the Kafka settings', () => {
    const c = loadConfig({ EOS_FLEET_ID: 'blue', KAFKA_BROKERS: 'a:1' });
    expect(c.fleetId).toBe('blue');
    expect(c.kafka).toEqual({ brokers: ['a:1'], securityProtocol: 'PLAINTEXT' });
    expect(loadConfig({}).fleetId).toBe('default');
  });
  it('reads and bounds the transform deadline, attempts and watchdog, naming the variable', () => {
    expect(loadConfig({}).transforms).toEqual({ timeoutMs: 10_000, maxAttempts: 5, watchdog: true });
    expect(
      loadConfig({
        WORKER_TRANSFORM_TIMEOUT_MS: '500',
        WORKER_TRANSFORM_MAX_ATTEMPTS: '3',
        WORKER_WATCHDOG: 'false',
      }).transforms,
    ).toEqual({ timeoutMs: 500, maxAttempts: 3, watchdog: false });
    expect(() => loadConfig({ WORKER_TRANSFORM_TIMEOUT_MS: '50' })).toThrow(/WORKER_TRANSFORM_TIMEOUT_MS/);
    expect(() => loadConfig({ WORKER_TRANSFORM_MAX_ATTEMPTS: '0' })).toThrow(/WORKER_TRANSFORM_MAX_ATTEMPTS/);
    expect(() => loadConfig({ WORKER_WATCHDOG: 'yes' })).toThrow(/WORKER_WATCHDOG/);
  });
});
