/**
 * Runs operations one at a time, in the order they were queued (a promise chain). Every change to
 * the fleet's model goes through one executor, so an operation sees the model as the previous one
 * left it and its state write lands before the next one starts. A failed operation does not stop
 * the ones behind it.
 */
export class SerialExecutor {
  private chain: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
