import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { logDeletesText, pendingDeletesIn } from './proc-stats';

describe('pendingDeletesIn', () => {
  it('counts only the partition folders a broker renamed for deletion', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-logdir-'));
    try {
      for (const d of ['t.in-0', 't.in-1.5607ba2d921c4df9857f3f1bea747a15-delete', '__consumer_offsets-3'])
        fs.mkdirSync(path.join(dir, d));
      fs.writeFileSync(path.join(dir, 'meta.properties'), '');
      expect(pendingDeletesIn(dir)).toBe(1);
      fs.mkdirSync(path.join(dir, 't.out-0.0cd6b6-delete'));
      expect(pendingDeletesIn(dir)).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(pendingDeletesIn(dir)).toBeUndefined();
  });
});

describe('logDeletesText', () => {
  it('says nothing when nothing was waited for, and names what was left', () => {
    expect(logDeletesText(undefined)).toBe('');
    expect(logDeletesText({ waitedMs: 0, pending: 0 })).toBe('');
    expect(logDeletesText({ waitedMs: 812, pending: 0 })).toBe(
      '; waited 812 ms for the broker to delete dropped partitions',
    );
    expect(logDeletesText({ waitedMs: 40_000, pending: 3 })).toMatch(/\(3 still pending\)$/);
  });
});
