import type { AdminMethod } from '../admin-api';

/** What an identity may do. viewer < operator < admin on AdminService; worker runs WorkerService only. */
export type Role = 'viewer' | 'operator' | 'admin' | 'worker';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin', 'worker'];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** Who is calling. `via: 'open'` is the caller when no authentication is configured (loopback only). */
export interface Identity {
  name: string;
  role: Role;
  via: 'token' | 'certificate' | 'open';
}

/** What a call needs: nothing, any authenticated identity, or a role. */
export type Requirement = 'open' | 'authenticated' | Role;

const RANK: Record<Exclude<Role, 'worker'>, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether `who` may make a call that needs `need`. Roles are ranked, except worker (a separate lane). */
export function allows(who: Identity, need: Requirement): boolean {
  if (need === 'open' || need === 'authenticated' || who.via === 'open') return true;
  if (need === 'worker' || who.role === 'worker') return who.role === need;
  return RANK[who.role] >= RANK[need];
}

/**
 * The role each AdminService operation needs (also used for the HTTP routes, which name the same
 * operations). Reads: viewer. Reversible operational changes: operator. Anything that creates,
 * changes, removes or rewinds data (stop, delete, offset resets, create, update): admin.
 */
export const ADMIN_ROLES: Record<AdminMethod, Role> = {
  getPipeline: 'viewer',
  listPipelines: 'viewer',
  getPipelineStatus: 'viewer',
  getPipelineOffsets: 'viewer',
  listWorkers: 'viewer',
  getWorker: 'viewer',
  getRollout: 'viewer',
  listRollouts: 'viewer',
  listAuditRecords: 'viewer',
  pausePipeline: 'operator',
  resumePipeline: 'operator',
  drainWorker: 'operator',
  undrainWorker: 'operator',
  pauseRollout: 'operator',
  resumeRollout: 'operator',
  abortRollout: 'operator',
  createPipeline: 'admin',
  updatePipeline: 'admin',
  stopPipeline: 'admin',
  deletePipeline: 'admin',
  resetPipelineOffsets: 'admin',
};

/**
 * What a gRPC method (`/package.Service/Method`) needs. Health is open (load balancers probe it).
 * Reflection is open too: it describes the public API (the .proto files are public) and grpcurl
 * needs it before any call, so `grpcurl list` works without a token while every call does not.
 * An unknown method needs admin, so a service added later is closed until it is listed here.
 */
export function grpcRequirement(path: string): Requirement {
  const [, service = '', method = ''] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
  if (service === 'grpc.health.v1.Health' || service.startsWith('grpc.reflection.')) return 'open';
  if (service === 'eos.v1.WorkerService') return 'worker';
  if (service === 'eos.v1.AdminService') {
    const op = (method.charAt(0).toLowerCase() + method.slice(1)) as AdminMethod;
    return ADMIN_ROLES[op] ?? 'admin';
  }
  return 'admin';
}

/** The operations a role may call (the UI hides the others). */
export function permittedOperations(who: Identity): AdminMethod[] {
  return (Object.keys(ADMIN_ROLES) as AdminMethod[]).filter((op) => allows(who, ADMIN_ROLES[op]));
}
