import { emptyForm, errorsFromApi, formFromSpec, specFromForm } from './pipeline-form-state';

describe('pipeline form', () => {
  const filled = {
    ...emptyForm(),
    name: ' orders ',
    inputTopic: 'orders.in',
    outputTopic: 'orders.out',
    tasks: '3',
    transformName: 'suffix',
    transformVersion: '1',
    transformConfig: '{"suffix":"|x"}',
  };

  it('builds the spec the API takes, batching and strategy only when given', () => {
    expect(specFromForm(filled)).toEqual({
      spec: {
        name: 'orders',
        inputTopic: 'orders.in',
        outputTopic: 'orders.out',
        tasks: 3,
        transform: { name: 'suffix', version: 1, config: { suffix: '|x' } },
        deadLetterTopic: '',
        guarantee: 'EXACTLY_ONCE',
      },
      strategy: undefined,
      errors: {},
    });
    const r = specFromForm({ ...filled, lingerMs: '20', canaryTasks: '2' });
    expect(r.spec?.batching).toEqual({ maxRecords: undefined, maxBytes: undefined, lingerMs: 20 });
    expect(r.strategy).toEqual({ canaryTasks: 2, stepTasks: undefined, gateCommits: undefined });
  });

  it('names the field for numbers and config the browser cannot parse', () => {
    expect(specFromForm({ ...filled, tasks: 'three', transformConfig: '{oops' })).toEqual({
      errors: {
        tasks: '"three" is not a whole number',
        transformConfig: expect.stringMatching(/^not valid JSON/),
      },
    });
    expect(specFromForm({ ...filled, tasks: '' }).errors).toEqual({ tasks: 'is required' });
    expect(specFromForm({ ...filled, transformConfig: '[1]' }).errors).toEqual({
      transformConfig: 'must be a JSON object',
    });
  });

  it('puts each API error beside the field it names, others above the form', () => {
    expect(errorsFromApi({ field: 'spec.inputTopic', message: 'spec.inputTopic: "a b" is bad' })).toEqual({
      inputTopic: '"a b" is bad',
    });
    expect(errorsFromApi({ field: 'spec.inputTopic', message: 'bad topic' })).toEqual({
      inputTopic: 'bad topic',
    });
    expect(errorsFromApi({ field: 'spec.transform.config.suffix', message: 'm' })).toEqual({
      transformConfig: 'm',
    });
    expect(errorsFromApi({ field: 'spec.transform', message: 'unknown' })).toEqual({
      transformName: 'unknown',
    });
    expect(errorsFromApi({ field: 'spec.tasks', message: 't' })).toEqual({ tasks: 't' });
    expect(errorsFromApi({ field: 'spec.guarantee', message: 'g' })).toEqual({ guarantee: 'g' });
    expect(errorsFromApi({ message: 'pipeline x already exists' })).toEqual({
      form: 'pipeline x already exists',
    });
    expect(errorsFromApi({ field: 'body', message: 'not JSON' })).toEqual({ form: 'not JSON' });
  });

  it('round-trips an existing spec through the update form, guarantee included', () => {
    const spec = specFromForm({ ...filled, guarantee: 'AT_LEAST_ONCE' }).spec!;
    expect(spec.guarantee).toBe('AT_LEAST_ONCE');
    expect(specFromForm(formFromSpec(spec)).spec).toEqual(spec);
    // A spec stored without one (proto default left out of JSON) is exactly once.
    expect(formFromSpec({ name: 'x' }).guarantee).toBe('EXACTLY_ONCE');
  });
});
