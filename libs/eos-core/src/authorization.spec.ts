import { FleetNames } from '@eos/fleet-names';
import { describeAuthorizationFailure, type AuthorizationContext } from './authorization';

const names = new FleetNames();

const ctx = (phase: AuthorizationContext['phase']): AuthorizationContext => ({
  pipeline: 'p1',
  taskIndex: 3,
  transactionalId: names.transactionalId('p1', 3),
  consumerGroup: names.pipelineGroup('p1'),
  inputTopic: 'in',
  outputTopic: 'out',
  deadLetterTopic: 'p1.dlq',
  phase,
});
const topicDenied = Object.assign(new Error('Not authorized to access topics'), {
  type: 'TOPIC_AUTHORIZATION_FAILED',
});

it('names the topic permission the task was using when refused', () => {
  expect(describeAuthorizationFailure(topicDenied, ctx('configs'))).toBe(
    'pipeline p1 task 3 is not authorized: needs DescribeConfigs on Topic out and Topic p1.dlq (TOPIC_AUTHORIZATION_FAILED)',
  );
  expect(describeAuthorizationFailure(topicDenied, ctx('read'))).toMatch(
    /needs Read and Describe on Topic in /,
  );
  expect(describeAuthorizationFailure(topicDenied, ctx('produce'))).toMatch(
    /needs Write on Topic out and Topic p1.dlq /,
  );
  expect(describeAuthorizationFailure(new Error('other'), ctx('read'))).toBeUndefined();
});
