/**
 * A private Temporal dev server with a database file is stopped while an approval waits for its
 * token and started again on the same port and file: the worker and the client reconnect, the
 * approval is still waiting with its state, and the token approves it. One device is created.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { loadConfig } from '../../common/config';
import {
  approvalStateQuery,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
} from '../../contracts/device-approval';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { createWorkers } from '../../worker/workers';
import { harnessInfo, startDevServer, startTestStack, uniqueId, type DevServer, type TestStack } from '../harness';

const APPROVER_CPF = '52998224725';

let stack: TestStack;
let server: DevServer;
let dbFile: string;
let workerConnection: NativeConnection;
let clientConnection: Connection;
let client: Client;
let workers: Worker[] = [];
let running: Promise<unknown> = Promise.resolve();

beforeAll(async () => {
  const info = harnessInfo();
  stack = await startTestStack({ workers: false });
  dbFile = join(__dirname, '..', '..', 'test-output', `${uniqueId('device-approval-restart')}.db`);
  server = await startDevServer({ cliPath: info.cliPath, dbFile });
  const config = loadConfig({ ...stack.env, TEMPORAL_ADDRESS: server.address });
  workerConnection = await NativeConnection.connect({ address: server.address });
  workers = await createWorkers({
    connection: workerConnection,
    config,
    dataConverter: stack.dataConverter,
    workflowBundlePath: info.workflowBundlePath,
    overrides: { shutdownGraceTime: '1s' },
  });
  running = Promise.all(workers.map((worker) => worker.run()));
  clientConnection = await Connection.connect({ address: server.address });
  client = new Client({
    connection: clientConnection,
    namespace: server.namespace,
    dataConverter: stack.dataConverter,
  });
});

afterAll(async () => {
  for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await workerConnection?.close();
  await clientConnection?.close();
  await server?.stop();
  await stack?.shutdown();
  if (dbFile) rmSync(dbFile, { force: true });
});

async function eventually<T>(read: () => Promise<T>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await read();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${what} did not succeed: ${String(lastError)}`);
}

it('keeps waiting across a dev server restart and approves afterwards', async () => {
  const bank = new BankDeviceControl(stack.simulators.controls.bank);
  const accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
  const request: DeviceApprovalInput = {
    accountKey,
    deviceKey: randomUUID(),
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'email',
    policy: { approvalDeadlineMs: 120_000 },
  };
  const handle = await client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
  await eventually(async () => {
    const state = await handle.query(approvalStateQuery);
    if (state.status !== 'WAITING_FOR_TOKEN') throw new Error(state.status);
  }, 'reaching WAITING_FOR_TOKEN');
  const before = await handle.query(approvalStateQuery);

  await server.stop();
  server = await startDevServer({ cliPath: harnessInfo().cliPath, dbFile, port: server.port });

  const after = await eventually(() => handle.query(approvalStateQuery), 'querying after the restart');
  expect(after).toEqual(before);
  const { token } = await bank.sentToken(request.deviceKey);
  // A fixed update id makes the retry safe: the server runs one update per id.
  const updateId = randomUUID();
  const outcome = await eventually(
    () => handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }], updateId }),
    'submitting the token after the restart',
  );
  expect(outcome).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');
  expect(await bank.counter('devicesCreated')).toBe(1);
  expect(await bank.counter(`calls:${BANK_ROUTES.create}`)).toBe(1);
});
