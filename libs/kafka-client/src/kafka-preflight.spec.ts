import * as net from 'node:net';
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { KafkaStartupError } from './errors';
import { explainKafkaError, preflightKafka } from './kafka-preflight';

const ctx = {
  role: 'worker w1',
  where: 'b:9093',
  connection: { sasl: { mechanism: 'scram-sha-512' as const, username: 'worker', password: 'x' }, ssl: true },
};

describe('explainKafkaError', () => {
  it('names a wrong password, even inside a retry wrapper', () => {
    // kafkajs's typings declare no constructor argument; the class takes the message.
    const sasl = new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)(
      'SASL SCRAM SHA512 authentication failed: invalid credentials',
    );
    const e = explainKafkaError(
      new KafkaJSNumberOfRetriesExceeded(sasl, { retryCount: 1, retryTime: 1 }),
      ctx,
    );
    expect(e.failure).toBe('authentication');
    expect(e.message).toMatch(
      /^worker w1 cannot start: Kafka at b:9093 refused the SASL login: wrong username or password for user "worker" \(SCRAM-SHA-512\)/,
    );
  });

  it('names an untrusted certificate and a plaintext client on a TLS port', () => {
    const untrusted = explainKafkaError(
      new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', {
        broker: 'b:9093',
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      }),
      ctx,
    );
    expect([untrusted.failure, untrusted.message]).toEqual([
      'tls',
      expect.stringContaining(
        "the broker's certificate is signed by a CA this client does not trust: set KAFKA_SSL_CA_FILE",
      ),
    ]);
    const closed = explainKafkaError(new KafkaJSConnectionError('Closed connection'), {
      ...ctx,
      connection: {},
    });
    expect([closed.failure, closed.message]).toEqual([
      'unreachable',
      expect.stringContaining('check KAFKA_SECURITY_PROTOCOL'),
    ]);
  });

  it('names the missing ACL from the error kafkajs only logged (it reports "Failed to find group coordinator")', () => {
    const denied = new KafkaJSProtocolError(
      Object.assign(new Error('Transactional Id authorization failed'), {
        type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
        code: 53,
        retriable: false,
      }),
    );
    const e = explainKafkaError(new Error('Failed to find group coordinator'), {
      ...ctx,
      resource: 'transactional id eos._preflight.worker',
      logged: [denied],
    });
    expect(e.failure).toBe('authorization');
    expect(e.message).toBe(
      'worker w1 cannot start: Kafka at b:9093 denied principal User:worker on transactional id eos._preflight.worker: TRANSACTIONAL_ID_AUTHORIZATION_FAILED. Grant the ACLs listed in docs/production.md',
    );
  });
});

describe('preflightKafka', () => {
  /** A port on loopback where nothing listens. */
  async function deadPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
  }

  it('fails as unreachable when nothing answers, or waits and tells each attempt when asked to', async () => {
    const brokers = [`127.0.0.1:${await deadPort()}`];
    const err = (await preflightKafka(
      { brokers },
      { clientId: 't', role: 'worker w1', timeoutMs: 500 },
    ).catch((e: unknown) => e)) as KafkaStartupError;
    expect(err).toBeInstanceOf(KafkaStartupError);
    expect([err.failure, err.message]).toEqual([
      'unreachable',
      expect.stringContaining(`worker w1 cannot start: Kafka at ${brokers[0]} is not reachable`),
    ]);
    const attempts: number[] = [];
    const waited = await preflightKafka(
      { brokers },
      {
        clientId: 't',
        role: 'worker w1',
        timeoutMs: 500,
        waitWhileUnreachable: {
          onUnreachable: (_e, n) => {
            attempts.push(n);
            if (n === 2) throw new Error('gave up after 2');
          },
        },
      },
    ).catch((e: unknown) => e);
    expect((waited as Error).message).toBe('gave up after 2');
    expect(attempts).toEqual([1, 2]);
  }, 30_000);
});
