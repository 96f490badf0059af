import { PipelineState, type Pipeline, type PipelineSpec } from '@eos/proto';
import type { PipelineRecord } from '../ports';
import { guaranteeOf, guaranteeToProto } from '../validation';

/**
 * The proto view of a stored pipeline. `pending` is the number of its tasks the last placement
 * could not place: a running pipeline with any reads DEGRADED.
 */
export function pipelineView(p: PipelineRecord, pending: number): Pipeline {
  const spec: PipelineSpec = {
    name: p.spec.name,
    inputTopic: p.spec.inputTopic,
    outputTopic: p.spec.outputTopic,
    tasks: p.spec.tasks,
    transform: {
      name: p.spec.transform.name,
      version: p.spec.transform.version,
      config: p.spec.transform.config,
    },
    deadLetterTopic: p.spec.deadLetterTopic,
    batching: p.spec.batching,
    guarantee: guaranteeToProto(guaranteeOf(p.spec)),
  };
  const shown = p.state === 'RUNNING' ? pending : 0;
  return {
    spec,
    state: shown > 0 ? PipelineState.DEGRADED : PipelineState[p.state],
    tasksPending: shown,
    specVersion: p.specVersion,
    consumerGroup: p.consumerGroup,
    createdAtMs: p.createdAtMs,
    updatedAtMs: p.updatedAtMs,
  };
}
