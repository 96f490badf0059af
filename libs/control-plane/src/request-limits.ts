import { invalid } from './errors';

/**
 * A pipeline's batching when its spec leaves a field 0, filled in at validation (so a stored
 * spec keeps the values it was created with). The same as eos-core's `DEFAULT_BATCH_LIMITS`
 * (apps/controller/src/batching-defaults.spec.ts checks it). 16 MiB / 20,000 records: every
 * transaction costs the broker and the worker the same handful of requests and marker writes
 * whatever its size. Against 4 MiB / 5,000 the exactly-once fleet's median throughput rose 5% at
 * 8 MiB, at-least-once's 3%; at 16 MiB the exactly-once fleet reached at-least-once's throughput
 * at saturation (0.93-0.95 at 8 MiB), for about 25 MiB more RSS per busy task
 * (docs/production.md, "Transaction size and worker memory"). Below saturation the linger ends
 * a batch before either limit.
 */
export const DEFAULT_BATCHING = { maxRecords: 20_000, maxBytes: 16 << 20, lingerMs: 100 } as const;

/**
 * Every number and size a request can set, with its documented range (docs/architecture.md,
 * "Bounds"; the proto comments). Zero means "the default" where the proto says so. Values come
 * from gRPC (always uint32 there) and from HTTP JSON through ts-proto's fromJSON, which passes
 * negative, fractional, NaN and over-uint32 numbers straight through: each is checked here.
 */
export const LIMITS = {
  /** Tasks of a pipeline (also at most its input partitions). */
  tasks: { min: 1, max: 1024 },
  /** Transform name: like a pipeline name. */
  transformNameMax: 100,
  transformVersion: { min: 1, max: 1_000_000 },
  /** Transform config, as JSON: bytes and nesting (a state record holds up to 3 spec versions; Kafka's default record limit is 1 MiB). */
  configMaxBytes: 64 * 1024,
  configMaxDepth: 16,
  /** Batching (0: the default, {@link DEFAULT_BATCHING}). */
  maxRecords: { min: 1, max: 100_000 },
  maxBytes: { min: 1024, max: 64 << 20 },
  lingerMs: { min: 1, max: 60_000 },
  /** Rollout strategy (0: defaults canary 1, step 2, gate commits 3, gate timeout 60 s). */
  canaryTasks: { min: 1, max: 1024 },
  stepTasks: { min: 1, max: 1024 },
  gateCommits: { min: 1, max: 1_000_000 },
  maxFailedRecords: { min: 0, max: 1_000_000 },
  gateTimeoutMs: { min: 1_000, max: 3_600_000 },
  /** Drain (0: no deadline; 0: 2 at a time). */
  drainDeadlineMs: { min: 1, max: 86_400_000 },
  drainMaxConcurrent: { min: 1, max: 1024 },
  /** ResetPipelineOffsets: a time (ms since the epoch), and explicit partitions and offsets. */
  timestampMs: { min: 0, max: Number.MAX_SAFE_INTEGER },
  partition: { min: 0, max: 2 ** 31 - 1 },
  offset: { min: 0, max: Number.MAX_SAFE_INTEGER },
  /** ListAuditRecords (0: 100). */
  auditLimit: { min: 1, max: 1000 },
  /** A worker's Hello. */
  workerIdMax: 200,
  workerCapacity: { min: 1, max: 1024 },
  workerTransformsMax: 1000,
  /** The caller's name (`x-actor`) as recorded in the audit trail. */
  actorMax: 200,
} as const;

type Range = { readonly min: number; readonly max: number };

/**
 * A whole number in `range`, or (when `zeroIsDefault`) 0; anything else is INVALID_ARGUMENT naming
 * the field and the range.
 */
export function checkInt(field: string, value: unknown, range: Range, zeroIsDefault: boolean): number {
  const n = value === undefined || value === null ? 0 : value;
  if (zeroIsDefault && n === 0) return 0;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < range.min || n > range.max)
    throw invalid(
      field,
      `must be a whole number in [${range.min}, ${range.max}]${zeroIsDefault ? ' (or 0 for the default)' : ''}, got ${typeof n === 'number' ? String(n) : JSON.stringify(n)}`,
    );
  return n;
}

/** Refuses a string longer than `max` characters. */
export function checkLength(field: string, value: string, max: number): void {
  if (value.length > max) throw invalid(field, `at most ${max} characters, got ${value.length}`);
}

/** The transform config: a JSON object of at most `configMaxBytes` bytes and `configMaxDepth` levels. */
export function checkConfig(config: unknown): void {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw invalid('spec.transform.config', 'must be a JSON object');
  const stack: [unknown, number][] = [[config, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > LIMITS.configMaxDepth)
      throw invalid('spec.transform.config', `nested deeper than ${LIMITS.configMaxDepth} levels`);
    for (const c of Array.isArray(v) ? v : Object.values(v)) stack.push([c, depth + 1]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(config), 'utf8');
  if (bytes > LIMITS.configMaxBytes)
    throw invalid('spec.transform.config', `${bytes} bytes as JSON; at most ${LIMITS.configMaxBytes}`);
}

/** A rollout strategy as requested (proto RolloutStrategy). */
export interface StrategyInput {
  canaryTasks?: number;
  stepTasks?: number;
  gateCommits?: number;
  maxFailedRecords?: number;
  gateTimeoutMs?: number;
}

/** Checks every field of a rollout strategy against {@link LIMITS}. */
export function checkStrategy(s: StrategyInput | undefined): void {
  if (!s) return;
  checkInt('strategy.canaryTasks', s.canaryTasks, LIMITS.canaryTasks, true);
  checkInt('strategy.stepTasks', s.stepTasks, LIMITS.stepTasks, true);
  checkInt('strategy.gateCommits', s.gateCommits, LIMITS.gateCommits, true);
  checkInt('strategy.maxFailedRecords', s.maxFailedRecords, LIMITS.maxFailedRecords, true);
  checkInt('strategy.gateTimeoutMs', s.gateTimeoutMs, LIMITS.gateTimeoutMs, true);
}

/** Checks DrainWorker's numbers. */
export function checkDrainOptions(o: { deadlineMs?: number; maxConcurrent?: number }): void {
  checkInt('deadlineMs', o.deadlineMs, LIMITS.drainDeadlineMs, true);
  checkInt('maxConcurrent', o.maxConcurrent, LIMITS.drainMaxConcurrent, true);
}

/** ListAuditRecords' limit; 0 is the default 100. */
export function checkAuditLimit(limit: unknown): number {
  return checkInt('limit', limit, LIMITS.auditLimit, true) || 100;
}

/** A worker's Hello: id, capacity and announced transforms within bounds. */
export function checkHello(h: { workerId: string; capacity: number; transforms: unknown[] }): void {
  checkLength('hello.workerId', h.workerId, LIMITS.workerIdMax);
  checkInt('hello.capacity', h.capacity, LIMITS.workerCapacity, true);
  if (h.transforms.length > LIMITS.workerTransformsMax)
    throw invalid('hello.transforms', `at most ${LIMITS.workerTransformsMax}, got ${h.transforms.length}`);
}
