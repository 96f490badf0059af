import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BUILTIN_TRANSFORMS,
  PoisonRecordError,
  TransformConfigError,
  TransformLoadError,
  TransformRegistry,
  UnknownTransformError,
  loadTransformsDir,
  type InputRecord,
} from './index';

const rec = (value: string | null, key = 'k1'): InputRecord => ({
  topic: 'in',
  partition: 2,
  offset: '7',
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  headers: { h: Buffer.from('v') },
  timestamp: '0',
});
const ctx = { pipeline: 'p', taskIndex: 0 };

describe('built-in transforms', () => {
  const reg = new TransformRegistry(BUILTIN_TRANSFORMS);

  it('identity@1 keeps value and headers', async () => {
    const out = await reg.create('identity', 1)(rec('hello'), ctx);
    expect(out).toEqual({ value: Buffer.from('hello'), headers: { h: Buffer.from('v') } });
  });

  it('suffix@1 appends the suffix', async () => {
    const out = await reg.create('suffix', 1, { suffix: '|a' })(rec('x-1'), ctx);
    expect((out as { value: Buffer }).value.toString()).toBe('x-1|a');
  });

  it('suffix@1 dead-letters a tombstone', () => {
    const fn = reg.create('suffix', 1, { suffix: '|a' });
    expect(() => fn(rec(null), ctx)).toThrow(PoisonRecordError);
  });

  it('rejects bad configs naming the field', () => {
    expect(() => reg.create('suffix', 1, {})).toThrow(TransformConfigError);
    expect(() => reg.create('suffix', 1, { suffix: 3 })).toThrow(/config\.suffix/);
    expect(() => reg.create('identity', 1, { x: 1 })).toThrow(/takes no config/);
    try {
      reg.create('suffix', 1, { suffix: 'a', extra: true });
      throw new Error('should have thrown');
    } catch (e) {
      expect((e as TransformConfigError).field).toBe('extra');
    }
  });

  it('names unknown transforms and versions', () => {
    expect(() => reg.get('suffix', 2)).toThrow(UnknownTransformError);
    expect(() => reg.get('nope', 1)).toThrow(/unknown transform nope@1 \(known: identity@1, suffix@1\)/);
  });

  it('refuses a duplicate registration', () => {
    expect(() => reg.register(BUILTIN_TRANSFORMS[0]!)).toThrow(/registered twice/);
  });
});

describe('loadTransformsDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transforms-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads CommonJS modules', async () => {
    fs.writeFileSync(
      path.join(dir, 'suffix2.js'),
      `module.exports = { name: 'suffix', version: 2, create: (c) => (r) => ({ value: String(r.value) + c.suffix + '!' }) };`,
    );
    fs.writeFileSync(
      path.join(dir, 'upper.cjs'),
      `exports.transforms = [{ name: 'upper', version: 1, create: () => (r) => ({ value: String(r.value).toUpperCase() }) }];`,
    );
    const defs = await loadTransformsDir(dir);
    const reg = new TransformRegistry([...BUILTIN_TRANSFORMS, ...defs]);
    expect(reg.keys()).toEqual(['identity@1', 'suffix@1', 'suffix@2', 'upper@1']);
    const out = await reg.create('suffix', 2, { suffix: '|b' })(rec('v'), ctx);
    expect(out).toEqual({ value: 'v|b!' });
  });

  it('names a malformed module and what is wrong', async () => {
    fs.writeFileSync(path.join(dir, 'bad.js'), `module.exports = { name: 'bad', version: 0, create: 5 };`);
    await expect(loadTransformsDir(dir)).rejects.toThrow(TransformLoadError);
    await expect(loadTransformsDir(dir)).rejects.toThrow(
      /bad\.js is malformed: version must be an integer >= 1; create\(config\) must be a function/,
    );
  });

  it('refuses ESM modules by name', async () => {
    fs.writeFileSync(path.join(dir, 'x.mjs'), `export default {}`);
    await expect(loadTransformsDir(dir)).rejects.toThrow(
      /must be CommonJS \(\.js or \.cjs\); \S*x\.mjs is ESM/,
    );
  });

  it('names a module that throws on load', async () => {
    fs.writeFileSync(path.join(dir, 'boom.js'), `throw new Error('kaboom')`);
    await expect(loadTransformsDir(dir)).rejects.toThrow(/boom\.js failed to load: kaboom/);
  });

  it('names a missing directory', async () => {
    await expect(loadTransformsDir(path.join(dir, 'nope'))).rejects.toThrow(/cannot be read/);
  });
});
