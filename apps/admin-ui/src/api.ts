/** The controller's HTTP JSON API (same operations and errors as the gRPC AdminService). Paths are
 * relative to the page, so the UI also works behind a reverse proxy that serves it under a sub-path. */
import {
  ApiError,
  type AuditRecord,
  type Pipeline,
  type PipelineSpec,
  type PipelineStatus,
  type Rollout,
  type RolloutStrategy,
  type Worker,
} from './model';
import { authHeaders } from './session';

/** The signed-in token, sent on every call, and what to do when the controller answers 401. */
export const credentials: { token?: string; onUnauthorized: (message: string) => void } = {
  onUnauthorized: () => undefined,
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', ...authHeaders(credentials.token) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'UNAVAILABLE', `controller unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON (a proxy's error page): reported below with the status.
  }
  if (!res.ok) {
    const message = typeof json['message'] === 'string' ? json['message'] : `HTTP ${res.status}`;
    const code = typeof json['code'] === 'string' ? json['code'] : 'UNKNOWN';
    const field = typeof json['field'] === 'string' ? json['field'] : undefined;
    if (res.status === 401) credentials.onUnauthorized(message);
    throw new ApiError(res.status, code, message, field);
  }
  return json as T;
}

const enc = encodeURIComponent;

/** `GET api/whoami` with a token to try (the login screen) or none (is authentication on?). */
export async function whoami(
  token: string | undefined,
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch('api/whoami', { headers: authHeaders(token) });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { message: text.slice(0, 200) };
    }
    return { status: res.status, body };
  } catch (err) {
    return { status: 0, body: { message: `controller unreachable: ${(err as Error).message}` } };
  }
}

/**
 * The controller's live events (SSE) read with fetch, because EventSource cannot send an
 * authorization header. Calls `on(event)` per event; resolves when the stream ends, rejects on error.
 */
export async function readEvents(on: (event: string) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch('api/events', { headers: authHeaders(credentials.token), signal });
  if (res.status === 401) credentials.onUnauthorized('signed out');
  if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      if (event) on(event);
    }
  }
}

export const api = {
  listWorkers: () => call<{ workers?: Worker[] }>('GET', 'api/workers').then((r) => r.workers ?? []),
  listPipelines: () =>
    call<{ pipelines?: Pipeline[] }>('GET', 'api/pipelines').then((r) => r.pipelines ?? []),
  pipelineStatus: (name: string) => call<PipelineStatus>('GET', `api/pipelines/${enc(name)}/status`),
  listRollouts: () => call<{ rollouts?: Rollout[] }>('GET', 'api/rollouts').then((r) => r.rollouts ?? []),
  audit: (limit = 50) =>
    call<{ records?: AuditRecord[] }>('GET', `api/audit?limit=${limit}`).then((r) => r.records ?? []),
  createPipeline: (spec: PipelineSpec) => call<{ pipeline?: Pipeline }>('POST', 'api/pipelines', { spec }),
  updatePipeline: (spec: PipelineSpec, strategy?: RolloutStrategy) =>
    call<{ rolloutId?: string }>('PUT', `api/pipelines/${enc(spec.name ?? '')}`, { spec, strategy }),
  pipelineAction: (name: string, action: 'pause' | 'resume' | 'stop') =>
    call<{ pipeline?: Pipeline }>('POST', `api/pipelines/${enc(name)}/${action}`),
  deletePipeline: (name: string) => call<object>('DELETE', `api/pipelines/${enc(name)}`),
  drainWorker: (id: string, deadlineMs = 0) =>
    call<{ worker?: Worker }>('POST', `api/workers/${enc(id)}/drain`, { deadlineMs }),
  undrainWorker: (id: string) => call<{ worker?: Worker }>('POST', `api/workers/${enc(id)}/undrain`),
  rolloutAction: (id: string, action: 'pause' | 'resume' | 'abort') =>
    call<Rollout>('POST', `api/rollouts/${enc(id)}/${action}`),
};
