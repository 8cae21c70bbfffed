/**
 * A namespace that is not set up for the project, on the real dev server: one without the search
 * attributes, and one that does not exist. The worker refuses to start, and the CLI and the
 * client library name what is missing and how to create it, instead of the server's bare
 * "Failed to start Workflow" or an empty list. The setup step then fixes it, and running it again
 * changes nothing.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { KycClient, NamespaceNotSetUpError } from '../../client';
import { ensureNamespaceSetup } from '../../common/namespace-setup';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { startWorkerProcess } from '../../scripts/lib/worker-process';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';
import { approvalInput } from '../support/device-approval';

const ROOT = join(__dirname, '..', '..');
const ALL_NAMES = ALL_SEARCH_ATTRIBUTES.map((key) => key.name);

let stack: TestStack;
let connection: Connection;
const bare = uniqueId('kyc-bare');
const absent = uniqueId('kyc-absent');

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  connection = await Connection.connect({ address: harnessInfo().temporalAddress });
  await connection.workflowService.registerNamespace({
    namespace: bare,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
});
afterAll(async () => {
  await connection?.close();
  await stack?.shutdown();
});

/** The library on another namespace of the same server, as a caller configured with it would use it. */
function client(namespace: string): KycClient {
  const temporal = new Client({ connection: stack.client.connection, namespace, dataConverter: stack.dataConverter });
  return new KycClient(temporal, { ...stack.config.temporal, namespace });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The worker process on another namespace, with the run's prebuilt workflow bundle. */
function startWorkerOn(namespace: string) {
  return startWorkerProcess({
    env: {
      ...process.env,
      ...stack.env,
      TEMPORAL_NAMESPACE: namespace,
      KYC_WORKFLOW_BUNDLE: harnessInfo().workflowBundlePath,
    },
  });
}

function cli(args: string[], namespace: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'client', 'bin.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env, TEMPORAL_NAMESPACE: namespace },
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

it('the worker refuses to start, naming the missing search attributes and the commands that create them', async () => {
  const error = await rejection(startWorkerOn(bare));
  const message = String(error);
  expect(message).toContain('exited with code 2');
  expect(message).toContain(`the namespace "${bare}" lacks the search attributes ${ALL_NAMES.join(', ')}`);
  expect(message).toContain(
    `temporal operator search-attribute create --namespace ${bare} --name DeviceApprovalStatus --type Keyword`,
  );
});

it('the worker refuses to start on a namespace that does not exist', async () => {
  const error = await rejection(startWorkerOn(absent));
  expect(String(error)).toContain(`the namespace "${absent}" does not exist`);
  expect(String(error)).toContain(`temporal operator namespace create --namespace ${absent}`);
});

it('the client library says what is missing when a start is refused and when a list finds nothing', async () => {
  const kyc = client(bare);
  const started = await rejection(kyc.deviceApprovals.start(approvalInput(randomUUID())));
  expect(started).toBeInstanceOf(NamespaceNotSetUpError);
  expect(started).toMatchObject({ namespace: bare, namespaceMissing: false, missingSearchAttributes: ALL_NAMES });

  const listed = await rejection(kyc.deviceApprovals.list({ status: 'WAITING_FOR_TOKEN' }));
  expect(listed).toBeInstanceOf(NamespaceNotSetUpError);
});

it('`kyc device list` prints what is missing and exits with the connection code', async () => {
  const run = await cli(['device', 'list', '--waiting'], bare);
  expect(run.code).toBe(5);
  expect(run.stderr).toContain('lacks the search attributes');
  expect(run.stderr).toContain('npm run setup-namespace');
});

it('every kyc command on a namespace that does not exist prints the setup guidance and exits 5', async () => {
  const commands = [
    ['phone', 'status', 'ns-check-1'],
    [
      'phone',
      'check',
      '--request-id',
      'ns-check-2',
      '--phone',
      '13812345600',
      '--id-card',
      '11010519491231002X',
      '--name',
      'Test',
    ],
    ['identity', 'status', 'ns-flow-1'],
    ['device', 'status', `${randomUUID()}/${randomUUID()}`],
  ];
  for (const args of commands) {
    const run = await cli(args, absent);
    expect({ args, code: run.code }).toEqual({ args, code: 5 });
    expect(run.stderr).toContain(`the namespace "${absent}" does not exist`);
    expect(run.stderr).toContain('npm run setup-namespace');
    expect(run.stderr).toContain(`temporal operator namespace create --namespace ${absent}`);
  }
  // The library gives the same typed error.
  const status = await rejection(client(absent).phoneChecks.status('ns-check-3'));
  expect(status).toBeInstanceOf(NamespaceNotSetUpError);
  expect(status).toMatchObject({ namespace: absent, namespaceMissing: true, missingSearchAttributes: ALL_NAMES });
});

it('the setup step creates what is missing, and a second run changes nothing', async () => {
  expect(await ensureNamespaceSetup(connection, bare)).toEqual({
    createdNamespace: false,
    addedSearchAttributes: ALL_NAMES,
  });
  expect(await ensureNamespaceSetup(connection, bare)).toEqual({ createdNamespace: false, addedSearchAttributes: [] });
  const worker = await startWorkerOn(bare);
  await worker.kill('SIGTERM');
});
