import * as grpc from '@grpc/grpc-js';
import type { ControllerConfig } from './config';
import { addHealthAndReflection, bindServer } from './grpc-server';

export interface ControllerApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  grpcPort(): number;
}

/** Composition root of the controller. */
export function createControllerApp(config: ControllerConfig): ControllerApp {
  const server = new grpc.Server();
  addHealthAndReflection(server);
  let port = 0;
  let stopped = false;
  return {
    async start() {
      port = await bindServer(server, config.host, config.grpcPort);
      console.log(`[controller] gRPC on ${config.host}:${port}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
    grpcPort: () => port,
  };
}
