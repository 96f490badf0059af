import { invalid } from '@eos/control-plane';

/** Deepest nesting of objects and arrays a JSON request body may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses a parsed JSON body nested deeper than {@link MAX_JSON_DEPTH}: the request decoders
 * (ts-proto's Struct conversion) and validators recurse, and a 1 MiB body of `[[[[...` would
 * exhaust the stack there. Walks iteratively, so the check itself cannot overflow.
 */
export function checkJsonShape(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw invalid('body', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}
