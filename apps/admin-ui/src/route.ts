/** Hash routes: #/, #/pipelines/<name>, #/pipelines/<name>/edit, #/new, #/workers, #/rollouts. */
export type Route =
  | { page: 'overview' }
  | { page: 'pipeline'; name: string }
  | { page: 'edit'; name: string }
  | { page: 'new' }
  | { page: 'workers' }
  | { page: 'rollouts' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'pipelines' && parts[1]) {
    return parts[2] === 'edit' ? { page: 'edit', name: parts[1] } : { page: 'pipeline', name: parts[1] };
  }
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'workers') return { page: 'workers' };
  if (parts[0] === 'rollouts') return { page: 'rollouts' };
  return { page: 'overview' };
}
