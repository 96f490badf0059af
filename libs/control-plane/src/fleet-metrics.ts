import type { FleetState } from './fleet-state';

/** Counts for the controller's /metrics (gauges read at scrape time). */
export interface FleetMetricsSnapshot {
  epoch: number;
  workers: Record<string, number>;
  tasks: Record<string, number>;
  pipelines: Record<string, number>;
  recordsCommitted: number;
  activeRollouts: number;
  heartbeats: number;
}

function count<T>(xs: Iterable<T>, key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

/** Workers, tasks and pipelines by state, records committed, and the counts passed in. */
export function metricsSnapshot(
  state: FleetState,
  activeRollouts: number,
  heartbeats: number,
): FleetMetricsSnapshot {
  return {
    epoch: state.epoch,
    workers: count(state.workers.values(), (w) => w.state),
    tasks: count(state.tasks.values(), (t) => (t.owner ? t.state : 'UNASSIGNED')),
    pipelines: count(state.pipelines.values(), (p) => p.state),
    recordsCommitted: [...state.tasks.values()].reduce((a, t) => a + t.recordsTotal, 0),
    activeRollouts,
    heartbeats,
  };
}
