import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { isRole, ROLES, type Role } from './roles';

/** One line of the tokens file: `token,name,role` (the Kubernetes static-token layout). */
export interface TokenEntry {
  name: string;
  role: Role;
  /** SHA-256 of the token: the token itself is not kept, so it cannot end up in a log or a dump. */
  digest: Buffer;
}

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Parses a tokens file: one `token,name,role` per line; blank lines and lines starting with `#`
 * are skipped. Throws naming the file and line (never the token) on anything else.
 */
export function parseTokenFile(text: string, file = 'tokens file'): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `${file} line ${i + 1}`;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== 3) throw new Error(`${where}: expected token,name,role (${fields.length} fields)`);
    const [token = '', name = '', role = ''] = fields;
    if (!token) throw new Error(`${where}: the token is empty`);
    if (/\s/.test(token)) throw new Error(`${where}: the token contains white space`);
    if (!name) throw new Error(`${where}: the name is empty`);
    if (!isRole(role)) throw new Error(`${where}: role "${role}" is not one of ${ROLES.join(', ')}`);
    const digest = digestOf(token);
    const key = digest.toString('hex');
    if (seen.has(key)) throw new Error(`${where}: the token is listed twice`);
    seen.add(key);
    entries.push({ name, role, digest });
  });
  return entries;
}

export interface TokenStoreOptions {
  file: string;
  log: (m: string) => void;
  /** How often the file's mtime and size are polled for changes. @default 1000 */
  pollMs?: number;
}

/**
 * The tokens of `CONTROLLER_TOKENS_FILE`, re-read when the file changes (polled, which also sees
 * an atomic rename) or on `reload()` (SIGHUP). A file that fails to parse on reload keeps the
 * tokens in force and logs why: a typo must not lock every operator and worker out.
 */
export class TokenStore {
  private entries: TokenEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The file's identity, size and mtime when last read: a change of any is a new file. */
  private stamp: string;

  constructor(private readonly o: TokenStoreOptions) {
    this.stamp = stampOf(o.file);
    this.entries = parseTokenFile(fs.readFileSync(o.file, 'utf8'), o.file);
    if (this.entries.length === 0) throw new Error(`${o.file}: no tokens`);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Re-reads the file; returns whether the new tokens are in force. */
  reload(): boolean {
    try {
      this.stamp = stampOf(this.o.file);
      const next = parseTokenFile(fs.readFileSync(this.o.file, 'utf8'), this.o.file);
      if (next.length === 0) throw new Error(`${this.o.file}: no tokens`);
      this.entries = next;
      this.o.log(`tokens reloaded from ${this.o.file}: ${next.length} tokens`);
      return true;
    } catch (err) {
      this.o.log(`tokens NOT reloaded, the previous ones stay in force: ${(err as Error).message}`);
      return false;
    }
  }

  /** Polls the file (a stat per interval) and reloads when it changed since it was last read. */
  watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      let now: string;
      try {
        now = stampOf(this.o.file);
      } catch {
        return; // mid-rename or removed: keep the tokens in force, look again next time
      }
      if (now !== this.stamp) this.reload();
    }, this.o.pollMs ?? 1_000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * The entry a presented token belongs to, or undefined. Compares SHA-256 digests with
   * `timingSafeEqual` against every entry without stopping at a match, so the time taken says
   * nothing about how much of a token was right, nor which entry matched.
   */
  lookup(token: string): TokenEntry | undefined {
    const d = digestOf(token);
    let found: TokenEntry | undefined;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && !found) found = e;
    return found;
  }
}

function stampOf(file: string): string {
  const st = fs.statSync(file);
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}
