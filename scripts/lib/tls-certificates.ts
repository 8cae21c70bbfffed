/**
 * Certificates for cluster mode with mTLS, made with the `openssl` CLI: one CA, a server
 * certificate for the Temporal frontend (names `kyc-temporal.test`, `localhost` and 127.0.0.1), and
 * client certificates. EC P-256 keys in PKCS#8 PEM. Used by `npm run cluster -- --tls-dir` and the
 * mTLS tests; for loopback trials only: the keys are not protected and the CA key stays beside them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterTlsOptions } from './cluster';

/** The DNS name in the server certificate that clients check (TEMPORAL_TLS_SERVER_NAME / server_name). */
export const TLS_SERVER_NAME = 'kyc-temporal.test';

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface ClusterCertificates {
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

function issue(dir: string, days: number, name: string, subject: string, extensions: string): CertificatePair {
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
      String(days),
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

/** The files makeCertificates writes into `dir`. */
export function certificatePaths(dir: string): ClusterCertificates {
  const pair = (name: string) => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) });
  return { caCert: join(dir, 'ca.pem'), server: pair('server'), client: pair('client'), systemWorker: pair('system-worker') };
}

/**
 * Writes a CA, the server and two client certificates into `dir` (made when missing), valid
 * `days` days.
 *
 * @returns the files' paths
 * @throws Error when `openssl` is missing or fails
 */
export function makeCertificates(dir: string, days = 2): ClusterCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
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
      String(days),
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
      days,
      'server',
      `/CN=${TLS_SERVER_NAME}`,
      leaf('serverAuth', `subjectAltName=DNS:${TLS_SERVER_NAME},DNS:localhost,IP:127.0.0.1`),
    ),
    client: issue(dir, days, 'client', '/CN=kyc-worker', leaf('clientAuth')),
    systemWorker: issue(dir, days, 'system-worker', '/CN=temporal-system-worker', leaf('clientAuth')),
  };
}

/** The certificates in `dir` when all of them are there, else new ones (`days` valid). */
export function ensureCertificates(dir: string, days: number): { certificates: ClusterCertificates; made: boolean } {
  const paths = certificatePaths(dir);
  const files = [paths.caCert, ...[paths.server, paths.client, paths.systemWorker].flatMap((pair) => [pair.cert, pair.key])];
  if (files.every((file) => existsSync(file))) return { certificates: paths, made: false };
  return { certificates: makeCertificates(dir, days), made: true };
}

/** startCluster's `tls` for these certificates: the frontend requires client certificates signed by the CA. */
export function clusterMtls(certificates: ClusterCertificates): ClusterTlsOptions {
  return {
    serverCertFile: certificates.server.cert,
    serverKeyFile: certificates.server.key,
    serverCaFile: certificates.caCert,
    serverName: TLS_SERVER_NAME,
    requireClientAuth: true,
    clientCaFile: certificates.caCert,
    clientCertFile: certificates.systemWorker.cert,
    clientKeyFile: certificates.systemWorker.key,
  };
}
