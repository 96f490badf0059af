/** The exactly-once consume-transform-produce loop. No gRPC, no Redis, no environment reads. */
export { EosTask } from './eos-task';
export type {
  CommitInfo,
  EosTaskOptions,
  TaskEvents,
  TaskOutcome,
  TaskState,
  TransformProbe,
} from './eos-task';
export { InvalidTransformResultError, transformOutputs } from './poison';
export type { PoisonReason, QuarantinedRecord } from './poison';
export { TransformRetryError, TransformTimeoutError } from './transform-attempts';
export { authorizationType, describeAuthorizationFailure } from './authorization';
export type { AuthorizationContext, TaskPhase } from './authorization';
export type { BatchLimits } from './record-buffer';
export type {
  ConsumedItem,
  ConsumerPort,
  ConsumerPortOptions,
  KafkaPort,
  OffsetMap,
  ProduceRecord,
  TransactionalProducerPort,
  TransactionPort,
} from './kafka-port';
export { createKafkaJsPort } from './kafkajs-port';
export { AssignedFetcher, createFetcherCluster } from './assigned-fetcher';
export type { AssignedFetcherOptions, FetchedMessage } from './assigned-fetcher';
export type { KafkaJsPortOptions } from './kafkajs-port';
export {
  FencedError,
  InvalidTaskOptionsError,
  TaskFatalError,
  classifyError,
  describeError,
  isFencedError,
} from './errors';
export type { ErrorKind } from './errors';
