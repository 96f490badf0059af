import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTokenFile, TokenStore } from './token-store';

describe('parseTokenFile', () => {
  it('reads token,name,role lines, skipping blanks and comments', () => {
    const e = parseTokenFile('# ops\n\n tok-a , alice, admin \ntok-b,bob,viewer\r\n');
    expect(e.map(({ name, role }) => ({ name, role }))).toEqual([
      { name: 'alice', role: 'admin' },
      { name: 'bob', role: 'viewer' },
    ]);
  });

  it.each([
    ['tok,alice', /line 1: expected token,name,role \(2 fields\)/],
    ['tok,alice,root', /line 1: role "root" is not one of viewer, operator, admin, worker/],
    [',alice,admin', /line 1: the token is empty/],
    ['tok,,admin', /line 1: the name is empty/],
    ['a b,alice,admin', /white space/],
    ['# c\ntok-1,a,admin\ntok-1,b,viewer', /line 3: the token is listed twice/],
  ])('refuses %j naming the line and never the token', (text, message) => {
    let err: Error | undefined;
    try {
      parseTokenFile(text, 'tokens.csv');
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(message);
    expect(err?.message).toMatch(/^tokens.csv line/);
    expect(err?.message).not.toMatch(/tok-1|a b/);
  });

  it('keeps only a digest of each token', () => {
    const [e] = parseTokenFile('very-secret-token,alice,admin');
    expect(JSON.stringify(e)).not.toContain('very-secret-token');
  });
});

describe('TokenStore', () => {
  let dir: string;
  let file: string;
  let store: TokenStore | undefined;
  const logs: string[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-tokens-'));
    file = path.join(dir, 'tokens');
    logs.length = 0;
  });
  afterEach(() => {
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('looks tokens up, reloads a changed file, and keeps the old tokens when the new file is bad', () => {
    fs.writeFileSync(file, 'tok-alice,alice,admin\ntok-bob,bob,viewer\n');
    store = new TokenStore({ file, log: (m) => logs.push(m) });
    expect(store.lookup('tok-alice')).toMatchObject({ name: 'alice', role: 'admin' });
    expect(store.lookup('tok-bob')).toMatchObject({ name: 'bob', role: 'viewer' });
    expect(store.lookup('tok-alic')).toBeUndefined();
    expect(store.lookup('')).toBeUndefined();

    fs.writeFileSync(file, 'tok-carol,carol,operator\n'); // rotation: alice and bob revoked
    expect(store.reload()).toBe(true);
    expect(store.lookup('tok-alice')).toBeUndefined();
    expect(store.lookup('tok-carol')).toMatchObject({ name: 'carol', role: 'operator' });

    fs.writeFileSync(file, 'tok-dave,dave,superuser\n');
    expect(store.reload()).toBe(false);
    expect(store.lookup('tok-carol')).toMatchObject({ name: 'carol' });
    expect(logs.join('\n')).toMatch(/NOT reloaded.*superuser/);
    expect(logs.join('\n')).not.toMatch(/tok-/);
  });

  it('notices a change of the file by itself', async () => {
    fs.writeFileSync(file, 'tok-alice,alice,admin\n');
    store = new TokenStore({ file, log: (m) => logs.push(m), pollMs: 20 });
    store.watch();
    // A rename over the file, as editors and Kubernetes secret updates do.
    fs.writeFileSync(`${file}.new`, 'tok-erin,erin,viewer\n');
    fs.renameSync(`${file}.new`, file);
    const end = Date.now() + 5_000;
    while (!store.lookup('tok-erin') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(store.lookup('tok-erin')).toMatchObject({ name: 'erin' });
    expect(store.lookup('tok-alice')).toBeUndefined();
  });

  it('refuses to start from an empty file', () => {
    fs.writeFileSync(file, '# nobody\n');
    expect(() => new TokenStore({ file, log: () => undefined })).toThrow(/no tokens/);
  });
});
