import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isRetriable } from './kafka-state-store';

// kafkajs builds protocol errors from its error-code table entries; its typings say Error.
const protocolError = (e: { type: string; code: number; retriable: boolean; message: string }) =>
  new KafkaJSProtocolError(e as unknown as Error);

it('retries what a fresh broker answers while metadata propagates, not what will never work', () => {
  const unknownPartition = protocolError({
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
    message: 'This server does not host this topic-partition',
  });
  expect(isRetriable(unknownPartition)).toBe(true);
  // kafkajs gives up after its own retries and wraps the cause: still worth another load.
  expect(
    isRetriable(new KafkaJSNumberOfRetriesExceeded(unknownPartition, { retryCount: 8, retryTime: 1 })),
  ).toBe(true);
  const fenced = protocolError({
    type: 'PRODUCER_FENCED',
    code: 90,
    retriable: false,
    message: 'There is a newer producer with the same transactionalId',
  });
  expect(isRetriable(fenced)).toBe(false);
  expect(isRetriable(new KafkaJSNonRetriableError('no'))).toBe(false);
  expect(isRetriable(new Error('plain'))).toBe(false);
  expect(isRetriable(undefined)).toBe(false);
});
