import type * as grpc from '@grpc/grpc-js';
import { ControlError, LIMITS, checkAuditLimit, type FleetController } from '@eos/control-plane';
import type { AdminServiceServer } from '@eos/proto';
import type { RolloutQueue } from './rollout-queue';
import { redactSecrets, restoreRedacted, type DeclaredSecrets } from './secret-redaction';

/** The AdminService methods (ts-proto adds a string index signature to the server type). */
export type AdminMethod = keyof {
  [K in keyof AdminServiceServer as string extends K ? never : K]: AdminServiceServer[K];
};
type Req<K extends AdminMethod> =
  AdminServiceServer[K] extends grpc.handleUnaryCall<infer Q, infer _R> ? Q : never;
type Res<K extends AdminMethod> =
  AdminServiceServer[K] extends grpc.handleUnaryCall<infer _Q, infer R> ? R : never;

/** One AdminService operation: what it does and, for changes, how it is audited. */
export interface Operation<K extends AdminMethod> {
  /** Audit action (set for operations that change something). */
  action?: string;
  /** What the operation acts on, for the audit trail. */
  target?: (req: Req<K>) => string;
  run: (req: Req<K>) => Promise<Res<K>> | Res<K>;
  /** The request as the audit trail records it. @default its JSON */
  detail?: (req: Req<K>) => string;
}

export type AdminApi = { [K in AdminMethod]: Operation<K> };

/**
 * The one implementation of AdminService behind both gRPC (admin-service.ts) and the HTTP JSON API
 * (http-api.ts): same validation, same errors, same audit trail. Secret transform config values
 * are redacted in every answer and audit record (`declared` names a transform's secret keys).
 */
export function createAdminApi(
  fleet: FleetController,
  rollouts: RolloutQueue,
  declared: DeclaredSecrets = () => [],
): AdminApi {
  const api = operations(fleet, rollouts);
  for (const op of Object.values(api) as Operation<AdminMethod>[]) {
    const run = op.run;
    op.run = async (req) => redactSecrets(await run(req), declared);
    op.detail = (req) => JSON.stringify(redactSecrets(req, declared)).slice(0, 2000);
  }
  return api;
}

/** A spec sent back with redacted values (from a redacted read) keeps the stored secrets. */
function withStoredSecrets<
  S extends { name: string; transform?: { name: string; config?: Record<string, unknown> } },
>(fleet: FleetController, spec: S | undefined): S | undefined {
  if (!spec?.transform) return spec;
  let current: { name: string; config?: Record<string, unknown> } | undefined;
  try {
    current = fleet.getPipeline(spec.name).spec?.transform;
  } catch {
    return spec; // no such pipeline: the update fails on its own
  }
  if (!current || current.name !== spec.transform.name) return spec;
  return {
    ...spec,
    transform: { ...spec.transform, config: restoreRedacted(spec.transform.config, current.config) },
  };
}

function operations(fleet: FleetController, rollouts: RolloutQueue): AdminApi {
  const byName = (r: { name: string }) => r.name;
  const bySpec = (r: { spec?: { name: string } }) => r.spec?.name ?? '';
  const byWorker = (r: { workerId: string }) => r.workerId;
  const byRollout = (r: { rolloutId: string }) => r.rolloutId;
  return {
    createPipeline: {
      action: 'CreatePipeline',
      target: bySpec,
      run: async (req) => ({ pipeline: await fleet.createPipeline(req.spec) }),
    },
    getPipeline: { run: (req) => ({ pipeline: fleet.getPipeline(req.name) }) },
    listPipelines: { run: () => ({ pipelines: fleet.listPipelines() }) },
    getPipelineStatus: { run: (req) => fleet.pipelineStatus(req.name) },
    pausePipeline: {
      action: 'PausePipeline',
      target: byName,
      run: async (req) => ({ pipeline: await fleet.pausePipeline(req.name) }),
    },
    resumePipeline: {
      action: 'ResumePipeline',
      target: byName,
      run: async (req) => ({ pipeline: await fleet.resumePipeline(req.name) }),
    },
    stopPipeline: {
      action: 'StopPipeline',
      target: byName,
      run: async (req) => ({ pipeline: await fleet.stopPipeline(req.name) }),
    },
    deletePipeline: {
      action: 'DeletePipeline',
      target: byName,
      run: async (req) => {
        await fleet.deletePipeline(req.name);
        return {};
      },
    },
    listWorkers: { run: () => ({ workers: fleet.listWorkers() }) },
    getWorker: { run: (req) => ({ worker: fleet.getWorker(req.workerId) }) },
    drainWorker: {
      action: 'DrainWorker',
      target: byWorker,
      run: async (req) => ({
        worker: await fleet.drainWorker(req.workerId, {
          deadlineMs: req.deadlineMs,
          maxConcurrent: req.maxConcurrent,
        }),
      }),
    },
    undrainWorker: {
      action: 'UndrainWorker',
      target: byWorker,
      run: async (req) => ({ worker: await fleet.undrainWorker(req.workerId) }),
    },
    getPipelineOffsets: { run: (req) => fleet.pipelineOffsets(req.name) },
    resetPipelineOffsets: {
      action: 'ResetPipelineOffsets',
      target: byName,
      run: (req) => fleet.resetPipelineOffsets(req),
    },
    listAuditRecords: { run: (req) => ({ records: fleet.auditRecords(checkAuditLimit(req.limit)) }) },
    updatePipeline: {
      action: 'UpdatePipeline',
      target: bySpec,
      run: async (req) => ({
        rolloutId: await rollouts.update(withStoredSecrets(fleet, req.spec), req.strategy),
      }),
    },
    getRollout: { run: (req) => fleet.rolloutView(fleet.getRolloutRecord(req.rolloutId)) },
    listRollouts: {
      run: (req) => ({
        rollouts: fleet.listRolloutRecords(req.pipeline || undefined).map((r) => fleet.rolloutView(r)),
      }),
    },
    pauseRollout: {
      action: 'PauseRollout',
      target: byRollout,
      run: (req) => fleet.requestRollout(req.rolloutId, 'PAUSE'),
    },
    resumeRollout: {
      action: 'ResumeRollout',
      target: byRollout,
      run: (req) => fleet.requestRollout(req.rolloutId, 'RESUME'),
    },
    abortRollout: {
      action: 'AbortRollout',
      target: byRollout,
      run: (req) => fleet.requestRollout(req.rolloutId, 'ABORT'),
    },
  };
}

/** Runs an operation for `actor`, recording it in the audit trail when it changes something. */
export async function invoke<K extends AdminMethod>(
  fleet: FleetController,
  op: Operation<K>,
  req: Req<K>,
  actorName: string,
): Promise<Res<K>> {
  const actor = actorName.slice(0, LIMITS.actorMax);
  try {
    const res = await op.run(req);
    if (op.action)
      await fleet.recordAudit({
        actor,
        action: op.action,
        target: op.target?.(req) ?? '',
        detail: op.detail?.(req) ?? JSON.stringify(req).slice(0, 2000),
        outcome: 'OK',
      });
    return res;
  } catch (err) {
    if (op.action) {
      const outcome = err instanceof ControlError ? err.code : 'INTERNAL';
      await fleet.recordAudit({
        actor,
        action: op.action,
        target: op.target?.(req) ?? '',
        detail: op.detail?.(req) ?? JSON.stringify(req).slice(0, 2000),
        outcome,
      });
    }
    throw err;
  }
}
