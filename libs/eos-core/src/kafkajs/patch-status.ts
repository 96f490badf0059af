/**
 * Whether kafkajs runs with eos-fleet's install-time patch (`patches/kafkajs+2.2.4.patch`, applied
 * by patch-package in `postinstall`: native CRC32C, a produce path without per-record copies).
 * `npm ci --ignore-scripts` skips it: everything still works, at about twice the CPU per record,
 * so the worker says so at start.
 */
import { createRequire } from 'node:module';

export interface KafkaJsPatchStatus {
  /** The patch is applied (its CRC32C module says which implementation it uses). */
  patched: boolean;
  /** CRC32C in native code (@node-rs/crc32) rather than kafkajs's pure-JS table. */
  nativeCrc32c: boolean;
}

export function kafkaJsPatchStatus(): KafkaJsPatchStatus {
  const crc = createRequire(require.resolve('kafkajs'))('./src/protocol/recordBatch/crc32C') as {
    isNative?: unknown;
  };
  return { patched: typeof crc.isNative === 'boolean', nativeCrc32c: crc.isNative === true };
}

/** One line for a start log: empty when all is as it should be. */
export function describeKafkaJsPatch(s: KafkaJsPatchStatus = kafkaJsPatchStatus()): string {
  if (!s.patched)
    return 'kafkajs is not patched (installed with --ignore-scripts? run npm ci): the produce path costs about 2x the CPU per record';
  if (!s.nativeCrc32c)
    return 'kafkajs patched, but the native CRC32C (@node-rs/crc32) did not load: pure-JS CRC32C in use';
  return '';
}
