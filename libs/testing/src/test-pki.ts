/** Certificates made at test time with Debian's openssl: a CA, a server certificate, client certificates. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPki {
  dir: string;
  /** The CA certificate (PEM) that signed everything below. */
  caFile: string;
  /** Server certificate for 127.0.0.1 and localhost, and its key. */
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate with subject CN=`name`, OU=`role` (the controller's identity mapping). */
  client(name: string, role: string): { certFile: string; keyFile: string };
  /** Removes the files. */
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/**
 * A CA and certificates signed by it (EC P-256, valid 2 days), in `dir` (created) or a fresh
 * temporary folder.
 */
export function makeTestPki(label = 'pki', dir?: string): TestPki {
  if (dir) fs.mkdirSync(dir, { recursive: true });
  else dir = fs.mkdtempSync(path.join(os.tmpdir(), `eos-${label}-`));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...key,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      `/CN=eos test CA ${label}`,
    ],
    dir,
  );
  const folder = dir;
  let serial = 1;
  const leaf = (base: string, subject: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${base}.ext`), ext);
    openssl(['req', ...key, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subject], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(serial++),
        '-out',
        `${base}.pem`,
        '-days',
        '2',
        '-extfile',
        `${base}.ext`,
      ],
      dir,
    );
    return { certFile: path.join(dir, `${base}.pem`), keyFile: path.join(dir, `${base}.key`) };
  };
  const server = leaf(
    'server',
    '/CN=localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n',
  );
  return {
    dir: folder,
    caFile: path.join(dir, 'ca.pem'),
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    client: (name, role) =>
      leaf(
        `client-${name}`,
        `/CN=${name}/OU=${role}`,
        'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n',
      ),
    remove: () => fs.rmSync(folder, { recursive: true, force: true }),
  };
}
