import { FILE_DESCRIPTOR_PROTOS_BASE64, PipelineSpec, WorkerMessage } from './index';

describe('eos.v1 generated code', () => {
  it('round-trips a pipeline spec with a JSON config through the wire format', () => {
    const spec = PipelineSpec.fromPartial({
      name: 'p1',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 6,
      transform: { name: 'suffix', version: 1, config: { suffix: '|a', n: 2, nested: { ok: true } } },
      deadLetterTopic: 'p1.dlq',
    });
    const back = PipelineSpec.decode(PipelineSpec.encode(spec).finish());
    expect(back).toEqual(spec);
    expect(back.transform?.config).toEqual({ suffix: '|a', n: 2, nested: { ok: true } });
  });

  it('reads the contract JSON as grpcurl sends it', () => {
    const spec = PipelineSpec.fromJSON({
      name: 'p1',
      inputTopic: 'in',
      outputTopic: 'out',
      tasks: 6,
      transform: { name: 'suffix', version: 1, config: { suffix: '|a' } },
      deadLetterTopic: 'p1.dlq',
    });
    expect(spec.tasks).toBe(6);
    expect(spec.transform?.config).toEqual({ suffix: '|a' });
  });

  it('carries oneof session messages', () => {
    const msg = WorkerMessage.fromPartial({ body: { $case: 'heartbeat', value: { sentAtMs: 42 } } });
    expect(WorkerMessage.decode(WorkerMessage.encode(msg).finish()).body).toEqual({
      $case: 'heartbeat',
      value: { sentAtMs: 42 },
    });
  });

  it('embeds descriptors for every served service (reflection)', () => {
    const text = FILE_DESCRIPTOR_PROTOS_BASE64.map((b) => Buffer.from(b, 'base64').toString('latin1')).join(
      '\n',
    );
    for (const name of ['AdminService', 'WorkerService', 'Health', 'google/protobuf/struct.proto'])
      expect(text).toContain(name);
  });
});
