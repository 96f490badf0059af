import type { Assign, ControllerMessage } from '@eos/proto';
import type { FleetContext } from './fleet-context';
import { taskKey, type TaskRecord } from './fleet-state';
import { quarantineFor } from './quarantine';
import { guaranteeOf, guaranteeToProto, taskPartitions } from './validation';

/**
 * The controller's side of the worker protocol: the messages it sends to a task's owner (assign,
 * revoke, pause) over that worker's session channel. The only place that builds them.
 */
export class TaskMessenger {
  constructor(private readonly ctx: FleetContext) {}

  /** Tells the owner to run the task under its current epoch and spec version. */
  assign(t: TaskRecord): void {
    const { state, health, o } = this.ctx;
    const p = state.pipelines.get(t.pipeline);
    if (!p || !t.owner) return;
    const spec = state.specOf(p, t.specVersion);
    const a: Assign = {
      task: { pipeline: t.pipeline, taskIndex: t.index },
      epoch: t.epoch,
      transactionalId: o.names.transactionalId(t.pipeline, t.index),
      consumerGroup: p.consumerGroup,
      inputTopic: spec.inputTopic,
      partitions: taskPartitions(t.index, spec.tasks, p.inputPartitions),
      outputTopic: spec.outputTopic,
      deadLetterTopic: spec.deadLetterTopic,
      transform: {
        name: spec.transform.name,
        version: spec.transform.version,
        config: spec.transform.config,
      },
      specVersion: t.specVersion,
      paused: p.state === 'PAUSED',
      batching: spec.batching,
      guarantee: guaranteeToProto(guaranteeOf(spec)),
      careful: health.careful(taskKey(t.pipeline, t.index)),
      quarantined: quarantineFor(p, taskPartitions(t.index, spec.tasks, p.inputPartitions)),
    };
    this.send(t.owner, { body: { $case: 'assign', value: a } });
  }

  /** Marks the task REVOKING and tells its owner to stop it (graceful: commit first; else abort). */
  revoke(t: TaskRecord, graceful: boolean): void {
    if (!t.owner) return;
    t.state = 'REVOKING';
    t.revokeSentAt = this.ctx.o.now();
    this.send(t.owner, {
      body: {
        $case: 'revoke',
        value: { task: { pipeline: t.pipeline, taskIndex: t.index }, epoch: t.epoch, graceful },
      },
    });
  }

  setPaused(t: TaskRecord, paused: boolean): void {
    if (!t.owner) return;
    this.send(t.owner, {
      body: {
        $case: 'setPaused',
        value: { task: { pipeline: t.pipeline, taskIndex: t.index }, epoch: t.epoch, paused },
      },
    });
  }

  send(workerId: string, msg: ControllerMessage): void {
    this.ctx.state.workers.get(workerId)?.channel?.send(msg);
  }
}
