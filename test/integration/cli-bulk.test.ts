/**
 * Bulk actions by query through the `kyc` binary (the npm bin shim in a subprocess) against the
 * real dev server, the production workers and the simulators: a dry run lists what would be
 * done, `--yes` does it one at a time with a progress line per workflow and a summary, and a
 * repeated bulk cancel (same reason, hence the same request ids) does not act twice.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { KycClient } from '../../client';
import { approvalStateQuery, deviceApprovalStartOptions } from '../../contracts/device-approval';
import { identityFlowOutlineQuery, identityFlowStartOptions } from '../../contracts/identity-flow';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { startTestStack, type TestStack } from '../harness';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stack: TestStack;
let kycClient: KycClient;
let bank: BankDeviceControl;

beforeAll(async () => {
  stack = await startTestStack();
  kycClient = new KycClient(stack.client, stack.config.temporal);
  bank = new BankDeviceControl(stack.simulators.controls.bank);
});
afterAll(() => stack?.shutdown());

function kyc(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env },
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

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} never happened; last: ${JSON.stringify(last)}`);
}

it('kyc device cancel --account-key A --waiting: dry run, then --yes cancels each once, then a re-run acts on none', async () => {
  const accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
  const requests = [1, 2, 3].map(() => approvalInput(accountKey));
  const handles = await Promise.all(
    requests.map((request) =>
      stack.client.workflow.start<typeof deviceApprovalWorkflow>(
        'deviceApprovalWorkflow',
        deviceApprovalStartOptions(request, stack.taskQueue),
      ),
    ),
  );
  for (const handle of handles) {
    await until(
      () => handle.query(approvalStateQuery),
      (state) => state.status === 'WAITING_FOR_TOKEN',
      'WAITING_FOR_TOKEN',
    );
  }
  await until(
    () => kycClient.deviceApprovals.list({ accountKey, status: 'WAITING_FOR_TOKEN', execution: 'Running' }),
    (items) => items.length === 3,
    'the three approvals listed',
  );
  const ids = handles.map((handle) => handle.workflowId).sort();
  const filter = ['device', 'cancel', '--reason', 'bulk test', '--account-key', accountKey, '--waiting'];

  const dryRun = await kyc(filter);
  expect(dryRun.code).toBe(0);
  expect(dryRun.stdout).toContain('3 running workflow(s) match; dry run, nothing was done:');
  for (const id of ids) expect(dryRun.stdout).toContain(id);
  for (const handle of handles) expect((await handle.query(approvalStateQuery)).status).toBe('WAITING_FOR_TOKEN');

  const disabledBefore = await bank.counter('devicesDisabled');
  const run = await kyc([...filter, '--yes', '--rate', '20']);
  expect(run.code).toBe(0);
  expect(run.stdout.trim()).toBe('cancelled 3, already ended 0, failed 0 (of 3)');
  const progress = run.stderr.trim().split('\n');
  expect(progress).toHaveLength(3);
  expect(progress[2]).toMatch(/^\[3\/3\] device-approval\/.+: done \(device disabled\)$/);
  for (const handle of handles) expect((await handle.result()).status).toBe('CANCELLED');
  expect((await bank.counter('devicesDisabled')) - disabledBefore).toBe(3);

  // The same bulk cancel again, on the same ids (same reason, same request ids): the server hands
  // back each first outcome (deduplicated by update id) and no device is disabled twice.
  const again = await kycClient.deviceApprovals.cancelMany(ids, 'bulk test', { ratePerSecond: 20 });
  expect(again).toMatchObject({ total: 3, done: 3, failed: 0 });
  expect((await bank.counter('devicesDisabled')) - disabledBefore).toBe(3);

  const none = await kyc([...filter, '--yes']);
  expect(none.stdout.trim()).toBe('cancelled 0, already ended 0, failed 0 (of 0)');
});

it('kyc device cancel without an approval or a filter is refused before anything is listed', async () => {
  const run = await kyc(['device', 'cancel', '--reason', 'x']);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/invalid cancel: approval name an approval, or filter/);
});

it('kyc identity stop --status ING: dry run, then --yes stops each tracker', async () => {
  const esign = new EsignControl(stack.simulators.controls.esign);
  const flowIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
      ...identityFlowStartOptions(flowId, stack.taskQueue),
      args: [{ flowId, polling: { initialIntervalMs: 50, maxIntervalMs: 50, heartbeatTimeoutMs: 1_000 } }],
    });
    await until(
      () => handle.query(identityFlowOutlineQuery),
      (view) => view.outline?.flowStatus === 'ING',
      'ING',
    );
    flowIds.push(flowId);
  }
  await until(
    () => kycClient.identityFlows.list({ status: 'ING', execution: 'Running' }),
    (items) => flowIds.every((flowId) => items.some((item) => item.flowId === flowId)),
    'the trackers listed as ING',
  );

  const dryRun = await kyc(['identity', 'stop', '--status', 'ING']);
  expect(dryRun.code).toBe(0);
  expect(dryRun.stdout).toContain('dry run, nothing was done');
  for (const flowId of flowIds) expect(dryRun.stdout).toContain(`identity-flow/${flowId}`);

  const run = await kyc(['identity', 'stop', '--status', 'ING', '--yes', '--rate', '20']);
  expect(run.code).toBe(0);
  expect(run.stdout.trim()).toMatch(/^stopped \d+, already ended 0, failed 0 \(of \d+\)$/);
  for (const flowId of flowIds) {
    expect(run.stderr).toContain(`identity-flow/${flowId}: done (CANCELLED)`);
    expect((await kycClient.identityFlows.get(flowId).stop()).outcome).toBe('alreadyEnded');
  }
});
