import type { ResolvedFleetOptions } from './fleet-options';
import type { FleetState } from './fleet-state';
import type { StateChange } from './ports';
import type { TaskHealth } from './task-health';

/**
 * What the controller's parts share: options, the model, task health, and the three ways to act
 * on them (one operation at a time, durable writes, change events). Built once by
 * `FleetController`; each part takes the context and the parts it calls.
 */
export interface FleetContext {
  readonly o: ResolvedFleetOptions;
  readonly state: FleetState;
  /** Failure backoff, careful mode and quarantine decisions per task (task-health.ts). */
  readonly health: TaskHealth;
  /** Runs `fn` after every operation queued before it (serial-executor.ts). */
  serial<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Writes durable changes; throws UNAVAILABLE when they could not be written (state-writer.ts). */
  persist(changes: StateChange[]): Promise<void>;
  /** Something changed (for live views). */
  changed(reason: string): void;
}
