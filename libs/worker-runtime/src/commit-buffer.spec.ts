import type { TaskCommit } from '@eos/proto';
import { CommitBuffer } from './commit-buffer';

const commit = (taskIndex: number, offset: number, epoch = 1): TaskCommit => ({
  task: { pipeline: 'p', taskIndex },
  epoch,
  offsets: [{ partition: taskIndex, offset }],
  records: 10,
  bytes: 100,
  deadLettered: 1,
  durationMs: 5,
  committedAtMs: offset,
});

it('holds reports while the session is down within its bound, merging per task without losing counts', () => {
  const b = new CommitBuffer(4);
  for (let i = 1; i <= 1000; i++) b.push(commit(i % 2, i));
  expect(b.size).toBe(4);
  const out = b.take();
  expect(out.reduce((n, c) => n + c.records, 0)).toBe(10_000);
  expect(out.reduce((n, c) => n + c.deadLettered, 0)).toBe(1000);
  // The newest report of each task carries its latest offsets.
  expect(out.filter((c) => c.task?.taskIndex === 0).at(-1)?.offsets).toEqual([
    { partition: 0, offset: 1000 },
  ]);
  expect(out.filter((c) => c.task?.taskIndex === 1).at(-1)?.offsets).toEqual([{ partition: 1, offset: 999 }]);
  expect(b.take()).toEqual([]);
  // A task (or epoch) with nothing waiting still gets its report.
  for (let i = 0; i < 4; i++) b.push(commit(0, i));
  b.push(commit(5, 1));
  b.push(commit(0, 9, 2));
  expect(b.size).toBe(6);
});
