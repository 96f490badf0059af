import type { FleetController } from '@eos/control-plane';
import type { AdminServiceServer } from '@eos/proto';
import { unary } from './grpc-errors';

/** eos.v1.AdminService over the fleet controller. */
export function adminService(fleet: FleetController): AdminServiceServer {
  return {
    createPipeline: unary(async (req) => ({ pipeline: await fleet.createPipeline(req.spec as never) })),
    getPipeline: unary((req) => ({ pipeline: fleet.getPipeline(req.name) })),
    listPipelines: unary(() => ({ pipelines: fleet.listPipelines() })),
    getPipelineStatus: unary((req) => fleet.pipelineStatus(req.name)),
    pausePipeline: unary(async (req) => ({ pipeline: await fleet.pausePipeline(req.name) })),
    resumePipeline: unary(async (req) => ({ pipeline: await fleet.resumePipeline(req.name) })),
    stopPipeline: unary(async (req) => ({ pipeline: await fleet.stopPipeline(req.name) })),
    deletePipeline: unary(async (req) => {
      await fleet.deletePipeline(req.name);
      return {};
    }),
    listWorkers: unary(() => ({ workers: fleet.listWorkers() })),
    getWorker: unary((req) => ({ worker: fleet.getWorker(req.workerId) })),
  };
}
