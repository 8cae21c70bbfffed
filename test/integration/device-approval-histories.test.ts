/**
 * Runs one approval per workflow branch on the real server and replays each fresh history with
 * the current workflow code (a replay-safety check of every branch). With
 * RECORD_DEVICE_APPROVAL_HISTORIES=1 it also writes them to test/histories/device-approval/,
 * which test/replay/device-approval-replay.test.ts replays without a server, so a later change
 * that breaks determinism for runs already in flight fails CI.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  approvalStateQuery,
  cancelApprovalUpdate,
  deviceApprovalStartOptions,
  resendTokenUpdate,
  submitTokenUpdate,
  type DeviceApprovalInput,
  type DeviceApprovalState,
  type DeviceApprovalStatus,
} from '../../contracts/device-approval';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { harnessInfo, startTestStack, type TestStack } from '../harness';
import { HISTORIES_ROOT, historyJson } from '../support/histories';

const HISTORIES_DIR = join(HISTORIES_ROOT, 'device-approval');
const RECORD = process.env.RECORD_DEVICE_APPROVAL_HISTORIES === '1';
const APPROVER_CPF = TEST_APPROVER_CPF;
const NOT_AN_APPROVER_CPF = '11144477735';

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deviceApprovalWorkflow>;

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;
let strictAccountKey: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROVIDER_TIMEOUT_MS: '1000' } });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  strictAccountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
  await bank.registerAccount({ account_key: strictAccountKey, approvers: [APPROVER_CPF], token_attempt_limit: 1 });
  if (RECORD) mkdirSync(HISTORIES_DIR, { recursive: true });
});
afterAll(async () => {
  await stack?.shutdown();
});

function input(overrides: Partial<DeviceApprovalInput> = {}): DeviceApprovalInput {
  return approvalInput(accountKey, overrides);
}

async function start(request: DeviceApprovalInput): Promise<Handle> {
  return stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
}

async function waitForStatus(handle: Handle, status: DeviceApprovalStatus): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await handle.query(approvalStateQuery)).status !== status) {
    if (Date.now() > deadline) throw new Error(`never reached ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waiting(overrides: Partial<DeviceApprovalInput> = {}) {
  const request = input(overrides);
  const handle = await start(request);
  await waitForStatus(handle, 'WAITING_FOR_TOKEN');
  return { request, handle, token: (await bank.sentToken(request.deviceKey)).token! };
}

const wrongFor = (token: string) => (token === '000000' ? '111111' : '000000');

/** One approval per branch of the workflow; each returns its finished handle. */
const SCENARIOS: Record<string, () => Promise<Handle>> = {
  'sms-wrong-then-approved': async () => {
    const { handle, token } = await waiting();
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrongFor(token) }] });
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] });
    return handle;
  },
  'email-resent-then-approved': async () => {
    const { request, handle } = await waiting({ contactType: 'email' });
    await handle.executeUpdate(resendTokenUpdate, { args: [{ contactType: 'sms' }] });
    const { token } = await bank.sentToken(request.deviceKey);
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
    return handle;
  },
  'liveness-approved': () => start(input({ contactType: 'liveness', imageKey: randomUUID() })),
  'expired-and-disabled': () => start(input({ policy: { approvalDeadlineMs: 1000 } })),
  'cancelled-and-disabled': async () => {
    const { handle } = await waiting();
    await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'recorded scenario' }] });
    return handle;
  },
  'locked-by-attempts': async () => {
    const { handle, token } = await waiting({ policy: { maxTokenAttempts: 1 } });
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrongFor(token) }] });
    return handle;
  },
  'locked-by-bank': async () => {
    const { handle, token } = await waiting({ accountKey: strictAccountKey, policy: { maxTokenAttempts: 3 } });
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrongFor(token) }] });
    return handle;
  },
  'rejected-not-an-approver': () => start(input({ approverCpf: NOT_AN_APPROVER_CPF })),
  'bank-unavailable-then-approved': async () => {
    const { handle, token } = await waiting();
    await bank.generic.injectFault({ route: BANK_ROUTES.validate, kind: 'status', status: 503, times: 3 });
    await expect(handle.executeUpdate(submitTokenUpdate, { args: [{ token }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] });
    return handle;
  },
  'validate-timeout-confirmed-by-status-read': async () => {
    const { handle, token } = await waiting({
      policy: { bankRetry: { initialIntervalMs: 1500, maximumIntervalMs: 1500, maximumAttempts: 3 } },
    });
    await bank.slow('validate', 1500);
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] });
    return handle;
  },
  'reminded-warned-then-approved': async () => {
    const { request, handle } = await waiting({
      policy: { approvalDeadlineMs: 60_000, remindAfterMs: 500, maxResends: 1, deadlineWarningPercent: 5 },
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = await handle.query(approvalStateQuery);
      if (state.remindersSent === 1 && state.deadlineApproaching) break;
      if (Date.now() > deadline) throw new Error('no reminder or deadline warning');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { token } = await bank.sentToken(request.deviceKey);
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
    return handle;
  },
};

const EXPECTED: Record<keyof typeof SCENARIOS, DeviceApprovalState['status']> = {
  'sms-wrong-then-approved': 'APPROVED',
  'email-resent-then-approved': 'APPROVED',
  'liveness-approved': 'APPROVED',
  'expired-and-disabled': 'EXPIRED',
  'cancelled-and-disabled': 'CANCELLED',
  'locked-by-attempts': 'LOCKED',
  'locked-by-bank': 'LOCKED',
  'rejected-not-an-approver': 'REJECTED',
  'bank-unavailable-then-approved': 'APPROVED',
  'validate-timeout-confirmed-by-status-read': 'APPROVED',
  'reminded-warned-then-approved': 'APPROVED',
};

it.each(Object.keys(SCENARIOS))('%s: finishes as expected and its history replays', async (name) => {
  const handle = await SCENARIOS[name]!();
  expect((await handle.result()).status).toBe(EXPECTED[name]);
  const history = await handle.fetchHistory();
  // Recorded with the run's payload keys: the replay decodes with the same converter.
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
    history,
    name,
  );
  if (RECORD) writeFileSync(join(HISTORIES_DIR, `${name}.json`), await historyJson(handle.workflowId));
});
