/**
 * A broker's TLS material for the secure Kafka tests, from the test PKI (`test-pki.ts`, openssl at
 * test time; nothing secret is committed). PEM files only: the broker reads PEM key stores, the
 * fleet's clients take PEM (KAFKA_SSL_CA_FILE, ssl.truststore.type=PEM).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestPki } from './test-pki';

export interface TestCertificates {
  /** The CA certificate that signed the broker's (what clients trust). */
  caFile: string;
  /** Broker key store: its PKCS#8 key, encrypted with `keyPassword`, and its certificate. */
  brokerKeystoreFile: string;
  keyPassword: string;
  /** A second CA, unrelated to the broker's certificate (a client trusting only it must fail). */
  otherCaFile: string;
}

/** Writes the CA, the broker certificate and an unrelated CA into `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  const pki = makeTestPki('broker', dir);
  const other = makeTestPki('other', path.join(dir, 'other'));
  const keyPassword = 'broker-key-pass';
  // Kafka's file-based PEM key store wants an encrypted PKCS#8 key (and ssl.key.password).
  const p8 = path.join(dir, 'server.p8');
  execFileSync(
    'openssl',
    [
      'pkcs8',
      '-topk8',
      '-in',
      pki.serverKeyFile,
      '-out',
      p8,
      '-v1',
      'PBE-SHA1-3DES',
      '-passout',
      `pass:${keyPassword}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const brokerKeystoreFile = path.join(dir, 'broker-keystore.pem');
  fs.writeFileSync(
    brokerKeystoreFile,
    fs.readFileSync(p8, 'utf8') + fs.readFileSync(pki.serverCertFile, 'utf8'),
  );
  return { caFile: pki.caFile, brokerKeystoreFile, keyPassword, otherCaFile: other.caFile };
}
