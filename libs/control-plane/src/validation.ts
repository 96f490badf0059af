import { DeliveryGuarantee } from '@eos/proto';
import { TransformConfigError, UnknownTransformError, type TransformRegistry } from '@eos/transforms';
import { invalid } from './errors';
import { DEFAULT_BATCHING, LIMITS, checkConfig, checkInt, checkLength } from './request-limits';
import { checkWritableTopic, type TopicRulesContext } from './topic-rules';

/** A pipeline spec as the controller receives it (proto PipelineSpec shape). */
export interface SpecInput {
  name: string;
  inputTopic: string;
  outputTopic: string;
  tasks: number;
  transform?: { name: string; version: number; config?: Record<string, unknown> };
  deadLetterTopic: string;
  batching?: { maxRecords: number; maxBytes: number; lingerMs: number };
  /** Proto `DeliveryGuarantee`; unspecified (0) is exactly once. */
  guarantee?: DeliveryGuarantee;
}

/** How a pipeline's tasks commit: in Kafka transactions (the product) or without (benchmarks). */
export type Guarantee = 'exactly-once' | 'at-least-once';

/** A validated spec with defaults filled in. */
export interface ValidSpec {
  name: string;
  inputTopic: string;
  outputTopic: string;
  tasks: number;
  transform: { name: string; version: number; config: Record<string, unknown> };
  deadLetterTopic: string;
  batching: { maxRecords: number; maxBytes: number; lingerMs: number };
  /**
   * Processing guarantee; fixed at creation (the at-least-once offsets live in other groups).
   * Records stored before the field existed lack it: read them with {@link guaranteeOf}.
   * @default 'exactly-once'
   */
  guarantee: Guarantee;
}

/** A stored spec's guarantee (specs stored before the field existed are exactly once). */
export const guaranteeOf = (spec: { guarantee?: Guarantee }): Guarantee => spec.guarantee ?? 'exactly-once';

/** The proto enum of a guarantee. */
export const guaranteeToProto = (g: Guarantee): DeliveryGuarantee =>
  g === 'at-least-once' ? DeliveryGuarantee.AT_LEAST_ONCE : DeliveryGuarantee.EXACTLY_ONCE;

function guarantee(value: DeliveryGuarantee | undefined): Guarantee {
  switch (value ?? DeliveryGuarantee.DELIVERY_GUARANTEE_UNSPECIFIED) {
    case DeliveryGuarantee.DELIVERY_GUARANTEE_UNSPECIFIED:
    case DeliveryGuarantee.EXACTLY_ONCE:
      return 'exactly-once';
    case DeliveryGuarantee.AT_LEAST_ONCE:
      return 'at-least-once';
    default:
      throw invalid('spec.guarantee', `unknown guarantee ${String(value)} (EXACTLY_ONCE or AT_LEAST_ONCE)`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

function topic(field: string, value: string | undefined): string {
  if (!value) throw invalid(field, 'is required');
  if (!TOPIC.test(value) || value === '.' || value === '..') {
    throw invalid(field, `"${value}" is not a valid topic name (1-249 chars of A-Z a-z 0-9 . _ -)`);
  }
  return value;
}

/**
 * Checks a spec without touching Kafka: names, topics, every number and size within
 * {@link LIMITS}, transform known (to the registry, or announced by a worker) and its config
 * accepted. `inputPartitions`, when known, bounds `tasks`; `topicRules`, when given, refuses
 * reserved and foreign output and dead-letter topics ({@link checkWritableTopic}).
 */
export function validateSpec(
  spec: SpecInput | undefined,
  o: {
    registry: TransformRegistry;
    announced: ReadonlySet<string>;
    inputPartitions?: number;
    topicRules?: TopicRulesContext;
  },
): ValidSpec {
  if (!spec) throw invalid('spec', 'is required');
  if (!spec.name) throw invalid('spec.name', 'is required');
  if (typeof spec.name !== 'string' || spec.name.length > 100)
    throw invalid('spec.name', `at most 100 characters, got ${String(spec.name).length}`);
  if (!NAME.test(spec.name))
    throw invalid(
      'spec.name',
      `"${spec.name}" must be 1-100 chars of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
  const inputTopic = topic('spec.inputTopic', spec.inputTopic);
  const outputTopic = topic('spec.outputTopic', spec.outputTopic);
  if (inputTopic === outputTopic) throw invalid('spec.outputTopic', 'must differ from spec.inputTopic');
  const deadLetterTopic = spec.deadLetterTopic
    ? topic('spec.deadLetterTopic', spec.deadLetterTopic)
    : `${spec.name}.dlq`;
  if (deadLetterTopic === inputTopic || deadLetterTopic === outputTopic)
    throw invalid('spec.deadLetterTopic', 'must differ from the input and output topics');
  if (o.topicRules) {
    checkWritableTopic('spec.outputTopic', outputTopic, spec.name, o.topicRules);
    checkWritableTopic('spec.deadLetterTopic', deadLetterTopic, spec.name, o.topicRules);
  }
  if (!Number.isInteger(spec.tasks) || spec.tasks < 1)
    throw invalid('spec.tasks', `must be at least 1 (got ${spec.tasks})`);
  checkInt('spec.tasks', spec.tasks, LIMITS.tasks, false);
  if (o.inputPartitions !== undefined && spec.tasks > o.inputPartitions) {
    throw invalid(
      'spec.tasks',
      `${spec.tasks} tasks for ${o.inputPartitions} input partitions: at most one task per partition`,
    );
  }
  const t = spec.transform;
  if (!t || !t.name) throw invalid('spec.transform.name', 'is required');
  checkLength('spec.transform.name', t.name, LIMITS.transformNameMax);
  if (!Number.isInteger(t.version) || t.version < 1)
    throw invalid('spec.transform.version', `must be an integer >= 1 (got ${t.version})`);
  checkInt('spec.transform.version', t.version, LIMITS.transformVersion, false);
  const config = t.config ?? {};
  checkConfig(config);
  const key = `${t.name}@${t.version}`;
  if (o.registry.has(t.name, t.version)) {
    try {
      o.registry.create(t.name, t.version, config);
    } catch (err) {
      const field =
        err instanceof TransformConfigError && err.field
          ? `spec.transform.config.${err.field}`
          : 'spec.transform.config';
      throw invalid(field, (err as Error).message);
    }
  } else if (!o.announced.has(key)) {
    const known = new Set([...o.registry.keys(), ...o.announced]);
    throw invalid('spec.transform', new UnknownTransformError(t.name, t.version, [...known].sort()).message);
  }
  const b = spec.batching;
  checkInt('spec.batching.maxRecords', b?.maxRecords, LIMITS.maxRecords, true);
  checkInt('spec.batching.maxBytes', b?.maxBytes, LIMITS.maxBytes, true);
  checkInt('spec.batching.lingerMs', b?.lingerMs, LIMITS.lingerMs, true);
  const g = guarantee(spec.guarantee);
  return {
    name: spec.name,
    inputTopic,
    outputTopic,
    tasks: spec.tasks,
    transform: { name: t.name, version: t.version, config },
    deadLetterTopic,
    batching: {
      maxRecords: b?.maxRecords || DEFAULT_BATCHING.maxRecords,
      maxBytes: b?.maxBytes || DEFAULT_BATCHING.maxBytes,
      lingerMs: b?.lingerMs || DEFAULT_BATCHING.lingerMs,
    },
    guarantee: g,
  };
}

/** Input partitions of task `t` of `tasks`: partition p belongs to task p mod tasks. */
export function taskPartitions(taskIndex: number, tasks: number, inputPartitions: number): number[] {
  const out: number[] = [];
  for (let p = taskIndex; p < inputPartitions; p += tasks) out.push(p);
  return out;
}

// Transactional ids and group names: @eos/fleet-names (FleetNames), namespaced by EOS_FLEET_ID.
