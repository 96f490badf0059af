/**
 * One call of the user's transform: the probe told around it (the worker's watchdog and careful
 * mode), and the deadline of a transform that returns a promise.
 */
import type { InputRecord, TransformContext, TransformFn, TransformResult } from '@eos/transforms';
import type { TransformProbe } from './eos-task-options';
import { recordRef } from './poison';
import { TransformTimeoutError } from './transform-attempts';

export interface TransformCallOptions {
  transform: TransformFn;
  /** `name@version`, named in the timeout error. */
  transformId: string;
  transformTimeoutMs: number;
  probe?: TransformProbe;
}

/**
 * Calls the transform between the probe's `before` and `after`. Returns the result, or a promise
 * of it (the caller awaits only a promise) that rejects with {@link TransformTimeoutError} past
 * `transformTimeoutMs`.
 */
export function callTransform(
  rec: InputRecord,
  ctx: TransformContext,
  o: TransformCallOptions,
): TransformResult | Promise<TransformResult> {
  const probe = o.probe;
  const run = (): TransformResult | Promise<TransformResult> => {
    let result;
    let threw = true;
    probe?.before?.(rec);
    try {
      result = o.transform(rec, ctx);
      threw = false;
    } finally {
      probe?.after?.();
      if (threw) probe?.settled?.(rec);
    }
    if (!result || typeof (result as Promise<unknown>).then !== 'function') {
      probe?.settled?.(rec);
      return result;
    }
    const settling = withDeadline(result as Promise<TransformResult>, rec, o);
    return probe?.settled ? settling.finally(() => probe.settled?.(rec)) : settling;
  };
  const wait = probe?.announce?.(rec);
  return wait ? wait.then(run) : run();
}

function withDeadline(
  p: Promise<TransformResult>,
  rec: InputRecord,
  o: TransformCallOptions,
): Promise<TransformResult> {
  const ms = o.transformTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TransformTimeoutError(
            `transform ${o.transformId} did not settle within ${ms} ms on ${recordRef(rec)}`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
