import { invalid } from './errors';

/** What a spec's output and dead-letter topics are checked against. */
export interface TopicRulesContext {
  /** The controller's state topic (EOS_STATE_TOPIC). */
  stateTopic?: string;
  /** Other pipelines: their names and input topics. */
  pipelines: Iterable<{ name: string; inputTopic: string }>;
}

/**
 * Topics a pipeline may not write to, each refused naming the rule it hit:
 * - names starting with `__`: Kafka's internal topics (`__consumer_offsets`,
 *   `__transaction_state`) and the controller's own (`__eos_controller`);
 * - the controller's state topic, whatever its name (records there that are not its JSON stop
 *   the controller from starting again);
 * - another pipeline's input topic (its records would be processed twice over, and that
 *   pipeline's exactly-once promise would cover records nobody meant to feed it).
 */
export function checkWritableTopic(
  field: string,
  topic: string,
  pipeline: string,
  ctx: TopicRulesContext,
): void {
  if (topic.startsWith('__'))
    throw invalid(
      field,
      `"${topic}": topics starting with "__" are reserved (Kafka and controller internals)`,
    );
  if (ctx.stateTopic !== undefined && topic === ctx.stateTopic)
    throw invalid(field, `"${topic}" is the controller's state topic (EOS_STATE_TOPIC)`);
  for (const p of ctx.pipelines)
    if (p.name !== pipeline && p.inputTopic === topic)
      throw invalid(field, `"${topic}" is the input topic of pipeline ${p.name}`);
}
