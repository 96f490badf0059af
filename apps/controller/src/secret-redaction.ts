/** What a secret config value reads as. An update that sends it back keeps the stored value. */
export const REDACTED = '[redacted]';

/** Config keys that hold secrets whatever the transform declares (case-insensitive, any depth). */
const SECRET_NAME = /pass(word|wd|phrase)?$|secret|token|api[-_]?key|credential|private[-_]?key/i;

/** The keys a transform declares secret (`TransformDefinition.secretKeys`), if the controller knows it. */
export type DeclaredSecrets = (name: string, version: number) => readonly string[];

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function redactConfig(config: Record<string, Json>, declared: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(config)) {
    if (declared.includes(k) || SECRET_NAME.test(k)) out[k] = REDACTED;
    else
      out[k] = isObject(v)
        ? redactConfig(v, [])
        : Array.isArray(v)
          ? v.map((x: Json) => (isObject(x) ? redactConfig(x, []) : x))
          : v;
  }
  return out;
}

/**
 * A copy of `value` (any response or request message) in which the config of every transform
 * (`{transform: {name, version, config}}` at any depth) has its secret values replaced by
 * {@link REDACTED}. Everything else is copied as is; the input is not changed.
 */
export function redactSecrets<T>(value: T, declared: DeclaredSecrets): T {
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isObject(v)) return v;
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'transform' && isObject(x) && isObject(x['config'])) {
        const name = typeof x['name'] === 'string' ? x['name'] : '';
        const keys = declared(name, Number(x['version'] ?? 0));
        out[k] = { ...x, config: redactConfig(x['config'], keys) };
      } else out[k] = walk(x);
    }
    return out;
  };
  return walk(value) as T;
}

/**
 * The config an update means: a value sent back as {@link REDACTED} (the form started from a
 * redacted read) is the value stored now, so secrets survive an edit of another field.
 */
export function restoreRedacted(
  next: Record<string, Json> | undefined,
  current: Record<string, Json> | undefined,
): Record<string, Json> | undefined {
  if (!next || !current) return next;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(next)) {
    const cur = current[k];
    if (v === REDACTED && cur !== undefined) out[k] = cur;
    else out[k] = isObject(v) && isObject(cur) ? restoreRedacted(v, cur) : v;
  }
  return out;
}
