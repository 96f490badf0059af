/** Test data shared by the UI state specs. */
import type { PipelineStatus, TaskStatus } from './model';

/** A pipeline's status with one task per rate (task 0 processing, the others starting). */
export const status = (name: string, rates: number[], lag: number, state = 'RUNNING'): PipelineStatus => ({
  pipeline: {
    spec: { name, tasks: rates.length, transform: { name: 'suffix', version: 2 } },
    state: state as 'RUNNING',
    specVersion: 3,
  },
  tasks: rates.map((r, i) => ({
    taskIndex: i,
    recordsPerSecond: r,
    state: i === 0 ? 'PROCESSING' : 'STARTING',
  })),
  lag,
});

/**
 * A DEGRADED pipeline whose tasks show each kind of trouble, as the controller reports it at
 * `nowMs`: task 0 is healthy; 1 failed 3 times in a row and waits 12 s before its next worker;
 * 2 runs in careful mode after its worker died at a record, with two records of its partitions
 * quarantined; 3 is PENDING without a worker; 4 runs through a problem it reports (no failure).
 */
export function troubledStatus(nowMs: number): PipelineStatus {
  const s = status('troubled', [50, 0, 5, 0, 20], 1200, 'DEGRADED');
  const trouble: TaskStatus[] = [
    { ownerWorkerId: 'w1' },
    {
      state: 'UNASSIGNED',
      failures: 3,
      lastError: 'transform suffix@2 failed: TypeError: config.suffix is not a string',
      retryAtMs: nowMs + 12_000,
    },
    {
      state: 'PROCESSING',
      ownerWorkerId: 'w2',
      careful: true,
      failures: 2,
      lastError:
        'its worker died under it at input partition 2 offset 41 (worker w1 lease expired); 1 of 3 before quarantine',
      quarantined: [
        {
          partition: 2,
          offset: 17,
          reason:
            'quarantined by the controller: crashed or hung its worker 3 times (last: worker w1 lease expired)',
          atMs: nowMs - 90_000,
        },
        {
          partition: 7,
          offset: 1_234_567,
          reason:
            'quarantined by the controller: crashed or hung its worker 3 times (last: worker w3 process exited)',
          atMs: nowMs - 30_000,
        },
      ],
    },
    { state: 'PENDING', reason: 'no worker with free capacity for suffix@2' },
    {
      state: 'PROCESSING',
      ownerWorkerId: 'w1',
      lastError: 'missing permission: WRITE on topic troubled.out',
    },
  ];
  return { ...s, tasks: (s.tasks ?? []).map((t, i) => ({ ...t, ...trouble[i] })) };
}
