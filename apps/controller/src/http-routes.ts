import { ControlError } from '@eos/control-plane';
import * as pb from '@eos/proto';
import type { AdminApi } from './admin-api';

interface MessageType<T> {
  fromJSON(o: unknown): T;
  toJSON(m: T): unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: RegExp;
  op: keyof AdminApi;
  /** Builds the proto-JSON request from path parameters, query and body. */
  request: (params: string[], query: URLSearchParams, body: Record<string, unknown>) => unknown;
  req: MessageType<unknown>;
  res: MessageType<unknown>;
}

const t = <T>(m: MessageType<T>) => m as MessageType<unknown>;
const name = (p: string[]) => ({ name: p[0] });

/** JSON endpoints mirroring AdminService (same operations, validation and errors). */
export const ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^\/api\/pipelines$/,
    op: 'listPipelines',
    request: () => ({}),
    req: t(pb.ListPipelinesRequest),
    res: t(pb.ListPipelinesResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines$/,
    op: 'createPipeline',
    request: (_p, _q, b) => b,
    req: t(pb.CreatePipelineRequest),
    res: t(pb.CreatePipelineResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/pipelines\/([^/]+)$/,
    op: 'getPipeline',
    request: name,
    req: t(pb.GetPipelineRequest),
    res: t(pb.GetPipelineResponse),
  },
  {
    method: 'PUT',
    path: /^\/api\/pipelines\/([^/]+)$/,
    op: 'updatePipeline',
    request: (_p, _q, b) => b,
    req: t(pb.UpdatePipelineRequest),
    res: t(pb.UpdatePipelineResponse),
  },
  {
    method: 'DELETE',
    path: /^\/api\/pipelines\/([^/]+)$/,
    op: 'deletePipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.DeletePipelineResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/pipelines\/([^/]+)\/status$/,
    op: 'getPipelineStatus',
    request: name,
    req: t(pb.GetPipelineStatusRequest),
    res: t(pb.GetPipelineStatusResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/pause$/,
    op: 'pausePipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/resume$/,
    op: 'resumePipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/stop$/,
    op: 'stopPipeline',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/pipelines\/([^/]+)\/offsets$/,
    op: 'getPipelineOffsets',
    request: name,
    req: t(pb.PipelineNameRequest),
    res: t(pb.PipelineOffsetsResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/pipelines\/([^/]+)\/offsets\/reset$/,
    op: 'resetPipelineOffsets',
    request: (p, _q, b) => ({ ...b, name: p[0] }),
    req: t(pb.ResetPipelineOffsetsRequest),
    res: t(pb.PipelineOffsetsResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/workers$/,
    op: 'listWorkers',
    request: () => ({}),
    req: t(pb.ListWorkersRequest),
    res: t(pb.ListWorkersResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/workers\/([^/]+)$/,
    op: 'getWorker',
    request: (p) => ({ workerId: p[0] }),
    req: t(pb.GetWorkerRequest),
    res: t(pb.GetWorkerResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/workers\/([^/]+)\/drain$/,
    op: 'drainWorker',
    request: (p, _q, b) => ({ ...b, workerId: p[0] }),
    req: t(pb.DrainWorkerRequest),
    res: t(pb.DrainWorkerResponse),
  },
  {
    method: 'POST',
    path: /^\/api\/workers\/([^/]+)\/undrain$/,
    op: 'undrainWorker',
    request: (p) => ({ workerId: p[0] }),
    req: t(pb.UndrainWorkerRequest),
    res: t(pb.DrainWorkerResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/rollouts$/,
    op: 'listRollouts',
    request: (_p, q) => ({ pipeline: q.get('pipeline') ?? '' }),
    req: t(pb.ListRolloutsRequest),
    res: t(pb.ListRolloutsResponse),
  },
  {
    method: 'GET',
    path: /^\/api\/rollouts\/([^/]+)$/,
    op: 'getRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'POST',
    path: /^\/api\/rollouts\/([^/]+)\/pause$/,
    op: 'pauseRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'POST',
    path: /^\/api\/rollouts\/([^/]+)\/resume$/,
    op: 'resumeRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'POST',
    path: /^\/api\/rollouts\/([^/]+)\/abort$/,
    op: 'abortRollout',
    request: (p) => ({ rolloutId: p[0] }),
    req: t(pb.RolloutRequest),
    res: t(pb.Rollout),
  },
  {
    method: 'GET',
    path: /^\/api\/audit$/,
    op: 'listAuditRecords',
    request: (_p, q) => ({ limit: Number(q.get('limit') ?? 0) }),
    req: t(pb.ListAuditRecordsRequest),
    res: t(pb.ListAuditRecordsResponse),
  },
];

/**
 * proto3 JSON -> the request message. ts-proto's fromJSON throws on values it cannot map (an
 * unknown enum name, a Struct nested past the stack): that is the caller's mistake, a 400.
 */
export function decodeRequest(route: Route, json: unknown): unknown {
  try {
    return route.req.fromJSON(json);
  } catch (err) {
    throw new ControlError(
      'INVALID_ARGUMENT',
      `body: does not match the request message (${(err as Error).message})`,
      'body',
    );
  }
}
