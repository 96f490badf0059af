import { TaskHealth } from './task-health';

const base = { failedBackoffMs: 2_000, failedBackoffMaxMs: 60_000, quarantineAfter: 2, carefulRecords: 10 };
/** Careful from the first death: the quarantine bookkeeping, on its own. */
const opts = { ...base, carefulAfterDeaths: 1 };

describe('TaskHealth', () => {
  it('backs a failing task off exponentially, capped, and resets on progress', () => {
    const h = new TaskHealth(opts);
    expect([1, 2, 3, 4, 5, 6, 7, 40].map((n) => h.backoffMs(n))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    expect(h.failed('p/0', 'denied', 1_000)).toBe(3_000);
    expect(h.failed('p/0', 'denied', 5_000)).toBe(9_000);
    expect(h.view('p/0', 5_000)).toEqual({
      failures: 2,
      lastError: 'denied',
      retryAtMs: 9_000,
      careful: false,
    });
    h.committed('p/0', 3, [{ partition: 0, offset: 3 }]);
    expect(h.view('p/0', 5_000)).toEqual({ failures: 0, lastError: '', retryAtMs: 0, careful: false });
  });

  it('turns careful after a death, and quarantines the announced record after quarantineAfter deaths there', () => {
    const h = new TaskHealth(opts);
    expect(h.ownerDied('p/0', 1, 'w1 lease expired')).toBeUndefined(); // not careful yet: record unknown
    expect(h.careful('p/0')).toBe(true);
    h.inFlight('p/0', 2, 0, 7);
    expect(h.ownerDied('p/0', 2, 'w2 lease expired')).toBeUndefined();
    expect(h.view('p/0', 0).lastError).toBe(
      'its worker died under it at input partition 0 offset 7 (w2 lease expired); 1 of 2 before quarantine',
    );
    // Committed records before the culprit do not clear the count.
    h.committed('p/0', 2, [{ partition: 0, offset: 7 }]);
    h.inFlight('p/0', 3, 0, 7);
    expect(h.ownerDied('p/0', 3, 'w3 restarted')).toEqual({
      partition: 0,
      offset: 7,
      reason: 'quarantined by the controller: crashed or hung its worker 2 times (last: w3 restarted)',
    });
  });

  it('does not count a death at a record announced under another epoch, or one already committed', () => {
    const h = new TaskHealth(opts);
    h.ownerDied('p/0', 1, 'x');
    h.inFlight('p/0', 1, 0, 7); // stale announcement of an earlier assignment
    expect(h.ownerDied('p/0', 2, 'x')).toBeUndefined();
    h.inFlight('p/0', 3, 0, 7);
    h.committed('p/0', 1, [{ partition: 0, offset: 8 }]); // 7 made it
    h.inFlight('p/0', 3, 0, 9);
    h.ownerDied('p/0', 3, 'x');
    h.inFlight('p/0', 4, 0, 7);
    expect(h.ownerDied('p/0', 4, 'x')).toBeUndefined(); // one death at 7, one at 9
  });

  it('does not count a death after the announced record was transformed (another task took the process down)', () => {
    const h = new TaskHealth({ ...opts, quarantineAfter: 1 });
    h.ownerDied('p/0', 1, 'x');
    h.inFlight('p/0', 2, 0, 7);
    h.inFlight('p/0', 2, 0, 7, true);
    expect(h.ownerDied('p/0', 2, 'x')).toBeUndefined();
    h.inFlight('p/0', 3, 0, 7);
    expect(h.ownerDied('p/0', 3, 'x')).toMatchObject({ partition: 0, offset: 7 });
  });

  it('leaves careful mode after carefulRecords committed records', () => {
    const h = new TaskHealth(opts);
    h.ownerDied('p/0', 1, 'x');
    h.committed('p/0', 6, [{ partition: 0, offset: 6 }]);
    expect(h.careful('p/0')).toBe(true);
    h.committed('p/0', 4, [{ partition: 0, offset: 10 }]);
    expect(h.careful('p/0')).toBe(false);
  });

  it('moves a task at full speed after one death, and turns careful at the second without progress between', () => {
    const h = new TaskHealth(base);
    expect(h.ownerDied('p/0', 1, 'w1 killed')).toBeUndefined();
    expect(h.careful('p/0')).toBe(false);
    h.committed('p/0', 9, [{ partition: 0, offset: 9 }]); // not yet carefulRecords (10)
    h.ownerDied('p/0', 2, 'w2 killed');
    expect(h.careful('p/0')).toBe(true);
    // From here on as with carefulAfterDeaths 1: two deaths pinned at one record quarantine it.
    h.inFlight('p/0', 3, 0, 9);
    expect(h.ownerDied('p/0', 3, 'x')).toBeUndefined();
    h.inFlight('p/0', 4, 0, 9);
    expect(h.ownerDied('p/0', 4, 'x')).toMatchObject({ partition: 0, offset: 9 });
  });

  it('clears a suspect task after carefulRecords of progress, so unrelated deaths never make it careful', () => {
    const h = new TaskHealth(base);
    for (let epoch = 1; epoch <= 5; epoch++) {
      h.ownerDied('p/0', epoch, 'killed');
      expect(h.careful('p/0')).toBe(false);
      h.committed('p/0', 4, [{ partition: 0, offset: epoch * 10 }]);
      h.committed('p/0', 6, [{ partition: 0, offset: epoch * 10 + 6 }]);
    }
    // After careful mode ends, the count starts again.
    h.ownerDied('p/0', 6, 'killed');
    h.ownerDied('p/0', 7, 'killed');
    expect(h.careful('p/0')).toBe(true);
    h.committed('p/0', 10, [{ partition: 0, offset: 100 }]);
    expect(h.careful('p/0')).toBe(false);
    h.ownerDied('p/0', 8, 'killed');
    expect(h.careful('p/0')).toBe(false);
  });
});
