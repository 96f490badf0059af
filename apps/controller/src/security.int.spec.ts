/**
 * The secured control plane with real processes, certificates made at test time and grpcurl:
 * tokens and roles over TLS, worker id binding, the browser checks of the HTTP API, mTLS workers,
 * and loopback-only without authentication.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Admin } from 'kafkajs';
import {
  createTopic,
  makeTestPki,
  readTopic,
  testKafka,
  TestStack,
  uniqueName,
  until,
  type TestPki,
} from '@eos/testing';

const GRPCURL = process.env['GRPCURL'] ?? path.join(os.homedir(), 'go/bin/grpcurl');
const grpcurlBin = fs.existsSync(GRPCURL) ? GRPCURL : 'grpcurl';

let admin: Admin;
let pki: TestPki;
let stack: TestStack;
let dir: string;

const TOKENS = {
  viewer: 'tok-viewer-3f9a1c7e5b2d',
  operator: 'tok-operator-8e1d4a6c2f0b',
  admin: 'tok-admin-5c7b9e1a3d4f',
  workerA: 'tok-worker-a-1a2b3c4d5e6f',
  workerB: 'tok-worker-b-6f5e4d3c2b1a',
};
const tokensFile = () => path.join(dir, 'tokens.csv');
const writeTokens = (lines: string[]) => fs.writeFileSync(tokensFile(), lines.join('\n') + '\n');
const ALL_TOKENS = [
  `${TOKENS.viewer},vera,viewer`,
  `${TOKENS.operator},otto,operator`,
  `${TOKENS.admin},alice,admin`,
  `${TOKENS.workerA},worker-a-cred,worker`,
  `${TOKENS.workerB},worker-b-cred,worker`,
];

beforeAll(async () => {
  admin = testKafka().admin();
  await admin.connect();
  pki = makeTestPki('security');
});
afterAll(async () => {
  await admin.disconnect();
  pki.remove();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-security-'));
});
afterEach(async () => {
  await stack.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** grpcurl against the test controller; resolves with its exit code and output. */
function grpcurl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(grpcurlBin, ['-max-time', '10', ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

const tlsArgs = () => ['-cacert', pki.caFile];
const auth = (token: string) => ['-H', `authorization: Bearer ${token}`];

/** An HTTPS request to the controller's HTTP port (trusting the test CA). */
function httpsCall(
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body?: string,
  cert?: { certFile: string; keyFile: string },
): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: stack.httpPort,
        method,
        path: urlPath,
        headers,
        servername: 'localhost', // the certificate's name, whatever Host the test sends
        ca: fs.readFileSync(pki.caFile),
        ...(cert ? { cert: fs.readFileSync(cert.certFile), key: fs.readFileSync(cert.keyFile) } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function tokenStack(extraEnv: NodeJS.ProcessEnv = {}): TestStack {
  writeTokens(ALL_TOKENS);
  return new TestStack({
    leaseMs: 2000,
    env: {
      CONTROLLER_TOKENS_FILE: tokensFile(),
      CONTROLLER_TLS_CERT_FILE: pki.serverCertFile,
      CONTROLLER_TLS_KEY_FILE: pki.serverKeyFile,
      CONTROLLER_CA_FILE: pki.caFile, // for the workers
      ...extraEnv,
    },
    adminCredentials: grpc.credentials.createSsl(fs.readFileSync(pki.caFile)),
    adminToken: TOKENS.admin,
  });
}

it('over TLS, answers UNAUTHENTICATED without a token, PERMISSION_DENIED naming the role, and audits the identity', async () => {
  stack = tokenStack();
  await stack.startController();
  const addr = stack.addr;
  expect(stack.controller?.output).toMatch(/TLS, 5 bearer tokens/);

  // Health and reflection are open; every other call needs a credential.
  const health = await grpcurl([...tlsArgs(), addr, 'grpc.health.v1.Health/Check']);
  expect(health.out).toContain('SERVING');
  const list = await grpcurl([...tlsArgs(), addr, 'list']);
  expect(list.out).toContain('eos.v1.AdminService');
  // Plaintext does not reach a TLS controller.
  expect(
    (await grpcurl(['-plaintext', ...auth(TOKENS.admin), addr, 'eos.v1.AdminService/ListWorkers'])).code,
  ).not.toBe(0);

  const call = (token: string | undefined, method: string, body: object) =>
    grpcurl([
      ...tlsArgs(),
      ...(token ? auth(token) : []),
      '-H',
      'x-actor: mallory',
      '-d',
      JSON.stringify(body),
      addr,
      `eos.v1.AdminService/${method}`,
    ]);
  expect((await call(undefined, 'ListWorkers', {})).out).toMatch(
    /Code: Unauthenticated[\s\S]*authorization: Bearer/,
  );
  expect((await call('wrong-token-123456', 'ListWorkers', {})).out).toMatch(/Code: Unauthenticated/);
  expect((await call(TOKENS.workerA, 'ListWorkers', {})).out).toMatch(
    /Code: PermissionDenied[\s\S]*needs role viewer; worker-a-cred has role worker/,
  );
  const name = uniqueName('sec');
  await createTopic(admin, `${name}.in`, 2);
  const spec = {
    spec: {
      name,
      inputTopic: `${name}.in`,
      outputTopic: `${name}.out`,
      tasks: 2,
      transform: { name: 'suffix', version: 1, config: { suffix: '|s' } },
    },
  };
  // Each role: what it may and may not do.
  expect((await call(TOKENS.viewer, 'ListWorkers', {})).code).toBe(0);
  expect((await call(TOKENS.viewer, 'PausePipeline', { name })).out).toMatch(
    /PermissionDenied[\s\S]*needs role operator; vera has role viewer/,
  );
  expect((await call(TOKENS.operator, 'CreatePipeline', spec)).out).toMatch(
    /PermissionDenied[\s\S]*needs role admin; otto has role operator/,
  );
  expect((await call(TOKENS.admin, 'CreatePipeline', spec)).code).toBe(0);
  expect((await call(TOKENS.operator, 'PausePipeline', { name })).code).toBe(0);
  expect((await call(TOKENS.operator, 'StopPipeline', { name })).out).toMatch(
    /PermissionDenied[\s\S]*needs role admin/,
  );
  expect((await call(TOKENS.operator, 'ResetPipelineOffsets', { name, earliest: true })).out).toMatch(
    /needs role admin/,
  );
  expect((await call(TOKENS.admin, 'StopPipeline', { name })).code).toBe(0);

  // The audit actor is the authenticated identity, whatever x-actor says.
  const audit = await call(TOKENS.viewer, 'ListAuditRecords', { limit: 10 });
  const records = (JSON.parse(audit.out) as { records: { actor: string; action: string }[] }).records;
  expect(records.map((r) => `${r.action}:${r.actor}`)).toEqual([
    'StopPipeline:alice',
    'PausePipeline:otto',
    'CreatePipeline:alice',
  ]);

  // Rotation without a restart: the file changes, vera's token stops working, a new one works.
  writeTokens([...ALL_TOKENS.filter((l) => !l.includes('vera')), 'tok-viewer-rotated-77aa,vera,viewer']);
  await until(
    'rotated token accepted',
    async () => (await call('tok-viewer-rotated-77aa', 'ListWorkers', {})).code === 0,
    20_000,
    200,
  );
  expect((await call(TOKENS.viewer, 'ListWorkers', {})).out).toMatch(/Unauthenticated/);
  // SIGHUP reloads at once too.
  writeTokens(ALL_TOKENS);
  stack.controller?.kill('SIGHUP');
  await until(
    'original token back',
    async () => (await call(TOKENS.viewer, 'ListWorkers', {})).code === 0,
    20_000,
    200,
  );
  expect(stack.controller?.running).toBe(true);
  // No token ever reaches the log.
  expect(stack.controller?.output).not.toMatch(/tok-/);
});

it('binds a worker id to its credential: a forged Hello is refused and the real worker keeps its tasks', async () => {
  stack = tokenStack();
  await stack.startController();
  const real = stack.startWorker('wa', { WORKER_TOKEN: TOKENS.workerA });
  await real.waitForOutput(/session open/);
  const name = uniqueName('forge');
  await createTopic(admin, `${name}.in`, 2);
  await stack.call('createPipeline', {
    spec: {
      name,
      inputTopic: `${name}.in`,
      outputTopic: `${name}.out`,
      tasks: 2,
      transform: { name: 'suffix', version: 1, config: { suffix: '|f' } },
    },
  });
  type Status = { tasks: { ownerWorkerId: string; epoch: number; state: number }[] };
  const before = await until('tasks on wa', async () => {
    const s = await stack.call<object, Status>('getPipelineStatus', { name });
    return s.tasks.every((t) => t.ownerWorkerId === 'wa') && s.tasks.length === 2 ? s : undefined;
  });

  // Another worker credential says Hello as "wa".
  const forger = stack.startWorker('wa', { WORKER_TOKEN: TOKENS.workerB });
  await forger.waitForOutput(/PERMISSION_DENIED|held by another identity/);
  expect(stack.controller?.output).toMatch(/hello for worker wa from worker-b-cred refused/);
  // And without any token at all.
  const anonymous = stack.startWorker('wa', {});
  await anonymous.waitForOutput(/UNAUTHENTICATED/);

  // The live worker's session and tasks stay: same owner, same epochs, after a lease and more.
  const leaseLater = Date.now() + 3_000;
  await until('a lease passed', () => Date.now() > leaseLater, 10_000, 100);
  const after = await stack.call<object, Status>('getPipelineStatus', { name });
  expect(after.tasks.map((t) => [t.ownerWorkerId, t.epoch])).toEqual(
    before.tasks.map((t) => [t.ownerWorkerId, t.epoch]),
  );
  expect(real.output).not.toMatch(/session lost/);
  const workers = await stack.call<object, { workers: { workerId: string; state: number }[] }>(
    'listWorkers',
    {},
  );
  expect(workers.workers.map((w) => w.workerId)).toEqual(['wa']);
  forger.kill('SIGKILL');
  anonymous.kill('SIGKILL');
});

it('HTTP: TLS, tokens and roles, cross-origin and text/plain mutations refused, foreign Host refused, security headers', async () => {
  stack = tokenStack();
  await stack.startController();
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const json = { 'content-type': 'application/json' };
  const name = uniqueName('http');

  expect((await httpsCall('GET', '/healthz', {})).status).toBe(200);
  expect(await httpsCall('GET', '/api/workers', {})).toMatchObject({
    status: 401,
    json: { code: 'UNAUTHENTICATED' },
  });
  expect(await httpsCall('GET', '/metrics', {})).toMatchObject({ status: 401 });
  const who = await httpsCall('GET', '/api/whoami', bearer(TOKENS.operator));
  expect(who.json).toMatchObject({ name: 'otto', role: 'operator', via: 'token' });
  expect(who.json['operations']).toEqual(expect.arrayContaining(['drainWorker', 'listWorkers']));
  expect(who.json['operations']).not.toContain('createPipeline');
  expect(
    await httpsCall('POST', `/api/pipelines/${name}/stop`, { ...bearer(TOKENS.operator), ...json }, '{}'),
  ).toMatchObject({
    status: 403,
    json: {
      code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/needs role admin; otto has role operator/),
    },
  });
  // Authorized, reaches the API (no such pipeline).
  expect(
    (await httpsCall('POST', `/api/pipelines/${name}/pause`, { ...bearer(TOKENS.operator), ...json }, '{}'))
      .status,
  ).toBe(404);
  // A cross-origin POST, even with a valid token, and a text/plain one.
  expect(
    await httpsCall(
      'POST',
      `/api/pipelines/${name}/pause`,
      { ...bearer(TOKENS.admin), ...json, origin: 'https://evil.example' },
      '{}',
    ),
  ).toMatchObject({
    status: 403,
    json: { message: expect.stringMatching(/cross-origin request from https:\/\/evil.example refused/) },
  });
  expect(
    await httpsCall(
      'POST',
      `/api/pipelines/${name}/pause`,
      { ...bearer(TOKENS.admin), 'content-type': 'text/plain' },
      '{}',
    ),
  ).toMatchObject({
    status: 415,
    json: { message: expect.stringMatching(/Content-Type: application\/json \(got text\/plain\)/) },
  });
  // The controller's own origin passes.
  expect(
    (
      await httpsCall(
        'POST',
        `/api/pipelines/${name}/pause`,
        { ...bearer(TOKENS.admin), ...json, origin: `https://127.0.0.1:${stack.httpPort}` },
        '{}',
      )
    ).status,
  ).toBe(404);
  // DNS rebinding: the controller reached under a foreign name.
  expect(
    await httpsCall('GET', '/api/workers', {
      ...bearer(TOKENS.admin),
      host: `rebind.evil.example:${stack.httpPort}`,
    }),
  ).toMatchObject({
    status: 421,
  });
  const index = await httpsCall('GET', '/', {});
  expect(index.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(index.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  expect(index.headers['set-cookie']).toBeUndefined();
});

it('redacts secret config values in every read and the audit trail, and hands the worker the real ones', async () => {
  const transforms = path.join(dir, 'transforms');
  fs.mkdirSync(transforms);
  fs.writeFileSync(
    path.join(transforms, 'signed.js'),
    `module.exports = { name: 'signed', version: 1, secretKeys: ['signingKey'],
      create(config) { return (r) => ({ key: r.key, value: Buffer.concat([r.value, Buffer.from('|' + config.signingKey + '|' + config.password)]) }); } };`,
  );
  stack = tokenStack({ TRANSFORMS_DIR: transforms });
  await stack.startController();
  stack.startWorker('ws', { WORKER_TOKEN: TOKENS.workerA });
  const name = uniqueName('secret');
  await createTopic(admin, `${name}.in`, 1);
  const config = { signingKey: 'sk-live-123', password: 'hunter2', mode: 'fast' };
  const spec = {
    name,
    inputTopic: `${name}.in`,
    outputTopic: `${name}.out`,
    tasks: 1,
    transform: { name: 'signed', version: 1, config },
  };
  const created = await stack.call<object, { pipeline: { spec: { transform: { config: object } } } }>(
    'createPipeline',
    { spec },
  );
  const redacted = { signingKey: '[redacted]', password: '[redacted]', mode: 'fast' };
  expect(created.pipeline.spec.transform.config).toEqual(redacted);
  const got = await stack.call<object, { pipeline: { spec: { transform: { config: object } } } }>(
    'getPipeline',
    { name },
  );
  expect(got.pipeline.spec.transform.config).toEqual(redacted);
  const viaHttp = await httpsCall('GET', `/api/pipelines/${name}`, {
    authorization: `Bearer ${TOKENS.viewer}`,
  });
  expect(JSON.stringify(viaHttp.json)).not.toMatch(/sk-live|hunter2/);
  const audit = await stack.call<object, { records: { detail: string }[] }>('listAuditRecords', { limit: 5 });
  expect(audit.records[0]?.detail).toContain('[redacted]');
  expect(JSON.stringify(audit.records)).not.toMatch(/sk-live|hunter2/);

  // Stored as given: the worker runs with the real values.
  const producer = testKafka().producer();
  await producer.connect();
  await producer.send({ topic: `${name}.in`, messages: [{ key: 'k', value: 'v' }] });
  await producer.disconnect();
  const out = await until('output', async () => {
    const r = await readTopic(`${name}.out`);
    return r.length > 0 ? r : undefined;
  });
  expect(out[0]?.value).toBe('v|sk-live-123|hunter2');

  // An update that sends the redacted values back keeps the stored secrets.
  await stack.call('updatePipeline', {
    spec: { ...spec, transform: { ...spec.transform, config: { ...redacted, mode: 'slow' } } },
  });
  await until('update stored', async () => {
    const p = await stack.call<object, { pipeline: { spec: { transform: { config: { mode: string } } } } }>(
      'getPipeline',
      { name },
    );
    return p.pipeline.spec.transform.config.mode === 'slow';
  });
});

it('mTLS: a worker with a certificate from the client CA registers, one without a certificate cannot connect', async () => {
  const workerCert = pki.client('wm', 'worker');
  const adminCert = pki.client('carol', 'admin');
  stack = new TestStack({
    leaseMs: 2000,
    env: {
      CONTROLLER_TLS_CERT_FILE: pki.serverCertFile,
      CONTROLLER_TLS_KEY_FILE: pki.serverKeyFile,
      CONTROLLER_TLS_CLIENT_CA_FILE: pki.caFile,
      CONTROLLER_CA_FILE: pki.caFile,
    },
  });
  await stack.startController();
  expect(stack.controller?.output).toMatch(/TLS with client certificates \(mTLS\)/);
  const good = stack.startWorker('wm', {
    WORKER_TLS_CERT_FILE: workerCert.certFile,
    WORKER_TLS_KEY_FILE: workerCert.keyFile,
  });
  await good.waitForOutput(/session open/);
  const bare = stack.startWorker('wbare', {});
  await bare.waitForOutput(/session lost/);
  expect(bare.output).not.toMatch(/session open/);

  const asCarol = ['-cacert', pki.caFile, '-cert', adminCert.certFile, '-key', adminCert.keyFile];
  const workers = await grpcurl([...asCarol, stack.addr, 'eos.v1.AdminService/ListWorkers']);
  expect(workers.code).toBe(0);
  expect(JSON.parse(workers.out).workers.map((w: { workerId: string }) => w.workerId)).toEqual(['wm']);
  // The worker's certificate (OU=worker) is not an operator's.
  const asWorker = ['-cacert', pki.caFile, '-cert', workerCert.certFile, '-key', workerCert.keyFile];
  expect((await grpcurl([...asWorker, stack.addr, 'eos.v1.AdminService/ListWorkers'])).out).toMatch(
    /PermissionDenied[\s\S]*needs role viewer; wm has role worker/,
  );
  // No certificate: the handshake fails.
  expect(
    (await grpcurl(['-cacert', pki.caFile, stack.addr, 'eos.v1.AdminService/ListWorkers'])).code,
  ).not.toBe(0);
  // HTTP needs the certificate too.
  expect((await httpsCall('GET', '/api/whoami', {}, undefined, adminCert)).json).toMatchObject({
    name: 'carol',
    role: 'admin',
    via: 'certificate',
  });
  await expect(httpsCall('GET', '/api/whoami', {})).rejects.toThrow();
});

it('without authentication listens on loopback only, says so, and refuses to bind beyond it unless CONTROLLER_INSECURE=true', async () => {
  stack = new TestStack();
  await stack.startController();
  expect(stack.controller?.output).toMatch(
    /no authentication configured: listening on loopback \(127\.0\.0\.1\) only/,
  );
  expect((await grpcurl(['-plaintext', stack.addr, 'eos.v1.AdminService/ListWorkers'])).code).toBe(0);
  // The same binary asked to bind every interface without authentication: refused at start.
  const refused = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      ['dist/apps/controller/main.js'],
      {
        cwd: path.resolve(__dirname, '../../..'),
        env: {
          ...process.env,
          CONTROLLER_HOST: '0.0.0.0',
          CONTROLLER_GRPC_PORT: '0',
          CONTROLLER_HTTP_PORT: '0',
        },
        timeout: 20_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: stdout + stderr }),
    ),
  );
  expect(refused.code).toBe(1);
  expect(refused.out).toMatch(
    /CONTROLLER_HOST=0\.0\.0\.0 binds beyond loopback without authentication.*CONTROLLER_INSECURE=true/,
  );
});
