import type { Kafka } from 'kafkajs';
import { AssignedFetcher, createFetcherCluster, type AssignedFetcherOptions } from './assigned-fetcher';

/** Fetch settings used unless told otherwise. */
export const DEFAULT_FETCH = {
  /** Longest a fetch waits for data when there is none. @default 100 */
  maxWaitMs: 100,
  /** Most bytes fetched per partition per request. @default 1 MiB */
  maxBytesPerPartition: 1 << 20,
} as const;

export type StartFetcherOptions = Omit<AssignedFetcherOptions, 'maxWaitMs' | 'maxBytesPerPartition'> &
  Partial<Pick<AssignedFetcherOptions, 'maxWaitMs' | 'maxBytesPerPartition'>>;

/**
 * Starts an {@link AssignedFetcher} on a cluster of `kafka`'s own (its brokers, TLS and SASL) and
 * resolves once it is positioned; a fetcher that fails to start is closed.
 *
 * Follow `onFetched`'s `nextOffset`, not the last record's offset + 1: read_committed fetches drop
 * transaction markers (control records) and aborted records, so a partition whose log ends in a
 * marker, or a fetch that held only markers, moves the position with no record to show for it.
 */
export async function startAssignedFetcher(
  kafka: Kafka,
  options: StartFetcherOptions,
): Promise<AssignedFetcher> {
  const fetcher = new AssignedFetcher(createFetcherCluster(kafka), {
    ...options,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_FETCH.maxWaitMs,
    maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULT_FETCH.maxBytesPerPartition,
  });
  try {
    await fetcher.start();
  } catch (err) {
    await fetcher.close().catch(() => undefined);
    throw err;
  }
  return fetcher;
}
