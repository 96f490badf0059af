/**
 * Credentials in URLs (`redis://:password@host`, `redis://user:password@host`,
 * `http://user:password@host`) replaced by `***`, so error messages and log lines never carry
 * them. The user name stays (it helps to tell which account failed); only what follows the colon
 * of the user-info part goes.
 */
export function redactSecrets(text: string): string {
  return text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/gi,
    (_m, scheme: string, user: string) => `${scheme}${user}:***@`,
  );
}

/** A URL for messages and logs: its password (if any) replaced by `***`. */
export const redactUrl = (url: string): string => redactSecrets(url);
