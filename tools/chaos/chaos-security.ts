/**
 * `--secure`: the chaos stack with TLS on both controller ports and bearer tokens (one per worker,
 * an admin token for the harness), certificates made at run time with openssl.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { makeTestPki, type TestPki } from '@eos/testing';

export interface ChaosSecurity {
  controllerEnv: Record<string, string>;
  workerEnv(workerId: string): Record<string, string>;
  /** An HTTPS request to the controller's HTTP API as the admin. */
  request(
    method: string,
    url: string,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; text: string }>;
  remove(): void;
}

export function chaosSecurity(dir: string, workerIds: string[]): ChaosSecurity {
  fs.mkdirSync(dir, { recursive: true });
  const pki: TestPki = makeTestPki('chaos');
  const token = (name: string) =>
    `chaos-${name}-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const admin = token('admin');
  const workers = new Map(workerIds.map((id) => [id, token(id)]));
  const tokensFile = path.join(dir, 'tokens.csv');
  fs.writeFileSync(
    tokensFile,
    [`${admin},chaos-harness,admin`, ...[...workers].map(([id, t]) => `${t},${id},worker`)].join('\n') + '\n',
    { mode: 0o600 },
  );
  const ca = fs.readFileSync(pki.caFile);
  return {
    controllerEnv: {
      CONTROLLER_TOKENS_FILE: tokensFile,
      CONTROLLER_TLS_CERT_FILE: pki.serverCertFile,
      CONTROLLER_TLS_KEY_FILE: pki.serverKeyFile,
    },
    workerEnv: (id) => ({ WORKER_TOKEN: workers.get(id) ?? '', CONTROLLER_CA_FILE: pki.caFile }),
    request: (method, url, body, timeoutMs) =>
      new Promise((resolve, reject) => {
        const req = https.request(
          url.replace(/^http:/, 'https:'),
          {
            method,
            ca,
            servername: 'localhost',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
            timeout: timeoutMs,
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      }),
    remove: () => pki.remove(),
  };
}
