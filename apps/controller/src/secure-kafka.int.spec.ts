/**
 * The fleet on a production-like Kafka: a broker of its own with a SASL_SSL listener (SCRAM users
 * added when the storage is formatted, a certificate made now with openssl), Kafka's
 * StandardAuthorizer, and for the worker and controller principals exactly the ACLs that
 * docs/production.md lists, granted by running that block's `kafka-acls` commands with Kafka's own
 * AclCommand. The controller connects with a Java client.properties file, the workers with
 * KAFKA_* variables (over a properties file). The output is read by kcat over the broker's
 * PLAINTEXT listener (loopback only; Debian's kcat cannot do SCRAM here), not by kafkajs.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { FleetNames } from '@eos/fleet-names';
import {
  defaultKafkaVersion,
  kafkaClasspath,
  kafkaLogArgs,
  REPO_ROOT,
  startKafka,
  stopKafka,
} from '@eos/infra';
import { kafkaJsConnection, loadKafkaClientConfig } from '@eos/kafka-client';
import { TaskState, type GetPipelineStatusResponse } from '@eos/proto';
import {
  background,
  checkExactlyOnce,
  createTopic,
  makeTestCertificates,
  produceSequence,
  readTopic,
  testBrokers,
  testKafkaVersion,
  TestStack,
  uniqueName,
  until,
  waitCaughtUp,
  type TestCertificates,
} from '@eos/testing';

const run = promisify(execFile);
const VERSION = testKafkaVersion() ?? defaultKafkaVersion();
// The secure broker sits beside the test broker: PLAINTEXT on its port + 2, KRaft + 3, SASL_SSL + 4
// (SECURE_KAFKA_PORT moves the three elsewhere).
const BASE = Number(
  process.env['SECURE_KAFKA_PORT'] || Number((testBrokers()[0] ?? '127.0.0.1:9092').split(':')[1]) + 2,
);
const PLAIN = `127.0.0.1:${BASE}`;
const SECURE = `127.0.0.1:${BASE + 2}`;
const USERS = { admin: 'admin-secret', worker: 'worker-secret', controller: 'controller-secret' };

let dir: string;
let certs: TestCertificates;
let kafkaOptions: Parameters<typeof startKafka>[0];
let admin: Admin;
let producer: Producer;
let stack: TestStack;

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const scramJaas = (user: string, password: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;
const clientProperties = (user?: keyof typeof USERS) =>
  [
    `bootstrap.servers=${SECURE}`,
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    ...(user ? [`sasl.jaas.config=${scramJaas(user, USERS[user])}`] : []),
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caFile}`,
    '',
  ].join('\n');

/** The `kafka-acls` commands of docs/production.md's ACL block, as written there. */
function documentedAclCommands(): string[] {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/production.md'), 'utf8');
  const block = /<!-- acls:begin -->([\s\S]*?)<!-- acls:end -->/.exec(doc)?.[1] ?? '';
  const commands = block.split('\n').filter((l) => l.startsWith('kafka-acls '));
  expect(commands.length).toBeGreaterThanOrEqual(8);
  return commands;
}

/** Runs one documented command with Kafka's AclCommand, its `$VARIABLES` filled in. */
async function kafkaAcls(command: string, vars: Record<string, string>): Promise<string> {
  const args = command
    .split(/\s+/)
    .slice(1)
    .map((a) =>
      a.replace(/\$([A-Z_]+)/g, (_m, v: string) => {
        const value = vars[v];
        if (value === undefined)
          throw new Error(`docs/production.md uses $${v}, which the test does not know`);
        return value;
      }),
    );
  const { stdout } = await run(
    'java',
    [
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      ...kafkaLogArgs(VERSION, true),
      '-cp',
      kafkaClasspath(VERSION),
      // Kafka 4 moved the tool from core (Scala) to the tools jar.
      Number(VERSION.split('.')[0]) >= 4 ? 'org.apache.kafka.tools.AclCommand' : 'kafka.admin.AclCommand',
      ...args,
    ],
    { timeout: 120_000 },
  );
  return stdout;
}

/** Runs commands a few at a time (each is a JVM start). */
async function inParallel(commands: string[], vars: Record<string, string>, n = 3): Promise<void> {
  const queue = [...commands];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) await kafkaAcls(c, vars);
    }),
  );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-secure-kafka-'));
  certs = makeTestCertificates(path.join(dir, 'certs'));
  kafkaOptions = {
    port: BASE,
    controllerPort: BASE + 1,
    dataDir: path.join(dir, 'kafka'),
    heap: '512m',
    version: VERSION,
    extraListeners: [
      {
        name: 'SECURE',
        port: BASE + 2,
        advertisedPort: BASE + 2,
        securityProtocol: 'SASL_SSL',
        tls: { keystorePemFile: certs.brokerKeystoreFile, keyPassword: certs.keyPassword },
      },
    ],
    scramUsers: Object.entries(USERS).map(([name, password]) => ({ name, password })),
    authorizer: { superUsers: ['User:admin'] },
  };
  const k = await startKafka(kafkaOptions);
  expect(k.startedNow).toBe(true);
  // The test's own clients: the admin user (a super user) over SASL_SSL.
  const conn = kafkaJsConnection(
    loadKafkaClientConfig({ KAFKA_CLIENT_PROPERTIES: file('admin.properties', clientProperties('admin')) }),
  );
  const kafka = new Kafka({ ...conn, clientId: 'secure-test-admin', logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([admin.connect(), producer.connect()]);
}, 180_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  if (kafkaOptions) await stopKafka(kafkaOptions);
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await stack?.stop();
});

it('runs exactly once on SASL_SSL with only the documented ACLs: SIGKILL of a worker, output checked by kcat; without the transactional-id ACL a worker refuses to start, naming it', async () => {
  const name = uniqueName('sec');
  const t = { input: `${name}.in`, output: `${name}.out`, dlq: `${name}.dlq` };
  await createTopic(admin, t.input, 6);
  stack = new TestStack({
    leaseMs: 2000,
    env: {
      KAFKA_BROKERS: SECURE,
      KAFKA_CLIENT_PROPERTIES: file('controller.properties', clientProperties('controller')),
    },
  });
  const names = new FleetNames();
  const vars = {
    BOOTSTRAP: SECURE,
    ADMIN: path.join(dir, 'admin.properties'),
    WORKER: 'User:worker',
    CONTROLLER: 'User:controller',
    PREFIX: `${names.prefix}.`, // the default fleet's: "eos."
    STATE_TOPIC: stack.stateTopic,
    INPUT: t.input,
    OUTPUT: t.output,
    DLQ: t.dlq,
  };
  const commands = documentedAclCommands();
  await inParallel(commands, vars);

  // Workers: SASL_SSL and the CA from a properties file, the user and password from variables.
  const workerEnv = {
    KAFKA_CLIENT_PROPERTIES: file('worker.properties', clientProperties()),
    KAFKA_SASL_USERNAME: 'worker',
    KAFKA_SASL_PASSWORD_FILE: file('worker.password', `${USERS.worker}\n`),
  };
  await stack.startController();
  const workers = ['w1', 'w2', 'w3'].map((id) => stack.startWorker(id, workerEnv));
  await stack.call('createPipeline', {
    spec: {
      name,
      inputTopic: t.input,
      outputTopic: t.output,
      tasks: 6,
      transform: { name: 'suffix', version: 1, config: { suffix: '|s' } },
      deadLetterTopic: t.dlq,
    },
  });
  const status = () => stack.call<{ name: string }, GetPipelineStatusResponse>('getPipelineStatus', { name });
  await until('6 tasks processing on 3 workers', async () => {
    const s = await status();
    return (
      s.tasks.every((x) => x.state === TaskState.PROCESSING) &&
      new Set(s.tasks.map((x) => x.ownerWorkerId)).size === 3
    );
  });
  const producing = background(
    produceSequence(producer, t.input, { count: 20_000, keys: 60, partitions: 6, batch: 250 }),
  );
  await until('some commits', async () => (await status()).tasks.some((x) => x.recordsCommitted > 0));
  workers[1]!.kill('SIGKILL');
  await until(
    'w2 tasks moved',
    async () => (await status()).tasks.every((x) => x.ownerWorkerId !== 'w2' && x.ownerWorkerId !== ''),
    30_000,
  );
  const inputs = await producing;
  await waitCaughtUp(admin, t.input, names.pipelineGroup(name));
  const out = await readTopic(t.output, 'read_committed', [PLAIN]);
  const r = checkExactlyOnce(inputs, out, (v) => `${v}|s`);
  expect({
    missing: r.missing.length,
    duplicates: r.duplicates.slice(0, 5),
    unexpected: r.unexpected.slice(0, 5),
    order: r.orderViolations.slice(0, 5),
  }).toEqual({ missing: 0, duplicates: [], unexpected: [], order: [] });
  expect(out).toHaveLength(inputs.length);

  // Take away exactly one documented ACL: the workers' transactional ids.
  const txnAcl = commands.find((c) => c.includes('$WORKER') && c.includes('--transactional-id'));
  expect(txnAcl).toBeDefined();
  await kafkaAcls(`${txnAcl!.replace(' --add ', ' --remove --force ')}`, vars);
  const denied = stack.startWorker('w4', workerEnv);
  expect(await denied.exit()).toBe(1);
  expect(denied.output).toContain(
    'worker w4 cannot start: Kafka at ' +
      `${SECURE} denied principal User:worker on transactional id ${names.preflightTransactionalId('worker')}: TRANSACTIONAL_ID_AUTHORIZATION_FAILED`,
  );
}, 300_000);

it('a wrong password or an unknown CA ends the worker at start with an error that says which', async () => {
  stack = new TestStack({ env: { KAFKA_BROKERS: SECURE } });
  const base = {
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'worker',
    KAFKA_SSL_CA_FILE: certs.caFile,
    KAFKA_SASL_PASSWORD: USERS.worker,
    CONTROLLER_ADDR: '127.0.0.1:1', // never reached: the Kafka check comes first
  };
  const wrongPassword = stack.startWorker('wp', { ...base, KAFKA_SASL_PASSWORD: 'not-the-password' });
  const unknownCa = stack.startWorker('ca', { ...base, KAFKA_SSL_CA_FILE: certs.otherCaFile });
  const t0 = Date.now();
  expect(await wrongPassword.exit()).toBe(1);
  expect(await unknownCa.exit()).toBe(1);
  expect(Date.now() - t0).toBeLessThan(20_000); // no retry loop
  expect(wrongPassword.output).toMatch(
    /worker wp cannot start: Kafka at .* refused the SASL login: wrong username or password for user "worker" \(SCRAM-SHA-512\)/,
  );
  expect(unknownCa.output).toMatch(
    /worker ca cannot start: Kafka at .*: the broker's certificate is signed by a CA this client does not trust: set KAFKA_SSL_CA_FILE/,
  );
}, 60_000);
