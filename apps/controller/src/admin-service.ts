import * as grpc from '@grpc/grpc-js';
import type { FleetController } from '@eos/control-plane';
import type { AdminServiceServer } from '@eos/proto';
import { invoke, type AdminApi, type AdminMethod, type Operation } from './admin-api';
import { actorOf, toGrpcError } from './grpc-errors';

/** eos.v1.AdminService over the shared admin API. */
export function adminService(fleet: FleetController, api: AdminApi): AdminServiceServer {
  const handlers: Record<string, grpc.handleUnaryCall<unknown, unknown>> = {};
  for (const [name, op] of Object.entries(api) as [AdminMethod, Operation<AdminMethod>][]) {
    handlers[name] = (call, callback) => {
      invoke(fleet, op, call.request as never, actorOf(call)).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toGrpcError(err)),
      );
    };
  }
  return handlers as unknown as AdminServiceServer;
}
