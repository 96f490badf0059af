import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { ControllerAuthConfig } from './config';

function readPem(file: string, variable: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${variable}=${file}: ${(err as Error).message}`);
  }
}

/**
 * The channel credentials of the worker's session: plaintext, or TLS verifying the controller
 * with CONTROLLER_CA_FILE (system CAs without it), presenting WORKER_TLS_CERT_FILE for mTLS.
 * Reads the files now, so a wrong path fails the start naming its variable.
 */
export function controllerCredentials(c: ControllerAuthConfig): grpc.ChannelCredentials {
  if (!c.tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(
    c.tls.caFile ? readPem(c.tls.caFile, 'CONTROLLER_CA_FILE') : null,
    c.tls.keyFile ? readPem(c.tls.keyFile, 'WORKER_TLS_KEY_FILE') : null,
    c.tls.certFile ? readPem(c.tls.certFile, 'WORKER_TLS_CERT_FILE') : null,
  );
}
