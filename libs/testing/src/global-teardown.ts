// Jest loads global setup/teardown without moduleNameMapper: `@eos/infra` resolves through the
// npm workspace link (libs/infra/package.json's main is its TypeScript entry).
import { stopKafka, stopRedis } from '@eos/infra';

/** Stops only what global-setup started; a broker or Redis found running is left alone. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__EOS_INFRA__ ?? {};
  if (state.kafkaPort !== undefined) await stopKafka({ port: state.kafkaPort });
  if (state.redisUrl !== undefined) await stopRedis({ url: state.redisUrl });
}
