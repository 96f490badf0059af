import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { HttpSecurity } from '../http-security';
import { Authenticator } from './authenticator';
import { authInterceptor } from './grpc-auth';
import { authenticationConfigured, isLoopback, type SecurityConfig } from './security-config';
import { TokenStore } from './token-store';

/** Everything the controller's two ports need to authenticate callers, built from its config. */
export interface ControllerSecurity {
  auth: Authenticator;
  http: HttpSecurity;
  /** Authenticates and authorizes every gRPC call. */
  interceptor: grpc.ServerInterceptor;
  grpcCredentials: grpc.ServerCredentials;
  /** An http or https server (with client certificates verified, for mTLS) around a handler. */
  httpServer: (handler: http.RequestListener) => http.Server;
  /** Re-reads the tokens file (SIGHUP). */
  reload(): void;
  /** What is on, for the start log line; warnings about weak setups go to `log` at creation. */
  summary: string;
  close(): void;
}

function readPem(file: string, variable: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${variable}=${file}: ${(err as Error).message}`);
  }
}

/**
 * Reads the certificates and tokens named by the config (failing with the variable's name) and
 * builds the gRPC and HTTP security. Logs, never the tokens, what callers must present.
 */
export function createControllerSecurity(
  config: SecurityConfig,
  host: string,
  log: (m: string) => void,
): ControllerSecurity {
  const tokens = config.tokensFile
    ? (() => {
        try {
          return new TokenStore({ file: config.tokensFile, log });
        } catch (err) {
          throw new Error(`CONTROLLER_TOKENS_FILE: ${(err as Error).message}`);
        }
      })()
    : undefined;
  tokens?.watch();
  const tls = config.tls && {
    cert: readPem(config.tls.certFile, 'CONTROLLER_TLS_CERT_FILE'),
    key: readPem(config.tls.keyFile, 'CONTROLLER_TLS_KEY_FILE'),
    ca: config.tls.clientCaFile
      ? readPem(config.tls.clientCaFile, 'CONTROLLER_TLS_CLIENT_CA_FILE')
      : undefined,
  };
  const auth = new Authenticator({ tokens, clientCertificates: Boolean(tls?.ca) });
  const grpcCredentials = tls
    ? grpc.ServerCredentials.createSsl(
        tls.ca ?? null,
        [{ private_key: tls.key, cert_chain: tls.cert }],
        Boolean(tls.ca),
      )
    : grpc.ServerCredentials.createInsecure();
  const httpServer = (handler: http.RequestListener): http.Server =>
    tls
      ? https.createServer(
          {
            cert: tls.cert,
            key: tls.key,
            ca: tls.ca,
            requestCert: Boolean(tls.ca),
            rejectUnauthorized: Boolean(tls.ca),
          },
          handler,
        )
      : http.createServer(handler);

  const parts = [
    tls ? (tls.ca ? 'TLS with client certificates (mTLS)' : 'TLS') : 'plaintext',
    tokens ? `${tokens.size} bearer tokens from ${config.tokensFile}` : undefined,
  ].filter(Boolean);
  if (!authenticationConfigured(config)) {
    if (isLoopback(host))
      log(
        `no authentication configured: listening on loopback (${host}) only; set CONTROLLER_TOKENS_FILE and/or CONTROLLER_TLS_CLIENT_CA_FILE to serve other hosts (docs/security.md)`,
      );
    else
      log(
        `WARNING: CONTROLLER_INSECURE=true: listening on ${host} WITHOUT authentication: anyone who reaches these ports controls the fleet`,
      );
  } else if (tokens && !tls && !isLoopback(host))
    log(`WARNING: bearer tokens without TLS on ${host}: tokens cross the network in clear text`);
  return {
    auth,
    http: new HttpSecurity({
      auth,
      tls: Boolean(tls),
      allowedOrigins: config.allowedOrigins,
      allowedHosts: config.allowedHosts,
    }),
    interceptor: authInterceptor(auth),
    grpcCredentials,
    httpServer,
    reload: () => {
      if (tokens) tokens.reload();
      else log('SIGHUP: no CONTROLLER_TOKENS_FILE to reload');
    },
    summary: `${parts.join(', ')}${auth.enabled ? '' : ', no authentication'}`,
    close: () => tokens?.close(),
  };
}
