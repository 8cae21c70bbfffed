/**
 * mTLS for real (issue 13 §4): cluster mode (PostgreSQL + Temporal server 1.29.1) with the
 * frontend requiring client certificates (deploy/temporal/config/kyc.yaml's global.tls), the
 * certificates made with the `openssl` CLI (scripts/lib/tls-certificates.ts, as `npm run cluster -- --tls-dir`). The worker process, the client library and the
 * `kyc` CLI connect only through Temporal's environment configuration — a TOML profile
 * (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE) or the TEMPORAL_TLS_* variables — and run a phone check
 * end to end; connections without the client certificate (or without TLS) are refused with a
 * message that names what to set.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KycClient, TemporalConnectionError } from '../../client';
import { startCluster, type Cluster } from '../../scripts/lib/cluster';
import {
  TLS_SERVER_NAME as TEST_SERVER_NAME,
  clusterMtls,
  makeCertificates,
  type ClusterCertificates,
} from '../../scripts/lib/tls-certificates';
import { startWorkerProcess, type WorkerProcess } from '../../scripts/lib/worker-process';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');
const FACTORS = { phone: '13812345600', idCard: '11010519491231002X', name: '张三' };

let dir: string;
let dataDir: string;
let certs: ClusterCertificates;
let cluster: Cluster;
let stack: TestStack;
let profileFile: string;
let worker: WorkerProcess | undefined;

/** The environment without any Temporal setting of the test run itself (e.g. an external TEMPORAL_ADDRESS). */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
}

/** What every process here gets besides its Temporal settings: task queue, payload keys, no checkout profile. */
function kycEnv(): NodeJS.ProcessEnv {
  return {
    KYC_TASK_QUEUE: stack.taskQueue,
    KYC_PAYLOAD_KEYS: harnessInfo().payloadKeys,
    // An empty data dir: no `.data/temporal.toml` of the checkout is picked up.
    KYC_DATA_DIR: join(dir, 'no-local-stack'),
  };
}

const profileEnv = () => ({ TEMPORAL_CONFIG_FILE: profileFile, TEMPORAL_PROFILE: 'secured' });

/** The TEMPORAL_TLS_* form of the same settings (no profile file). */
const tlsVariables = (withClientCert: boolean) => ({
  TEMPORAL_ADDRESS: cluster.address,
  TEMPORAL_NAMESPACE: cluster.namespace,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
  TEMPORAL_TLS_SERVER_NAME: TEST_SERVER_NAME,
  ...(withClientCert
    ? { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.client.key }
    : {}),
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kyc(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...baseEnv(), ...kycEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyc-mtls-'));
  certs = makeCertificates(dir);
  // Its own temporary folder: PostgreSQL runs as another user, who must reach it (mkdtemp makes it 0700).
  dataDir = mkdtempSync(join(tmpdir(), 'kyc-mtls-cluster-'));
  cluster = await startCluster({ dataDir, tls: clusterMtls(certs) });
  profileFile = join(dir, 'temporal.toml');
  writeFileSync(
    profileFile,
    [
      '[profile.secured]',
      `address = "${cluster.address}"`,
      `namespace = "${cluster.namespace}"`,
      '',
      '[profile.secured.tls]',
      `client_cert_path = "${certs.client.cert}"`,
      `client_key_path = "${certs.client.key}"`,
      `server_ca_cert_path = "${certs.caCert}"`,
      `server_name = "${TEST_SERVER_NAME}"`,
      '',
    ].join('\n'),
  );
  // The simulators, and a client for the test's own checks, connected through the profile too.
  stack = await startTestStack({
    workers: false,
    temporalAddress: cluster.address,
    namespace: cluster.namespace,
    env: profileEnv(),
  });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await stack?.shutdown();
  await cluster?.stop();
  for (const folder of [dir, dataDir]) if (folder) rmSync(folder, { recursive: true, force: true });
});

it('runs a flow end to end with the worker, the library and the CLI connected only through a profile or TEMPORAL_TLS_*', async () => {
  expect(stack.config.temporal.security?.describe()).toBe('mTLS (client certificate)');
  // The worker: the profile alone (no TEMPORAL_ADDRESS, no TEMPORAL_NAMESPACE in its environment).
  const workerEnv: NodeJS.ProcessEnv = {
    ...baseEnv(),
    ...Object.fromEntries(Object.entries(stack.env).filter(([name]) => !name.startsWith('TEMPORAL_'))),
    ...kycEnv(),
    ...profileEnv(),
    KYC_WORKFLOW_BUNDLE: harnessInfo().workflowBundlePath,
  };
  worker = await startWorkerProcess({ env: workerEnv, readyTimeoutMs: 90_000 });
  expect(worker.output()).toContain(`on ${cluster.address}`);

  // The library: the profile alone.
  const library = await KycClient.connect({ env: { ...kycEnv(), ...profileEnv() } });
  const requestId = uniqueId('mtls-phone');
  try {
    const check = await library.phoneChecks.run(FACTORS, requestId);
    expect(check.result).toMatchObject({ outcome: 'VERIFIED', billed: true });
  } finally {
    await library.close();
  }

  // The CLI: the TEMPORAL_TLS_* variables alone, then the profile.
  for (const env of [tlsVariables(true), profileEnv()]) {
    const status = await kyc(['phone', 'status', requestId, '--json'], env);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(status.stdout)).toMatchObject({ execution: 'COMPLETED', result: { outcome: 'VERIFIED' } });
  }
});

it('refuses a connection without the client certificate, or without TLS, naming what to set', async () => {
  const noCert = await kyc(['phone', 'status', 'mtls-nothing'], tlsVariables(false));
  expect(noCert.code).toBe(5);
  expect(noCert.stderr).toContain(`cannot use the Temporal server at ${cluster.address}`);
  expect(noCert.stderr).toMatch(/the server requires a client certificate \(mTLS\): set TEMPORAL_TLS_CLIENT_CERT_PATH/);

  const plain = await kyc(['phone', 'status', 'mtls-nothing'], {
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
  });
  expect(plain.code).toBe(5);
  expect(plain.stderr).toMatch(/the server speaks TLS and this connection is plain: configure TLS/);

  // The library says the same, as a TemporalConnectionError.
  const refused = KycClient.connect({ env: { ...kycEnv(), ...tlsVariables(false) } });
  await expect(refused).rejects.toBeInstanceOf(TemporalConnectionError);
  await expect(refused).rejects.toThrow(/requires a client certificate/);

  // The worker exits at start with the message, not a stack trace.
  const workerWithoutCert = startWorkerProcess({
    env: {
      ...baseEnv(),
      ...Object.fromEntries(Object.entries(stack.env).filter(([name]) => !name.startsWith('TEMPORAL_'))),
      ...kycEnv(),
      ...tlsVariables(false),
      KYC_WORKFLOW_BUNDLE: harnessInfo().workflowBundlePath,
    },
    readyTimeoutMs: 90_000,
  });
  await expect(workerWithoutCert).rejects.toThrow(
    /exited with code 1 before it was ready:\ncannot connect to Temporal at .* \(TLS\): .*requires a client certificate/,
  );
});
