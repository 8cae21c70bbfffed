/**
 * Test certificates made with the `openssl` CLI: one CA, a server certificate for the Temporal
 * frontend (names `kyc-temporal.test`, `localhost` and 127.0.0.1), and client certificates for
 * mTLS. EC P-256 keys in PKCS#8 PEM, valid two days. For tests only: the keys are not protected.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The DNS name in the server certificate that clients check (TEMPORAL_TLS_SERVER_NAME / server_name). */
export const TEST_SERVER_NAME = 'kyc-temporal.test';

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface TestCertificates {
  /** The CA certificate (trusted by both sides: it signs the server and the client certificates). */
  caCert: string;
  server: CertificatePair;
  /** For the project's workers, library and CLI. */
  client: CertificatePair;
  /** For the Temporal server's own system workers and cluster mode's set-up connections. */
  systemWorker: CertificatePair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, extensions: string): CertificatePair {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/** Writes the CA, the server and two client certificates into `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-sha256',
      '-subj',
      '/CN=kyc-temporal test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const leaf = (usage: string, names = '') =>
    ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${usage}`, names]
      .filter(Boolean)
      .join('\n') + '\n';
  return {
    caCert: join(dir, 'ca.pem'),
    server: issue(
      dir,
      'server',
      `/CN=${TEST_SERVER_NAME}`,
      leaf('serverAuth', `subjectAltName=DNS:${TEST_SERVER_NAME},DNS:localhost,IP:127.0.0.1`),
    ),
    client: issue(dir, 'client', '/CN=kyc-worker', leaf('clientAuth')),
    systemWorker: issue(dir, 'system-worker', '/CN=temporal-system-worker', leaf('clientAuth')),
  };
}
