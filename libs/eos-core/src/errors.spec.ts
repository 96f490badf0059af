import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isRetriableKafkaError } from './errors';

// kafkajs builds protocol errors from its error-code table entries; its typings say Error.
const protocolError = (e: { type: string; code: number; retriable: boolean; message: string }) =>
  new KafkaJSProtocolError(e as unknown as Error);

it('calls retriable what a fresh broker answers while metadata propagates, not what will never work', () => {
  const unknownPartition = protocolError({
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
    message: 'This server does not host this topic-partition',
  });
  expect(isRetriableKafkaError(unknownPartition)).toBe(true);
  // kafkajs gives up after its own retries and wraps the cause: still worth another load.
  expect(
    isRetriableKafkaError(
      new KafkaJSNumberOfRetriesExceeded(unknownPartition, { retryCount: 8, retryTime: 1 }),
    ),
  ).toBe(true);
  const fenced = protocolError({
    type: 'PRODUCER_FENCED',
    code: 90,
    retriable: false,
    message: 'There is a newer producer with the same transactionalId',
  });
  expect(isRetriableKafkaError(fenced)).toBe(false);
  expect(isRetriableKafkaError(new KafkaJSNonRetriableError('no'))).toBe(false);
  expect(isRetriableKafkaError(new Error('plain'))).toBe(false);
  expect(isRetriableKafkaError(undefined)).toBe(false);
});
