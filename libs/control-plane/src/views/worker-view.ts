import { WorkerState, type Worker } from '@eos/proto';
import { taskKey, type TaskRecord, type WorkerRecord } from '../fleet-state';

/** The proto view of a worker and the tasks it owns. */
export function workerView(w: WorkerRecord, owned: TaskRecord[]): Worker {
  return {
    workerId: w.id,
    host: w.host,
    capacity: w.capacity,
    transforms: [...w.transforms].map((t) => {
      const [name, version] = t.split('@');
      return { name: name as string, version: Number(version) };
    }),
    state: WorkerState[w.state],
    tasks: owned.map((t) => taskKey(t.pipeline, t.index)),
    lastHeartbeatAtMs: w.lastHeartbeatAt,
    connectedAtMs: w.connectedAt,
    pid: w.pid,
    drainDeadlineAtMs: w.state === 'DRAINING' ? (w.drain?.deadlineAt ?? 0) : 0,
    tasksLeft: owned.length,
  };
}
