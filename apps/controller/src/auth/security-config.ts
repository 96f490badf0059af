import { z } from 'zod';

/** The controller's security settings (docs/security.md). */
export interface SecurityConfig {
  /** `token,name,role` lines; re-read on change and on SIGHUP. */
  tokensFile?: string;
  /** TLS on both ports; with `clientCaFile`, clients must present a certificate it signed (mTLS). */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  /** Bind beyond loopback without any authentication (logged as a warning). */
  insecure: boolean;
  /** Origins (scheme://host[:port]) besides the controller's own allowed to send mutations. */
  allowedOrigins: string[];
  /** Host names besides loopback names, IP literals and this machine's name that the HTTP API answers to. */
  allowedHosts: string[];
}

const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

export const SecurityEnv = z.object({
  /** Bearer tokens file, lines `token,name,role`. @default none */
  CONTROLLER_TOKENS_FILE: z.string().min(1).optional(),
  /** PEM certificate (chain) of both ports. @default none (plaintext) */
  CONTROLLER_TLS_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of that certificate. @default none */
  CONTROLLER_TLS_KEY_FILE: z.string().min(1).optional(),
  /** PEM CA that signs client certificates; set, every client must present one (mTLS). @default none */
  CONTROLLER_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  /** `true`: bind beyond loopback without authentication. @default false */
  CONTROLLER_INSECURE: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  /** Extra origins allowed to send mutations, comma-separated. @default none */
  CONTROLLER_ALLOWED_ORIGINS: list,
  /** Extra names the HTTP API answers to (Host header), comma-separated. @default none */
  CONTROLLER_ALLOWED_HOSTS: list,
});

/** Validates the security variables (already parsed by zod); throws naming the variable. */
export function securityConfig(e: z.output<typeof SecurityEnv>): SecurityConfig {
  const cert = e.CONTROLLER_TLS_CERT_FILE;
  const key = e.CONTROLLER_TLS_KEY_FILE;
  if (Boolean(cert) !== Boolean(key))
    throw new Error(
      'invalid environment: CONTROLLER_TLS_CERT_FILE and CONTROLLER_TLS_KEY_FILE go together: set both or neither',
    );
  if (e.CONTROLLER_TLS_CLIENT_CA_FILE && !cert)
    throw new Error(
      'invalid environment: CONTROLLER_TLS_CLIENT_CA_FILE needs CONTROLLER_TLS_CERT_FILE and CONTROLLER_TLS_KEY_FILE (mTLS is TLS)',
    );
  const allowedOrigins = e.CONTROLLER_ALLOWED_ORIGINS.map((o) => {
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new Error(
        `invalid environment: CONTROLLER_ALLOWED_ORIGINS: "${o}" is not an origin (scheme://host[:port])`,
      );
    }
    if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== ''))
      throw new Error(
        `invalid environment: CONTROLLER_ALLOWED_ORIGINS: "${o}" is not an origin (scheme://host[:port])`,
      );
    return url.origin;
  });
  return {
    tokensFile: e.CONTROLLER_TOKENS_FILE,
    tls:
      cert && key
        ? { certFile: cert, keyFile: key, clientCaFile: e.CONTROLLER_TLS_CLIENT_CA_FILE }
        : undefined,
    insecure: e.CONTROLLER_INSECURE,
    allowedOrigins,
    allowedHosts: e.CONTROLLER_ALLOWED_HOSTS.map((h) => h.toLowerCase()),
  };
}

/** Whether clients must authenticate (tokens or client certificates). */
export const authenticationConfigured = (s: SecurityConfig) => Boolean(s.tokensFile || s.tls?.clientCaFile);

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

/**
 * The bind address. Secure by default: without authentication the controller listens on loopback
 * only, unless CONTROLLER_INSECURE=true; an explicit CONTROLLER_HOST beyond loopback without
 * either is refused. With authentication the default is every interface.
 */
export function bindHost(explicit: string | undefined, s: SecurityConfig): string {
  if (authenticationConfigured(s) || s.insecure) return explicit ?? '0.0.0.0';
  if (explicit !== undefined && !isLoopback(explicit))
    throw new Error(
      `invalid environment: CONTROLLER_HOST=${explicit} binds beyond loopback without authentication: set CONTROLLER_TOKENS_FILE or CONTROLLER_TLS_CLIENT_CA_FILE, or CONTROLLER_INSECURE=true to accept that anyone who reaches the ports controls the fleet`,
    );
  return explicit ?? '127.0.0.1';
}
