/**
 * Every name a fleet gives to things it makes in Kafka and Redis, in one place.
 *
 * `EOS_FLEET_ID` namespaces a fleet so two fleets share a cluster and a Redis without touching
 * each other's transactional ids, offsets groups, controller state or rollout queue. The
 * default fleet (`default`) keeps the names the fleet used before namespaces existed (`eos.<p>`,
 * `eos.<p>.<t>`, `__eos_controller`, `eos-rollouts`): an upgrade changes no transactional id, so
 * old and new workers of one task still fence each other during a rolling upgrade. Any other
 * fleet `x` uses the prefix `eos-x.` (`eos-x.<p>`, `eos-x.<p>.<t>`), the state topic
 * `__eos_controller.x` and the queue `eos-rollouts.x`.
 *
 * Why the two prefixes never overlap: a fleet id has no dot, so `eos-x.` ends where the fleet id
 * ends, and the default fleet's names all start with `eos.` (a dot right after `eos`). A
 * `PREFIXED` ACL on `eos-x.` therefore matches fleet `x` only, and one on `eos.` the default
 * fleet only. Names the fleet makes for itself (not per pipeline) put a `_` after the prefix,
 * which no pipeline name starts with, so they cannot collide with a pipeline's names either.
 */

/** The fleet used when `EOS_FLEET_ID` is not set. */
export const DEFAULT_FLEET_ID = 'default';

const FLEET_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** A fleet id that cannot be used as a namespace. */
export class InvalidFleetIdError extends Error {
  constructor(readonly fleetId: string) {
    super(
      `invalid fleet id "${fleetId}": 1-40 chars of a-z 0-9 _ -, starting with a letter or digit (no dot: it ends the fleet's name prefix)`,
    );
    this.name = 'InvalidFleetIdError';
  }
}

/** Throws {@link InvalidFleetIdError} unless `fleetId` can be used; returns it. */
export function checkFleetId(fleetId: string): string {
  if (!FLEET_ID.test(fleetId)) throw new InvalidFleetIdError(fleetId);
  return fleetId;
}

/** The names one fleet uses. Pure; construct it with the fleet id from the app's config. */
export class FleetNames {
  /** Prefix (without the trailing dot) of every transactional id and group of this fleet's pipelines. */
  readonly prefix: string;

  constructor(readonly fleetId: string = DEFAULT_FLEET_ID) {
    checkFleetId(fleetId);
    this.prefix = fleetId === DEFAULT_FLEET_ID ? 'eos' : `eos-${fleetId}`;
  }

  /** True for the default fleet, whose names are the pre-namespace ones. */
  get isDefault(): boolean {
    return this.fleetId === DEFAULT_FLEET_ID;
  }

  /** The stable transactional id of task `taskIndex` of `pipeline` (never changes across moves or versions). */
  transactionalId(pipeline: string, taskIndex: number): string {
    return `${this.prefix}.${pipeline}.${taskIndex}`;
  }

  /** The offsets group of an exactly-once pipeline, written only through transactions. */
  pipelineGroup(pipeline: string): string {
    return `${this.prefix}.${pipeline}`;
  }

  /** Transactional id of the controller's offsets reset of `pipeline`. */
  offsetsResetTransactionalId(pipeline: string): string {
    return `${this.prefix}.${pipeline}.offsets-reset`;
  }

  /** Default compacted topic of the controller's state (`EOS_STATE_TOPIC` overrides it). */
  get stateTopic(): string {
    return this.isDefault ? '__eos_controller' : `__eos_controller.${this.fleetId}`;
  }

  /** Group of the controller's one-off reads of its state topic (`uniq` makes each read its own). */
  controllerReaderGroup(uniq: string): string {
    return `${this.prefix}._reader.${uniq}`;
  }

  /** BullMQ queue of the fleet's rollouts (in Redis). */
  get rolloutQueue(): string {
    return this.isDefault ? 'eos-rollouts' : `eos-rollouts.${this.fleetId}`;
  }

  /** Transactional id a process of this fleet initialises at start to prove it may (a permission probe). */
  preflightTransactionalId(role: string): string {
    return `${this.prefix}._preflight.${role}`;
  }

  /** Every name of this fleet, for the docs and ACL listings (`<pipeline>` placeholders). */
  describe(): Record<string, string> {
    return {
      transactionalIdPrefix: `${this.prefix}.`,
      groupPrefix: `${this.prefix}.`,
      stateTopic: this.stateTopic,
      controllerTransactionalId: controllerTransactionalIdOf(this.stateTopic),
      rolloutQueue: this.rolloutQueue,
    };
  }
}

/**
 * The second transactional id of a task whose id is `transactionalId`: the task commits one batch
 * on one of them while it writes the next on the other (eos-core's `overlapCommits`). As stable as
 * the first, under the same prefix (one `PREFIXED` ACL covers both), and never another task's id
 * (those end with the task's number).
 */
export const pairedTransactionalIdOf = (transactionalId: string): string => `${transactionalId}.b`;

/**
 * Transactional id of the controller that owns `stateTopic`: a second controller on the same
 * topic fences the first. Derived from the topic (not the fleet) so an explicit `EOS_STATE_TOPIC`
 * keeps its own fencing.
 */
export const controllerTransactionalIdOf = (stateTopic: string): string => `eos-controller.${stateTopic}`;

/** Offsets group of task `taskIndex` of an at-least-once pipeline (commits without transactions). */
export const atLeastOnceGroupOf = (pipelineGroup: string, taskIndex: number): string =>
  `${pipelineGroup}.alo.${taskIndex}`;
