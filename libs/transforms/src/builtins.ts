import { PoisonRecordError, TransformConfigError } from './errors';
import type { TransformDefinition } from './transform';

/** `identity@1`: key, value and headers unchanged. Takes no config. */
export const identityV1: TransformDefinition = {
  name: 'identity',
  version: 1,
  description: 'key, value and headers unchanged',
  create(config) {
    const extra = Object.keys(config);
    if (extra.length > 0)
      throw new TransformConfigError(`identity@1 takes no config (got ${extra.join(', ')})`, extra[0]);
    return (r) => ({ value: r.value, headers: definedHeaders(r.headers) });
  },
};

/** `suffix@1`: value (UTF-8) + config `suffix`; key and headers unchanged. */
export const suffixV1: TransformDefinition = {
  name: 'suffix',
  version: 1,
  description: 'appends config.suffix to the value',
  create(config) {
    const suffix = config['suffix'];
    if (typeof suffix !== 'string')
      throw new TransformConfigError('suffix@1 needs config.suffix, a string', 'suffix');
    const unknown = Object.keys(config).filter((k) => k !== 'suffix');
    if (unknown.length > 0)
      throw new TransformConfigError(`suffix@1: unknown config key ${unknown[0]}`, unknown[0]);
    const tail = Buffer.from(suffix, 'utf8');
    return (r) => {
      if (r.value === null) throw new PoisonRecordError('suffix@1 cannot append to a null value (tombstone)');
      return { value: Buffer.concat([r.value, tail]), headers: definedHeaders(r.headers) };
    };
  },
};

function definedHeaders(h: Record<string, Buffer | string | undefined>): Record<string, Buffer | string> {
  const out: Record<string, Buffer | string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}

/** The transforms every worker can run. */
export const BUILTIN_TRANSFORMS: readonly TransformDefinition[] = [identityV1, suffixV1];
