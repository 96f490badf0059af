import type { FleetController } from '@eos/control-plane';
import type { AdminServiceServer } from '@eos/proto';
import { audited, unary } from './grpc-errors';
import { toProto, type RolloutQueue } from './rollout-queue';

/** eos.v1.AdminService over the fleet controller. Every operation that changes something is audited. */
export function adminService(fleet: FleetController, rollouts: RolloutQueue): AdminServiceServer {
  const record = (e: Parameters<FleetController['recordAudit']>[0]) => fleet.recordAudit(e);
  const byName = (r: { name: string }) => r.name;
  const bySpec = (r: { spec?: { name: string } }) => r.spec?.name ?? '';
  const byWorker = (r: { workerId: string }) => r.workerId;
  return {
    createPipeline: audited('CreatePipeline', bySpec, record, async (req) => ({
      pipeline: await fleet.createPipeline(req.spec as never),
    })),
    getPipeline: unary((req) => ({ pipeline: fleet.getPipeline(req.name) })),
    listPipelines: unary(() => ({ pipelines: fleet.listPipelines() })),
    getPipelineStatus: unary((req) => fleet.pipelineStatus(req.name)),
    pausePipeline: audited('PausePipeline', byName, record, async (req) => ({
      pipeline: await fleet.pausePipeline(req.name),
    })),
    resumePipeline: audited('ResumePipeline', byName, record, async (req) => ({
      pipeline: await fleet.resumePipeline(req.name),
    })),
    stopPipeline: audited('StopPipeline', byName, record, async (req) => ({
      pipeline: await fleet.stopPipeline(req.name),
    })),
    deletePipeline: audited('DeletePipeline', byName, record, async (req) => {
      await fleet.deletePipeline(req.name);
      return {};
    }),
    listWorkers: unary(() => ({ workers: fleet.listWorkers() })),
    getWorker: unary((req) => ({ worker: fleet.getWorker(req.workerId) })),
    drainWorker: audited('DrainWorker', byWorker, record, async (req) => ({
      worker: await fleet.drainWorker(req.workerId, {
        deadlineMs: req.deadlineMs,
        maxConcurrent: req.maxConcurrent,
      }),
    })),
    undrainWorker: audited('UndrainWorker', byWorker, record, async (req) => ({
      worker: await fleet.undrainWorker(req.workerId),
    })),
    getPipelineOffsets: unary((req) => fleet.pipelineOffsets(req.name)),
    resetPipelineOffsets: audited('ResetPipelineOffsets', byName, record, (req) =>
      fleet.resetPipelineOffsets(req),
    ),
    listAuditRecords: unary((req) => ({ records: fleet.auditRecords(req.limit) })),
    updatePipeline: audited('UpdatePipeline', bySpec, record, async (req) => ({
      rolloutId: await rollouts.update(req.spec, req.strategy),
    })),
    getRollout: unary((req) => toProto(fleet.getRolloutRecord(req.rolloutId), fleet)),
    listRollouts: unary((req) => ({
      rollouts: fleet.listRolloutRecords(req.pipeline || undefined).map((r) => toProto(r, fleet)),
    })),
    pauseRollout: audited(
      'PauseRollout',
      (r) => r.rolloutId,
      record,
      (req) => rollouts.request(req.rolloutId, 'PAUSE'),
    ),
    resumeRollout: audited(
      'ResumeRollout',
      (r) => r.rolloutId,
      record,
      (req) => rollouts.request(req.rolloutId, 'RESUME'),
    ),
    abortRollout: audited(
      'AbortRollout',
      (r) => r.rolloutId,
      record,
      (req) => rollouts.request(req.rolloutId, 'ABORT'),
    ),
  };
}
