/** Test data shared by the UI state specs. */
import type { PipelineStatus } from './model';

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
