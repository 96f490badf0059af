import { OPEN_IDENTITY } from './authenticator';
import { ADMIN_ROLES, allows, grpcRequirement, permittedOperations, type Identity, type Role } from './roles';

const as = (role: Role): Identity => ({ name: role, role, via: 'token' });

describe('roles', () => {
  it('ranks viewer < operator < admin, and keeps worker apart', () => {
    const table = (['viewer', 'operator', 'admin', 'worker'] as Role[]).map((r) => [
      r,
      (['viewer', 'operator', 'admin', 'worker'] as Role[]).filter((need) => allows(as(r), need)),
    ]);
    expect(table).toEqual([
      ['viewer', ['viewer']],
      ['operator', ['viewer', 'operator']],
      ['admin', ['viewer', 'operator', 'admin']],
      ['worker', ['worker']],
    ]);
    expect(allows(OPEN_IDENTITY, 'worker')).toBe(true);
  });

  it('gives the operator pause, resume, drain, undrain and rollout control, and keeps the rest for admin', () => {
    const ops = (r: Role) => permittedOperations(as(r));
    const reads = ops('viewer');
    expect(reads.every((op) => /^(get|list)/.test(op))).toBe(true);
    expect(
      ops('operator')
        .filter((op) => !reads.includes(op))
        .sort(),
    ).toEqual([
      'abortRollout',
      'drainWorker',
      'pausePipeline',
      'pauseRollout',
      'resumePipeline',
      'resumeRollout',
      'undrainWorker',
    ]);
    expect(
      ops('admin')
        .filter((op) => ADMIN_ROLES[op] === 'admin')
        .sort(),
    ).toEqual(['createPipeline', 'deletePipeline', 'resetPipelineOffsets', 'stopPipeline', 'updatePipeline']);
    expect(ops('worker')).toEqual([]);
  });

  it('maps gRPC methods to what they need', () => {
    expect(grpcRequirement('/grpc.health.v1.Health/Check')).toBe('open');
    expect(grpcRequirement('/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo')).toBe('open');
    expect(grpcRequirement('/eos.v1.WorkerService/Session')).toBe('worker');
    expect(grpcRequirement('/eos.v1.AdminService/ListWorkers')).toBe('viewer');
    expect(grpcRequirement('/eos.v1.AdminService/DrainWorker')).toBe('operator');
    expect(grpcRequirement('/eos.v1.AdminService/ResetPipelineOffsets')).toBe('admin');
    expect(grpcRequirement('/eos.v1.AdminService/SomethingNew')).toBe('admin');
    expect(grpcRequirement('/other.Service/Call')).toBe('admin');
  });
});
