import * as grpc from '@grpc/grpc-js';
import { ControlError, redactSecrets, type FleetController } from '@eos/control-plane';
import type { ControllerMessage, WorkerMessage, WorkerServiceServer } from '@eos/proto';
import { callIdentity } from './auth/grpc-auth';
import type { WorkerClaims } from './auth/worker-claims';
import { toGrpcError } from './grpc-errors';
import { MalformedRequest } from './grpc-guard';

/**
 * eos.v1.WorkerService: one bidirectional session per worker; Hello first. With `claims`, an
 * authenticated identity's Hello claims its worker id, and a Hello for an id another identity
 * holds is refused before the fleet sees it (the live worker keeps its session and tasks).
 */
export function workerService(
  fleet: FleetController,
  log: (m: string) => void,
  claims?: WorkerClaims,
): WorkerServiceServer {
  return {
    session(call: grpc.ServerDuplexStream<WorkerMessage, ControllerMessage>) {
      let workerId: string | undefined;
      let session: number | undefined;
      let ended = false;
      const channel = {
        send: (m: ControllerMessage) => {
          if (!ended) call.write(m);
        },
        close: () => {
          if (!ended) {
            ended = true;
            call.end();
          }
        },
      };
      const onError = (err: unknown) => {
        log(`session ${workerId ?? '?'}: ${redactSecrets((err as Error).message)}`);
        if (!ended) {
          ended = true;
          // grpc-js turns an 'error' event into the call's status and ends it; destroy() would
          // drop the stream without any status, leaving the worker waiting.
          const status = toGrpcError(err);
          call.emit('error', Object.assign(new Error(status.details ?? 'session failed'), status));
        }
      };
      // Messages after Hello wait for it to be processed (the worker may send them before Welcome's reconcile ends).
      let ready: Promise<void> | undefined;
      const handle = (body: NonNullable<WorkerMessage['body']>) => {
        if (workerId === undefined || session === undefined) return;
        switch (body.$case) {
          case 'heartbeat':
            fleet.heartbeat(workerId, session);
            break;
          case 'commits':
            fleet.heartbeat(workerId, session);
            fleet.commits(workerId, body.value.commits, session);
            break;
          case 'started':
            fleet.started(workerId, body.value, session);
            break;
          case 'released':
            fleet.released(workerId, body.value, session).catch(onError);
            break;
          case 'lost':
            fleet.lost(workerId, body.value, session).catch(onError);
            break;
          case 'inFlight':
            fleet.inFlight(workerId, body.value);
            break;
          case 'problem':
            fleet.problem(workerId, body.value);
            break;
          case 'drainRequest': {
            const id = workerId;
            fleet.drainWorker(id).then(
              () =>
                void fleet.recordAudit({
                  actor: `worker:${id}`,
                  action: 'DrainWorker',
                  target: id,
                  detail: body.value.reason,
                  outcome: 'OK',
                }),
              (err: unknown) => log(`drain request of ${id} refused: ${(err as Error).message}`),
            );
            break;
          }
          case 'hello':
            onError(new Error('hello may be sent once per session'));
            break;
        }
      };
      call.on('data', (m: WorkerMessage | MalformedRequest) => {
        // Guarded: a throw from a stream's 'data' listener would end the controller process.
        try {
          onMessage(m);
        } catch (err) {
          onError(err);
        }
      });
      const onMessage = (m: WorkerMessage | MalformedRequest) => {
        if (m instanceof MalformedRequest) {
          onError(new ControlError('INVALID_ARGUMENT', m.reason, 'message'));
          return;
        }
        const body = m.body;
        if (!body) return;
        if (!ready) {
          if (body.$case !== 'hello') {
            onError(new Error('the first message of a session must be hello'));
            return;
          }
          const who = callIdentity(call.metadata);
          const claim =
            claims && who && who.via !== 'open' ? claims.claim(body.value.workerId, who.name) : { ok: true };
          if (!claim.ok) {
            log(
              `hello for worker ${body.value.workerId} from ${who?.name} refused: held by another identity`,
            );
            ended = true;
            call.emit(
              'error',
              Object.assign(new Error('refused'), {
                code: grpc.status.PERMISSION_DENIED,
                details: `worker id ${body.value.workerId} is held by another identity; ${who?.name} may not use it`,
              }),
            );
            ready = Promise.reject(new Error('refused'));
            ready.catch(() => undefined);
            return;
          }
          ready = fleet.hello(body.value, channel).then((s) => {
            workerId = body.value.workerId;
            session = s;
          });
          ready.catch(onError);
          return;
        }
        ready = ready.then(
          () => handle(body),
          () => undefined, // Hello failed: onError closed the session already
        );
      };
      const closed = () => {
        if (workerId !== undefined && session !== undefined) fleet.disconnected(workerId, session);
        ended = true;
      };
      call.on('end', () => {
        closed();
        call.end();
      });
      call.on('error', closed);
      call.on('close', closed);
    },
  };
}
