import * as fs from 'node:fs';
import * as path from 'node:path';
import { TransformLoadError } from './errors';
import type { TransformDefinition } from './transform';

const MODULE_FILE = /\.c?js$/;

/**
 * Loads user transform modules from a directory: every CommonJS `.js` or `.cjs` file exports
 * (default or as `transform`/`transforms`) one or more `{ name, version, create(config) }`.
 * A missing directory or a malformed module is a {@link TransformLoadError} naming the file.
 */
export async function loadTransformsDir(dir: string): Promise<TransformDefinition[]> {
  let entries: string[];
  try {
    entries = fs
      .readdirSync(dir)
      .filter((f) => MODULE_FILE.test(f))
      .sort();
  } catch (err) {
    throw new TransformLoadError(`TRANSFORMS_DIR ${dir} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const esm = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.mjs')) : [];
  if (esm.length > 0) {
    throw new TransformLoadError(
      `transform modules must be CommonJS (.js or .cjs); ${path.resolve(dir, esm[0]!)} is ESM`,
    );
  }
  const out: TransformDefinition[] = [];
  for (const file of entries) {
    const full = path.resolve(dir, file);
    let mod: unknown;
    try {
      // User modules are loaded by path at run time: a dynamic require is the point here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(full);
    } catch (err) {
      throw new TransformLoadError(`transform module ${full} failed to load: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const defs = collect(mod);
    if (defs.length === 0) {
      throw new TransformLoadError(
        `transform module ${full} exports no transform ({ name, version, create })`,
      );
    }
    for (const d of defs) out.push(validate(d, full));
  }
  return out;
}

function collect(mod: unknown): unknown[] {
  const m = mod as Record<string, unknown> | null;
  if (!m || typeof m !== 'object') return [];
  if ('create' in m || 'name' in m) return [m];
  const picked = m['transforms'] ?? m['default'] ?? m['transform'];
  if (Array.isArray(picked)) return picked;
  if (picked && typeof picked === 'object') return collect(picked);
  return [];
}

function validate(d: unknown, file: string): TransformDefinition {
  const o = d as Partial<TransformDefinition> | null;
  const problems: string[] = [];
  if (!o || typeof o !== 'object') problems.push('not an object');
  else {
    if (typeof o.name !== 'string' || !/^[a-z][a-z0-9_-]*$/i.test(o.name))
      problems.push('name must be a non-empty identifier string');
    if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1)
      problems.push('version must be an integer >= 1');
    if (typeof o.create !== 'function') problems.push('create(config) must be a function');
  }
  if (problems.length)
    throw new TransformLoadError(`transform module ${file} is malformed: ${problems.join('; ')}`);
  return o as TransformDefinition;
}
