import type * as http from 'node:http';
import { reportInternalError } from './internal-error';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/**
 * The one top-level guard of the HTTP server: whatever a route throws (synchronously or from a
 * promise) becomes a 500 with a generic message and an id (the detail goes to the log), never an
 * exception out of the request listener, which would end the controller process. Routes answer
 * their own documented errors; reaching this guard is a bug the fuzzer (tools/fuzz) looks for.
 */
export function guardedHandler(handler: Handler, log?: (line: string) => void): http.RequestListener {
  return (req, res) => {
    const fail = (err: unknown) => {
      const reply = reportInternalError(`HTTP ${req.method ?? '?'} ${req.url ?? '?'}`, err, log);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'INTERNAL', message: reply.message, id: reply.id }));
    };
    // A request or response stream error (client reset mid-body) must not become an uncaught 'error'.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    try {
      const r = handler(req, res);
      if (r) r.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}
