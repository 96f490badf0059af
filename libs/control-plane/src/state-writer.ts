import { ControlError, StateStoreFatalError } from './errors';
import type { StateChange, StatePort } from './ports';

/**
 * Writes durable changes through the state port. A failed write fails its request (UNAVAILABLE);
 * only a store that cannot go on (fenced by another controller) also reports `onFatal`, which
 * stops the controller.
 */
export class StateWriter {
  constructor(
    private readonly port: StatePort,
    private readonly onFatal: (err: Error) => void,
  ) {}

  async save(changes: StateChange[]): Promise<void> {
    if (changes.length === 0) return;
    try {
      await this.port.save(changes);
    } catch (err) {
      // Only a store that cannot go on (fenced by another controller) stops the controller; any
      // other failed write (a record over the broker's limit, a broker away) fails its request.
      if (err instanceof StateStoreFatalError) this.onFatal(err);
      throw new ControlError(
        'UNAVAILABLE',
        `controller state could not be written: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
  }
}
