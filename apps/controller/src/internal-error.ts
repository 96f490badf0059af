import { randomUUID } from 'node:crypto';
import { redactSecrets } from '@eos/control-plane';

/** What a client sees of an unexpected error: a generic message and an id to find the detail in the log. */
export interface InternalErrorReply {
  id: string;
  message: string;
}

/**
 * Logs an unexpected error (stack included, secrets redacted) under a fresh id and returns the
 * generic message for the client: raw internal errors can carry hosts, URLs with passwords or
 * internals a caller has no business seeing.
 */
export function reportInternalError(
  where: string,
  err: unknown,
  log: (line: string) => void = (l) => console.error(l),
): InternalErrorReply {
  const id = randomUUID().slice(0, 8);
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  log(redactSecrets(`[controller] internal error ${id} in ${where}: ${detail}`));
  return { id, message: `internal error (id ${id}; the controller log has the detail)` };
}
