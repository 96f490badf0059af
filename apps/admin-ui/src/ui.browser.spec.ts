/**
 * The admin UI in a real browser (Debian's chromium, driven by playwright-core) against a real
 * controller and workers (processes), Kafka and Redis: create a pipeline through the form (a field
 * error first), watch its tasks run and its lag fall, drain a worker with the button and see its
 * tasks move, start a rollout and watch it finish. Screenshots of each page go to artifacts/ui.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  checkExactlyOnce,
  createTopic,
  produceSequence,
  readTopic,
  connectTestClients,
  type TestClients,
  TestStack,
  uniqueName,
  until,
} from '@eos/testing';

const ARTIFACTS = path.resolve(__dirname, '../../../artifacts/ui');

/** Bearer tokens of the signed-in tests (CONTROLLER_TOKENS_FILE). */
const TOKENS = {
  admin: 'ui-admin-token-5f1c2e9a',
  viewer: 'ui-viewer-token-8b3d7a41',
  worker: 'ui-worker-token-2c6e9f03',
};
let tokensDir: string;
let tokensFile: string;
const writeTokens = (lines: string[]) => fs.writeFileSync(tokensFile, lines.join('\n') + '\n');
const ALL_TOKENS = [
  `${TOKENS.admin},alice,admin`,
  `${TOKENS.viewer},vera,viewer`,
  `${TOKENS.worker},ui-workers,worker`,
];

/** A controller that needs tokens (plain HTTP on loopback), its workers signed in as workers. */
function securedStack(): TestStack {
  writeTokens(ALL_TOKENS);
  return new TestStack({
    leaseMs: 3000,
    env: { CONTROLLER_TOKENS_FILE: tokensFile, WORKER_TOKEN: TOKENS.worker },
    adminToken: TOKENS.admin,
  });
}

/** The login screen: types a token and submits it. */
async function signIn(token: string): Promise<void> {
  await page.waitForSelector('[data-page=login]');
  await page.fill('input[name=token]', token);
  await page.click('[data-page=login] button[type=submit]');
}

/** Debian's chromium (never a downloaded browser): $CHROMIUM_PATH, else `chromium` on the PATH. */
function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv;
  for (const bin of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error(
    'chromium not found: install Debian’s chromium (apt-get install chromium) or set CHROMIUM_PATH',
  );
}

let stack: TestStack;
let clients: TestClients | undefined;
let admin: Admin;
let producer: Producer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  tokensDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-ui-tokens-'));
  tokensFile = path.join(tokensDir, 'tokens.csv');
  ({ admin, producer } = clients = await connectTestClients('ui-test'));
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-extensions',
      '--disable-sync',
      '--metrics-recording-only',
      '--no-first-run',
      '--mute-audio',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await clients?.close();
  fs.rmSync(tokensDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const text = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';

/** Lag as the pipeline page shows it ("1.2k records" -> 1200). */
function parseCount(s: string): number {
  const m = /([\d.]+)\s*([kMG]?)/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * ({ k: 1e3, M: 1e6, G: 1e9 }[m[2] as 'k'] ?? 1);
}

it('signs in, then runs a pipeline from creation through drain and rollout, in a real browser', async () => {
  stack = securedStack();
  await stack.startController();
  stack.startWorker('w1');
  stack.startWorker('w2');
  const name = uniqueName('ui');
  const input = `${name}.in`;
  const output = `${name}.out`;
  await createTopic(admin, input, 4);
  // A backlog for the pipeline to work through, so its lag is seen falling.
  const acked = await produceSequence(producer, input, { count: 20_000, keys: 40, partitions: 4 });

  const base = `http://127.0.0.1:${stack.httpPort}/`;
  await page.goto(base);
  // The controller needs a token: the login screen first; a wrong token is refused there.
  await signIn('not-a-token');
  expect(await text('[data-testid=login-error]')).toMatch(
    /Token not accepted: the bearer token is not known/,
  );
  await shot('00-login');
  await signIn(TOKENS.admin);
  await page.waitForSelector('[data-testid=signed-in]');
  expect(await text('[data-testid=signed-in]')).toMatch(/^alice · admin/);
  await until(
    'both workers on the overview',
    async () => (await page.locator('[data-worker]').count()) === 2,
  );
  await page.waitForSelector('[data-testid=connection].conn-live');
  await shot('01-overview-empty');

  // --- Create through the form: a bad topic name first, its error beside the field. ---
  await page.click('nav >> text=New pipeline');
  await page.fill('#f-name', name);
  await page.fill('#f-inputTopic', 'bad topic!');
  await page.fill('#f-outputTopic', output);
  await page.fill('#f-tasks', '4');
  await page.fill('#f-transformName', 'suffix');
  await page.fill('#f-transformConfig', '{"suffix":"|a"}');
  await page.click('button[type=submit]');
  const fieldError = page.locator('[data-field=inputTopic] .field-error');
  await fieldError.waitFor();
  expect(await fieldError.textContent()).toBe(
    '"bad topic!" is not a valid topic name (1-249 chars of A-Z a-z 0-9 . _ -)',
  );
  expect(await page.locator('.field-error').count()).toBe(1);
  expect(await page.getAttribute('#f-inputTopic', 'aria-invalid')).toBe('true');
  await shot('02-create-form-field-error');
  // Nothing was created by the rejected request.
  expect((await stack.call<object, { pipelines: unknown[] }>('listPipelines', {})).pipelines).toEqual([]);

  await page.fill('#f-inputTopic', input);
  expect(await page.locator('.field-error').count()).toBe(0);
  await page.click('button[type=submit]');
  await page.waitForSelector(`[data-page=pipeline]`);
  expect(page.url()).toContain(`#/pipelines/${name}`);

  // --- Its tasks run and its lag falls to 0, as the pipeline page shows. ---
  const lags: number[] = [];
  await until(
    'all 4 tasks processing and lag 0 on the pipeline page',
    async () => {
      const rows = page.locator('[data-testid=tasks] tbody tr[data-task]');
      const states = await rows
        .locator('[data-state]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
      lags.push(parseCount(await text('[data-testid=pipeline-lag]')));
      return states.length === 4 && states.every((s) => s === 'PROCESSING') && lags[lags.length - 1] === 0;
    },
    90_000,
    200,
  );
  expect(Math.max(...lags)).toBeGreaterThan(0);
  expect(await text('[data-testid=pipeline-guarantee]')).toBe('exactly once');
  // Healthy tasks: no failures or last error beneath them, no careful mode, nothing quarantined.
  expect(
    await page
      .locator('[data-testid=task-problem], [data-testid=careful], [data-testid=quarantined]')
      .count(),
  ).toBe(0);
  const owners = await page
    .locator('[data-testid=tasks] tbody tr[data-task]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-owner')));
  expect(new Set(owners)).toEqual(new Set(['w1', 'w2']));
  // The chart has drawn the history it showed.
  expect(await page.locator('.chart path.series-lag').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+ L/);
  await shot('03-pipeline-running');

  // The overview lists it, with its state in words.
  await page.click('nav >> text=Overview');
  const row = page.locator(`[data-pipeline="${name}"]`);
  await row.waitFor();
  expect(await row.locator('.badge').textContent()).toBe('running');
  await shot('04-overview-running');

  // --- Drain w1 with the button: confirm first (cancel does nothing), then its tasks move to w2. ---
  await page.click('nav >> text=Workers');
  const w1 = page.locator('[data-worker=w1]');
  await w1.locator('button', { hasText: 'Drain' }).click();
  await page.locator('[role=dialog]').waitFor();
  expect(await text('[role=dialog] p')).toMatch(/^Drain worker w1\? Its 2 task\(s\) finish/);
  await page.click('[role=dialog] >> text=Cancel');
  await new Promise((r) => setTimeout(r, 500));
  expect(await w1.getAttribute('data-state')).toBe('ACTIVE');

  // Keep input flowing while the drain runs.
  const more = produceSequence(producer, input, {
    count: 10_000,
    keys: 40,
    partitions: 4,
    from: 20_000,
    batch: 200,
  });
  await w1.locator('button', { hasText: 'Drain' }).click();
  await page.click('[role=dialog] >> button.danger');
  await until(
    'w1 drained on the workers page',
    async () => (await w1.getAttribute('data-state')) === 'DRAINED',
  );
  expect(await w1.locator('.progress').getAttribute('aria-valuenow')).toBe('100');
  await shot('05-workers-drained');
  expect(await stack.procs.find((p) => p.name === 'w1')!.exit()).toBe(0);
  acked.push(...(await more));

  await page.click('nav >> text=Overview');
  await page.click(`[data-pipeline="${name}"] a`);
  await until('all tasks on w2 and caught up', async () => {
    const o = await page
      .locator('[data-testid=tasks] tbody tr[data-task]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-owner')));
    return (
      o.length === 4 &&
      o.every((x) => x === 'w2') &&
      parseCount(await text('[data-testid=pipeline-lag]')) === 0
    );
  });

  // --- A rollout from the update form, watched until it finishes. ---
  await page.click('text=Update (rollout)');
  await page.waitForSelector('#f-transformConfig');
  expect(await page.inputValue('#f-transformConfig')).toBe('{"suffix":"|a"}');
  expect(await page.isDisabled('#f-name')).toBe(true);
  await page.fill('#f-transformConfig', '{"suffix":"|b"}');
  await page.fill('#f-stepTasks', '1');
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-page=rollouts]');
  const card = page.locator(`[data-rollout]`).first();
  await card.waitFor();
  await shot('06-rollout-in-progress');
  await until(
    'rollout succeeded',
    async () => (await card.getAttribute('data-state')) === 'SUCCEEDED',
    120_000,
  );
  expect(await text('[data-rollout] .progress-label')).toBe('4/4 tasks on v2');
  expect(await card.locator('.gate-pass').count()).toBeGreaterThan(0);
  expect(await card.locator('.gate-fail').count()).toBe(0);
  await shot('07-rollout-succeeded');

  // New input after the rollout goes through v2 (suffix |b); everything else through v1, once.
  const after = await produceSequence(producer, input, { count: 400, keys: 40, partitions: 4, from: 30_000 });
  await page.click('nav >> text=Overview');
  await page.click(`[data-pipeline="${name}"] a`);
  await until('v2 output caught up', async () => {
    const lag = parseCount(await text('[data-testid=pipeline-lag]'));
    const out = await readTopic(output);
    return lag === 0 && out.length >= acked.length + after.length;
  });
  const out = await readTopic(output);
  const v1 = out.filter((r) => r.value.endsWith('|a'));
  const v2 = out.filter((r) => r.value.endsWith('|b'));
  expect(v1.length + v2.length).toBe(out.length);
  const report = checkExactlyOnce(
    [...acked, ...after],
    out.map((r) => ({ ...r, value: r.value.slice(0, -2) + '|x' })),
    (v) => `${v}|x`,
  );
  expect(report).toMatchObject({ missing: [], duplicates: [], unexpected: [], orderViolations: [] });
  for (const a of after) expect(v2.some((r) => r.value === `${a.value}|b`)).toBe(true);

  // --- A narrow window: no page-wide horizontal scroll, the nav still there. ---
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [hash, file] of [
    ['#/', '08-narrow-overview'],
    [`#/pipelines/${name}`, '09-narrow-pipeline'],
    ['#/workers', '10-narrow-workers'],
  ] as const) {
    await page.goto(base + hash);
    await page.waitForSelector('[data-page]');
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect({ page: hash, overflow }).toEqual({ page: hash, overflow: 0 });
    await shot(file);
  }
  // The failed requests the browser logs are the two sign-in attempts without a valid token and
  // the rejected bad topic; no script errors, and no Content-Security-Policy violation.
  expect(consoleErrors).toEqual([
    'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    'Failed to load resource: the server responded with a status of 400 (Bad Request)',
  ]);
});

it('pauses, resumes and deletes a pipeline, and pauses, resumes and aborts a rollout, from the buttons', async () => {
  await stack?.stop();
  stack = new TestStack({ leaseMs: 3000 });
  await stack.startController();
  stack.startWorker('w1');
  const name = uniqueName('uib');
  const input = `${name}.in`;
  await createTopic(admin, input, 2);
  const spec = (suffix: string) => ({
    name,
    inputTopic: input,
    outputTopic: `${name}.out`,
    tasks: 2,
    transform: { name: 'suffix', version: 1, config: { suffix } },
  });
  await until(
    'w1 registered',
    async () => (await stack.call<object, { workers: unknown[] }>('listWorkers', {})).workers.length === 1,
  );
  await stack.call('createPipeline', { spec: spec('|a') });
  // Steady input, so tasks are never idle and a rollout gate waits for its (many) commits.
  let producing = true;
  let seq = 0;
  const feeder = (async () => {
    while (producing) {
      await producer.send({ topic: input, messages: [{ key: `k${seq % 4}`, value: `v${seq++}` }] });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const base = `http://127.0.0.1:${stack.httpPort}/`;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}#/pipelines/${name}`);
    const badge = page.locator('[data-page=pipeline] .facts .badge');
    await until('running', async () => (await badge.textContent()) === 'running');

    await page.click('[data-page=pipeline] button:text-is("Pause")');
    await until('paused', async () => (await badge.textContent()) === 'paused');
    expect(
      (await stack.call<object, { pipeline: { state: number } }>('getPipeline', { name })).pipeline.state,
    ).toBe(2);
    await page.click('[data-page=pipeline] button:text-is("Resume")');
    await until('running again', async () => (await badge.textContent()) === 'running');

    // Stop asks first; Cancel leaves it running.
    await page.click('[data-page=pipeline] button:text-is("Stop")');
    expect(await text('[role=dialog] p')).toMatch(/^Stop pipeline /);
    await page.click('[role=dialog] >> text=Cancel');
    await page.waitForTimeout(500);
    expect(await badge.textContent()).toBe('running');

    // A rollout that waits on many commits per gate: paused, resumed, then aborted (confirmed).
    const { rolloutId } = await stack.call<object, { rolloutId: string }>('updatePipeline', {
      spec: spec('|b'),
      strategy: { canaryTasks: 1, stepTasks: 1, gateCommits: 100_000, gateTimeoutMs: 600_000 },
    });
    await page.click('nav >> text=Rollouts');
    const card = page.locator(`[data-rollout="${rolloutId}"]`);
    await until('rollout running', async () => (await card.getAttribute('data-state')) === 'RUNNING');
    await card.locator('button:text-is("Pause")').click();
    await until('rollout paused', async () => (await card.getAttribute('data-state')) === 'PAUSED');
    expect(await card.locator('.badge').textContent()).toBe('paused');
    await shot('11-rollout-paused');
    await card.locator('button:text-is("Resume")').click();
    await until('rollout resumed', async () => (await card.getAttribute('data-state')) === 'RUNNING');
    await card.locator('button:text-is("Abort")').click();
    expect(await text('[role=dialog] p')).toMatch(new RegExp(`^Abort rollout ${rolloutId}\\?`));
    await page.click('[role=dialog] button.danger');
    await until('rollout aborted', async () => (await card.getAttribute('data-state')) === 'ABORTED', 60_000);
    await shot('12-rollout-aborted');
    // Aborted: every task back on v1 (spec version 1 in the status the pipeline page reads).
    await until('tasks back on v1', async () => {
      const s = await stack.call<object, { tasks: { specVersion: number; state: number }[] }>(
        'getPipelineStatus',
        { name },
      );
      return s.tasks.every((t) => Number(t.specVersion) === 1);
    });

    // Delete asks first, then the pipeline is gone from the overview.
    await page.click(`nav >> text=Overview`);
    await page.click(`[data-pipeline="${name}"] a`);
    await page.click('[data-page=pipeline] button:text-is("Delete")');
    expect(await text('[role=dialog] p')).toMatch(new RegExp(`^Delete pipeline ${name}\\?`));
    await page.click('[role=dialog] button.danger');
    await page.waitForSelector('[data-page=overview]');
    await until(
      'gone from the overview',
      async () => (await page.locator(`[data-pipeline="${name}"]`).count()) === 0,
    );
    expect((await stack.call<object, { pipelines: unknown[] }>('listPipelines', {})).pipelines).toEqual([]);
  } finally {
    producing = false;
    await feeder;
  }
});

it('shows a viewer only what a viewer may do, signs out, and returns to the login screen when the token is revoked', async () => {
  await stack?.stop();
  stack = securedStack();
  await stack.startController();
  stack.startWorker('wv');
  const name = uniqueName('uiv');
  await createTopic(admin, `${name}.in`, 2);
  await stack.call('createPipeline', {
    spec: {
      name,
      inputTopic: `${name}.in`,
      outputTopic: `${name}.out`,
      tasks: 2,
      transform: { name: 'suffix', version: 1, config: { suffix: '|v' } },
    },
  });
  const base = `http://127.0.0.1:${stack.httpPort}/`;
  await page.goto(base);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(base + '#/workers');
  await signIn(TOKENS.viewer);
  await page.waitForSelector('[data-testid=signed-in]');
  expect(await text('[data-testid=signed-in]')).toMatch(/^vera · viewer/);
  await until(
    'worker listed',
    async () => (await page.locator('[data-page=workers] tbody tr').count()) === 1,
  );
  expect(await page.locator('button:text-is("Drain")').count()).toBe(0);
  expect(await page.locator('nav >> text=New pipeline').count()).toBe(0);
  await page.goto(`${base}#/pipelines/${name}`);
  await page.waitForSelector('[data-page=pipeline]');
  expect(await page.locator('[data-page=pipeline] button').count()).toBe(0); // no pause, stop, delete
  await shot('20-viewer');

  // Sign out: back to the login screen, the token forgotten.
  await page.click('[data-testid=signed-in] button:text-is("Sign out")');
  await page.waitForSelector('[data-page=login]');
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

  // Signed in again, then the token is revoked in the file: the next refresh answers 401.
  await signIn(TOKENS.viewer);
  await page.waitForSelector('[data-testid=signed-in]');
  writeTokens(ALL_TOKENS.filter((l) => !l.includes('vera')));
  await page.waitForSelector('[data-page=login]', { timeout: 30_000 });
  expect(await text('[data-testid=login-error]')).toMatch(/^Signed out: the bearer token is not known/);
});
