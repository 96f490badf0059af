import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { sendJson as send } from './send-json';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * The admin UI's static files. Hashed assets are cached for good; any other path that is not a
 * file gets index.html (the UI routes on the hash, so this only matters for bookmarks).
 */
export function serveStatic(
  dir: string | undefined,
  urlPath: string,
  decodedPath: string,
  res: http.ServerResponse,
): void {
  if (!dir)
    return send(res, 404, {
      code: 'NOT_FOUND',
      message: 'the admin UI is not built here (npm run build builds dist/apps/admin-ui)',
    });
  const root = path.resolve(dir);
  let file = path.resolve(root, '.' + path.posix.normalize(decodedPath));
  if (file !== root && !file.startsWith(root + path.sep))
    return send(res, 404, { code: 'NOT_FOUND', message: `no file ${urlPath}` });
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) file = path.join(root, 'index.html');
    fs.readFile(file, (readErr, data) => {
      if (readErr) return send(res, 404, { code: 'NOT_FOUND', message: `no file ${urlPath}` });
      const immutable = file.includes(`${path.sep}assets${path.sep}`);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(data);
    });
  });
}
