import { ControlError } from './errors';
import { checkWritableTopic } from './topic-rules';

const ctx = { stateTopic: 'fleet.state', pipelines: [{ name: 'other', inputTopic: 'other.in' }] };
const msg = (topic: string, pipeline = 'p1') => {
  try {
    checkWritableTopic('spec.outputTopic', topic, pipeline, ctx);
  } catch (e) {
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'spec.outputTopic' });
    expect(e).toBeInstanceOf(ControlError);
    return (e as Error).message;
  }
  return 'accepted';
};

it('refuses internal topics, the state topic and another pipeline’s input, naming the rule', () => {
  expect(msg('__consumer_offsets')).toBe(
    'spec.outputTopic: "__consumer_offsets": topics starting with "__" are reserved (Kafka and controller internals)',
  );
  expect(msg('__eos_controller')).toMatch(/reserved/);
  expect(msg('fleet.state')).toBe(
    `spec.outputTopic: "fleet.state" is the controller's state topic (EOS_STATE_TOPIC)`,
  );
  expect(msg('other.in')).toBe('spec.outputTopic: "other.in" is the input topic of pipeline other');
  // A pipeline's own record (an update of `other`) is not "another pipeline".
  expect(msg('other.in', 'other')).toBe('accepted');
  expect(msg('p1.out')).toBe('accepted');
  expect(msg('_single_underscore')).toBe('accepted');
});
