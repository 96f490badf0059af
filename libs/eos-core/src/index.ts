/** The exactly-once consume-transform-produce loop. No gRPC, no Redis, no environment reads. */
export { EosTask } from './eos-task';
export type { EosTaskOptions, TransformProbe } from './eos-task-options';
export type {
  CommitInfo,
  StartSteps,
  TaskEvents,
  TaskOutcome,
  TaskState,
  TransactionSteps,
} from './task-events';
export { InvalidTransformResultError, transformOutputs } from './poison';
export type { PoisonReason, QuarantinedRecord } from './poison';
export { TransformRetryError, TransformTimeoutError } from './transform-attempts';
export { authorizationType, describeAuthorizationFailure } from './authorization';
export type { AuthorizationContext, TaskPhase } from './authorization';
export { DEFAULT_BATCH_LIMITS } from './record-buffer';
export type { BatchLimits } from './record-buffer';
export type {
  ConsumedItem,
  ConsumerPort,
  ConsumerPortOptions,
  GroupOffsets,
  KafkaPort,
  OffsetMap,
  ProduceRecord,
  ProducerPort,
  TransactionalProducerPort,
  TransactionPort,
  WriteTimings,
} from './kafka-port';
export { createKafkaJsPort } from './kafkajs/kafkajs-port';
export { describeKafkaJsPatch, kafkaJsPatchStatus } from './kafkajs/patch-status';
export type { KafkaJsPatchStatus } from './kafkajs/patch-status';
export type { KafkaJsPortOptions } from './kafkajs/kafkajs-port';
export { AssignedFetcher, createFetcherCluster } from './kafkajs/assigned-fetcher';
export type { AssignedFetcherOptions, FetchedMessage } from './kafkajs/assigned-fetcher';
export { DEFAULT_FETCH, startAssignedFetcher } from './kafkajs/start-fetcher';
export type { StartFetcherOptions } from './kafkajs/start-fetcher';
export {
  connectTransactionalProducer,
  sendOffsetsToTransaction,
  topicOffsets,
  transactionRetry,
} from './kafkajs/transactions';
export type { TransactionalProducerConfig } from './kafkajs/transactions';
export {
  FencedError,
  InvalidTaskOptionsError,
  TaskFatalError,
  classifyError,
  describeError,
  isFencedError,
  isRetriableKafkaError,
} from './errors';
export type { ErrorKind } from './errors';
