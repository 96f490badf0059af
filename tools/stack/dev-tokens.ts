import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The local stack's bearer tokens: one per role for people, one per worker. */
export interface DevTokens {
  /** The controller's CONTROLLER_TOKENS_FILE. */
  file: string;
  /** A file holding just the admin token (`export EOS_TOKEN=$(cat ...)`). */
  adminFile: string;
  admin: string;
  operator: string;
  viewer: string;
  /** Token of each worker id (role worker: one credential per worker, so ids bind to it). */
  workers: Map<string, string>;
}

const newToken = () => randomBytes(24).toString('base64url');

/**
 * Reads the stack's tokens from `dir`, making any that are missing (random, 192 bits; files mode
 * 0600). Kept across runs so a browser tab or a shell's EOS_TOKEN stays valid; delete the folder to
 * rotate them all.
 */
export function ensureDevTokens(dir: string, workerIds: string[]): DevTokens {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'tokens.csv');
  const byName = new Map<string, string>();
  if (fs.existsSync(file))
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const [token, name] = line.split(',');
      if (token && name && !line.startsWith('#')) byName.set(name, token);
    }
  const roles: [string, string][] = [
    ['admin', 'admin'],
    ['operator', 'operator'],
    ['viewer', 'viewer'],
    ...workerIds.map((id): [string, string] => [id, 'worker']),
  ];
  for (const [name] of roles) if (!byName.has(name)) byName.set(name, newToken());
  const lines = roles.map(([name, role]) => `${byName.get(name)},${name},${role}`);
  fs.writeFileSync(file, `# token,name,role (bash tools/dev.sh up)\n${lines.join('\n')}\n`, { mode: 0o600 });
  const adminFile = path.join(dir, 'admin.token');
  fs.writeFileSync(adminFile, `${byName.get('admin')}\n`, { mode: 0o600 });
  return {
    file,
    adminFile,
    admin: byName.get('admin') as string,
    operator: byName.get('operator') as string,
    viewer: byName.get('viewer') as string,
    workers: new Map(workerIds.map((id) => [id, byName.get(id) as string])),
  };
}
