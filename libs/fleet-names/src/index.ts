/** The names a fleet gives to what it makes in Kafka and Redis, namespaced by `EOS_FLEET_ID`. */
export {
  DEFAULT_FLEET_ID,
  FleetNames,
  InvalidFleetIdError,
  atLeastOnceGroupOf,
  checkFleetId,
  controllerTransactionalIdOf,
  pairedTransactionalIdOf,
} from './fleet-names';
