/** Test helpers over the real broker and processes: names, topics, an independent reader (kcat), workloads, checkers, child processes. */
export { testBrokers, testKafkaVersion, testRedisUrl } from './env';
export {
  connectTestClients,
  createTopic,
  endOffsets,
  groupOffsets,
  readTopic,
  testKafka,
  uniqueName,
} from './kafka-helpers';
export type { ReadRecord, TestClients } from './kafka-helpers';
export { checkExactlyOnce, produceSequence, seqValue } from './sequence';
export type { ExactlyOnceReport } from './sequence';
export { ChildTask } from './child-task';
export type { ChildEvent } from './child-task';
export { Proc, TestStack, background, freePort } from './stack';
export type { HttpBody } from './stack';
export { percentile, until, waitCaughtUp } from './wait';
export type { StackOptions } from './stack';
export { makeTestPki } from './test-pki';
export type { TestPki } from './test-pki';
/** The local broker's controls, for tests that restart it. */
export { kafkaPaths, readLivePid, startKafka, stopKafka } from '@eos/infra';
export { makeTestCertificates } from './test-certificates';
export type { TestCertificates } from './test-certificates';
