import { invalid } from '@eos/control-plane';

/** Longest request target (path and query) the HTTP API accepts, in characters. */
export const MAX_REQUEST_TARGET = 2048;

/** A request target that passed {@link parseRequestTarget}. */
export interface RequestTarget {
  /** The path as sent (still percent-encoded; route parameters are decoded one by one). */
  pathname: string;
  /** The decoded path (no control characters, no empty segments). */
  decodedPath: string;
  query: URLSearchParams;
}

/**
 * Checks an HTTP request target before anything routes on it, so that no route can meet a path
 * that throws later (`new URL('//', base)` throws; a `%00` reaches `fs.stat`, which throws
 * synchronously): only origin-form paths (`/...`; not absolute-form `http://host/...`, not `*`),
 * at most {@link MAX_REQUEST_TARGET} characters, no empty segment (`//`), well-formed percent
 * escapes, and no control character once decoded. Throws INVALID_ARGUMENT (field `url`) naming the
 * rule; the HTTP layer answers 400.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget {
  const target = raw ?? '';
  if (target.length > MAX_REQUEST_TARGET)
    throw invalid('url', `request target of ${target.length} characters; at most ${MAX_REQUEST_TARGET}`);
  if (!target.startsWith('/'))
    throw invalid(
      'url',
      `request target must be a path starting with "/" (origin-form), got ${preview(target)}`,
    );
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const search = q < 0 ? '' : target.slice(q + 1);
  if (pathname.includes('//')) throw invalid('url', `empty path segment ("//") in ${preview(pathname)}`);
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(pathname);
  } catch {
    throw invalid('url', `malformed URL escape in ${preview(pathname)}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decodedPath))
    throw invalid('url', `control character (e.g. %00) in path ${preview(pathname)}`);
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(search);
  } catch {
    throw invalid('url', `malformed query string ${preview(search)}`);
  }
  return { pathname, decodedPath, query };
}

/** At most 80 characters of what was sent, JSON-quoted (control characters escaped). */
function preview(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}
