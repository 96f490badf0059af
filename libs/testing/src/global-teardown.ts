// Jest loads global setup/teardown without moduleNameMapper, so the path aliases do not resolve here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { stopKafka, stopRedis } from '../../infra/src/index';

/** Stops only what global-setup started; a broker or Redis found running is left alone. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__EOS_INFRA__ ?? {};
  if (state.kafkaPort !== undefined) await stopKafka({ port: state.kafkaPort });
  if (state.redisUrl !== undefined) await stopRedis({ url: state.redisUrl });
}
