/**
 * A throwaway certificate authority and a broker certificate for 127.0.0.1/localhost, made with
 * openssl at test time (nothing secret is committed). PEM files only: the broker reads PEM key
 * stores, the fleet's clients take PEM (KAFKA_SSL_CA_FILE, ssl.truststore.type=PEM).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestCertificates {
  /** The CA certificate that signed the broker's (what clients trust). */
  caFile: string;
  /** Broker key store: its PKCS#8 key, encrypted with `keyPassword`, and its certificate. */
  brokerKeystoreFile: string;
  keyPassword: string;
  /** A second CA, unrelated to the broker's certificate (a client trusting only it must fail). */
  otherCaFile: string;
}

const openssl = (cwd: string, args: string[]) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

function selfSignedCa(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  return { key, cert };
}

/** Writes the CA, the broker certificate and an unrelated CA into `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const ca = selfSignedCa(dir, 'eos-test-ca');
  const other = selfSignedCa(dir, 'eos-other-ca');
  const keyPassword = 'broker-key-pass';
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'broker.key',
    '-out',
    'broker.csr',
    '-subj',
    '/CN=localhost',
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'broker.csr',
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    'broker.crt',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  // Kafka's file-based PEM key store wants an encrypted PKCS#8 key (and ssl.key.password).
  openssl(dir, [
    'pkcs8',
    '-topk8',
    '-in',
    'broker.key',
    '-out',
    'broker.p8',
    '-v1',
    'PBE-SHA1-3DES',
    '-passout',
    `pass:${keyPassword}`,
  ]);
  const brokerKeystoreFile = path.join(dir, 'broker-keystore.pem');
  fs.writeFileSync(
    brokerKeystoreFile,
    fs.readFileSync(path.join(dir, 'broker.p8'), 'utf8') +
      fs.readFileSync(path.join(dir, 'broker.crt'), 'utf8'),
  );
  return { caFile: ca.cert, brokerKeystoreFile, keyPassword, otherCaFile: other.cert };
}
