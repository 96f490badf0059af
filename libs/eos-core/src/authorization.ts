/**
 * Authorization failures name the permission that is missing. They are not fencing (a fenced task
 * stops because another owner took over; a task without permission fails, whoever runs it) and
 * retrying cannot fix them: the task fails with this message, and the controller backs off.
 */
import { errorChain } from './errors';

export const AUTHORIZATION_TYPES = new Set([
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/** What the task was doing when the broker refused. */
export type TaskPhase = 'init' | 'configs' | 'read' | 'produce';

export interface AuthorizationContext {
  pipeline: string;
  taskIndex: number;
  transactionalId: string;
  consumerGroup: string;
  inputTopic: string;
  outputTopic: string;
  deadLetterTopic?: string;
  phase: TaskPhase;
}

/** The broker error type when `err` (or a cause) is an authorization failure. */
export function authorizationType(err: unknown): string | undefined {
  for (const e of errorChain(err))
    if (typeof e['type'] === 'string' && AUTHORIZATION_TYPES.has(e['type'])) return e['type'];
  return undefined;
}

/**
 * `pipeline p1 task 3 is not authorized: needs Write on TransactionalId eos.p1.3
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)`, or `undefined` when `err` is not an authorization failure.
 */
export function describeAuthorizationFailure(err: unknown, c: AuthorizationContext): string | undefined {
  const type = authorizationType(err);
  if (!type) return undefined;
  let needs: string;
  switch (type) {
    case 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED':
      needs = `Write on TransactionalId ${c.transactionalId}`;
      break;
    case 'GROUP_AUTHORIZATION_FAILED':
      needs = `Read on Group ${c.consumerGroup}`;
      break;
    case 'CLUSTER_AUTHORIZATION_FAILED':
      needs = 'IdempotentWrite on Cluster';
      break;
    default:
      needs =
        c.phase === 'configs'
          ? `DescribeConfigs on Topic ${c.outputTopic}${c.deadLetterTopic ? ` and Topic ${c.deadLetterTopic}` : ''}`
          : c.phase === 'produce'
            ? `Write on Topic ${c.outputTopic}${c.deadLetterTopic ? ` and Topic ${c.deadLetterTopic}` : ''}`
            : c.phase === 'read'
              ? `Read and Describe on Topic ${c.inputTopic}`
              : `Describe on Topic ${c.inputTopic} and Topic ${c.outputTopic}`;
  }
  return `pipeline ${c.pipeline} task ${c.taskIndex} is not authorized: needs ${needs} (${type})`;
}
