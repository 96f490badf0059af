import * as grpc from '@grpc/grpc-js';
import { ControlError, type FleetController } from '@eos/control-plane';
import type { AdminServiceServer } from '@eos/proto';
import { invoke, type AdminApi, type AdminMethod, type Operation } from './admin-api';
import { actorOf, toGrpcError } from './grpc-errors';
import { MalformedRequest } from './grpc-guard';

/** eos.v1.AdminService over the shared admin API. */
export function adminService(fleet: FleetController, api: AdminApi): AdminServiceServer {
  const handlers: Record<string, grpc.handleUnaryCall<unknown, unknown>> = {};
  for (const [name, op] of Object.entries(api) as [AdminMethod, Operation<AdminMethod>][]) {
    // Guarded: nothing a call sends can throw out of the handler (grpc-js would end the process).
    handlers[name] = (call, callback) => {
      try {
        if (call.request instanceof MalformedRequest)
          return callback(toGrpcError(new ControlError('INVALID_ARGUMENT', call.request.reason, 'request')));
        invoke(fleet, op, call.request as never, actorOf(call)).then(
          (res) => callback(null, res),
          (err: unknown) => callback(toGrpcError(err)),
        );
      } catch (err) {
        callback(toGrpcError(err));
      }
    };
  }
  return handlers as unknown as AdminServiceServer;
}
