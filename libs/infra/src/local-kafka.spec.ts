import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO_ROOT,
  defaultKafkaVersion,
  kafkaClasspath,
  kafkaLogArgs,
  kafkaPortFromEnv,
  kafkaVersionFromEnv,
  newClusterId,
  parseFeatures,
  resolve,
  serverProperties,
} from './local-kafka';

describe('newClusterId', () => {
  it("never starts with '-' (StorageTool would read it as an option)", () => {
    // 0xf8 as the first byte encodes to '-' in URL-safe base64.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift() as Buffer);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toHaveLength(0);
  });

  it('is 22 URL-safe base64 characters', () => {
    for (let i = 0; i < 200; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

describe('Kafka version setting', () => {
  it('defaults to the kafka.version of tools/kafka/pom.xml, a 4.x', () => {
    const pom = fs.readFileSync(path.join(REPO_ROOT, 'tools/kafka/pom.xml'), 'utf8');
    expect(pom).toContain(`<kafka.version>${defaultKafkaVersion()}</kafka.version>`);
    expect(defaultKafkaVersion()).toMatch(/^4\.\d+\.\d+$/);
    expect(kafkaVersionFromEnv({})).toBe(defaultKafkaVersion());
    expect(kafkaVersionFromEnv({ KAFKA_VERSION: ' 3.9.1 ' })).toBe('3.9.1');
    expect(() => kafkaVersionFromEnv({ KAFKA_VERSION: 'latest' })).toThrow(
      /KAFKA_VERSION: "latest" is not a Kafka version/,
    );
  });

  it('configures reload4j for 3.x and log4j2 for 4.x, and keeps jars per version', () => {
    expect(kafkaLogArgs('3.9.1')).toEqual([
      `-Dlog4j.configuration=file:${path.join(REPO_ROOT, 'tools/kafka/log4j.properties')}`,
    ]);
    expect(kafkaLogArgs('4.4.0')).toEqual([
      `-Dlog4j2.configurationFile=${path.join(REPO_ROOT, 'tools/kafka/log4j2.properties')}`,
    ]);
    expect(kafkaLogArgs('4.4.0', true)[0]).toMatch(/log4j2-tools\.properties$/);
    expect(kafkaLogArgs('3.9.1', true)[0]).toMatch(/=file:.*\/log4j-tools\.properties$/);
    expect(kafkaClasspath('3.9.1')).toBe(`${path.join(REPO_ROOT, 'tools/kafka/.cache/3.9.1/libs')}/*`);
  });
});

describe('serverProperties', () => {
  it("deletes a dropped topic's files 1 s after the drop, not Kafka's 60 s", () => {
    expect(serverProperties(resolve({ port: 1000 }), '/l').split('\n')).toContain(
      'log.segment.delete.delay.ms=1000',
    );
  });

  it('adds a SASL_SSL listener with PEM key store, SCRAM and the StandardAuthorizer only when asked', () => {
    const plain = serverProperties(
      resolve({ port: 1000, extraListeners: [{ name: 'P1', port: 1002, advertisedPort: 2002 }] }),
      '/l',
    );
    expect(plain).toContain(
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,P1:PLAINTEXT',
    );
    expect(plain).not.toMatch(/authorizer|sasl|ssl\./);
    const secure = serverProperties(
      resolve({
        port: 1000,
        extraListeners: [
          {
            name: 'SECURE',
            port: 1003,
            advertisedPort: 1003,
            securityProtocol: 'SASL_SSL',
            tls: { keystorePemFile: '/c/ks.pem', keyPassword: 'kp' },
          },
        ],
        authorizer: { superUsers: ['User:admin'] },
      }),
      '/l',
    ).split('\n');
    expect(secure).toEqual(
      expect.arrayContaining([
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SASL_SSL',
        'listener.name.secure.ssl.keystore.type=PEM',
        'listener.name.secure.ssl.keystore.location=/c/ks.pem',
        'listener.name.secure.ssl.key.password=kp',
        'listener.name.secure.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256',
        'listener.name.secure.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users=User:ANONYMOUS;User:admin',
      ]),
    );
    expect(() =>
      serverProperties(
        resolve({ extraListeners: [{ name: 'S', port: 1, advertisedPort: 1, securityProtocol: 'SSL' }] }),
        '/l',
      ),
    ).toThrow(/listener S: SSL needs tls/);
  });
});

describe('parseFeatures', () => {
  it('reads the finalized levels of FeatureCommand describe', () => {
    const out = [
      'Feature: group.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 1\tEpoch: 5',
      'Feature: metadata.version\tSupportedMinVersion: 3.3-IV3\tSupportedMaxVersion: 4.4-IV2\tFinalizedVersionLevel: 4.4-IV2\tEpoch: 5',
      'Feature: transaction.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 2\tFinalizedVersionLevel: 2\tEpoch: 5',
    ].join('\n');
    expect(parseFeatures(out)).toEqual({
      'group.version': '1',
      'metadata.version': '4.4-IV2',
      'transaction.version': '2',
    });
  });
});

describe('kafkaPortFromEnv', () => {
  it('takes KAFKA_PORT first', () => {
    expect(kafkaPortFromEnv({ KAFKA_PORT: '9300', KAFKA_BROKERS: '127.0.0.1:9592' })).toBe(9300);
  });

  it("takes the first KAFKA_BROKERS entry's port when KAFKA_PORT is not set", () => {
    expect(kafkaPortFromEnv({ KAFKA_BROKERS: '127.0.0.1:9592,127.0.0.1:9593' })).toBe(9592);
    expect(kafkaPortFromEnv({ KAFKA_BROKERS: 'localhost:19092', KAFKA_PORT: '' })).toBe(19092);
  });

  it('is undefined when neither says (the default 9092) and rejects a KAFKA_PORT that is no port', () => {
    expect(kafkaPortFromEnv({})).toBeUndefined();
    expect(kafkaPortFromEnv({ KAFKA_BROKERS: 'broker' })).toBeUndefined();
    expect(() => kafkaPortFromEnv({ KAFKA_PORT: 'x' })).toThrow(/KAFKA_PORT/);
  });
});
