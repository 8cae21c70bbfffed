/**
 * Reminders (automatic token re-sends) and the "deadline approaching" point of the device
 * approval, on the real dev server and the bank simulator, with short durations: the re-sends
 * reach the bank (counted there), stop when the re-sends run out, wait out the cool-down, and
 * the warning shows in the query, the search attribute and the run's current details (the
 * `temporal` binary's `workflow metadata`). Runs without these policy fields stay as before.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  approvalStateQuery,
  cancelApprovalUpdate,
  DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
  type DeviceApprovalState,
} from '../../contracts/device-approval';
import { BankDeviceControl } from '../../simulators/bank-device';
import {
  DEADLINE_APPROACHING_DETAIL,
  REMINDERS_PATCH,
  type deviceApprovalWorkflow,
} from '../../workflows/device-approval';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { harnessInfo, startTestStack, type TestStack } from '../harness';

const run = promisify(execFile);

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deviceApprovalWorkflow>;

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
});
afterAll(async () => {
  await stack?.shutdown();
});

function start(policy: DeviceApprovalInput['policy']): Promise<Handle> {
  const request = approvalInput(accountKey, { policy });
  return stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
}

/** Polls the `state` query until `done` holds (no timing assertion: only an upper bound on waiting). */
async function stateWhen(handle: Handle, done: (state: DeviceApprovalState) => boolean): Promise<DeviceApprovalState> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await handle.query(approvalStateQuery);
    if (done(state)) return state;
    if (Date.now() > deadline) throw new Error(`condition never held; last state ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deviceKeyOf = (handle: Handle) => handle.workflowId.split('/')[2]!;
const tokensSent = async (handle: Handle) => (await bank.sentToken(deviceKeyOf(handle))).tokens_sent;

async function cancel(handle: Handle): Promise<void> {
  await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'test done' }] });
}

it('re-sends the token by itself while none is typed, and stops when the re-sends run out', async () => {
  const handle = await start({ remindAfterMs: 300, maxResends: 2, resendCooldownMs: 0, approvalDeadlineMs: 120_000 });
  const first = await stateWhen(handle, (state) => state.status === 'WAITING_FOR_TOKEN');
  expect(first.remindersSent).toBe(0);
  expect(first.nextReminderAt).toBeDefined();

  const spent = await stateWhen(handle, (state) => state.remindersSent === 2);
  expect(spent).toMatchObject({ status: 'WAITING_FOR_TOKEN', resendsLeft: 0 });
  expect(spent.nextReminderAt).toBeUndefined();
  expect(spent.transitions.filter((t) => t.detail === 'reminder: token re-sent by sms')).toHaveLength(2);
  // The bank sent the token at creation and twice more: one request per reminder.
  expect(await tokensSent(handle)).toBe(3);

  // Several reminder intervals later nothing more was sent: the budget is spent.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await tokensSent(handle)).toBe(3);
  expect((await handle.query(approvalStateQuery)).remindersSent).toBe(2);

  // The last token sent still approves.
  const { token } = await bank.sentToken(deviceKeyOf(handle));
  expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({ outcome: 'accepted' });
  const result = await handle.result();
  expect(result.status).toBe('APPROVED');
  expect(result.nextReminderAt).toBeUndefined();
});

it('waits out the re-send cool-down before a reminder, whatever remindAfterMs says', async () => {
  const handle = await start({ remindAfterMs: 100, maxResends: 1, resendCooldownMs: 2000 });
  const reminded = await stateWhen(handle, (state) => state.remindersSent === 1);
  const sentAt = Date.parse(reminded.transitions.find((t) => t.status === 'WAITING_FOR_TOKEN')!.at);
  const remindedAt = Date.parse(reminded.transitions.find((t) => t.detail?.startsWith('reminder'))!.at);
  // Workflow time: the reminder's timer cannot fire before the cool-down since the token was sent.
  expect(remindedAt - sentAt).toBeGreaterThanOrEqual(2000);
  expect(await tokensSent(handle)).toBe(2);
  await cancel(handle);
});

it('a typed token (even a wrong one) moves the next reminder later', async () => {
  const handle = await start({ remindAfterMs: 60_000, maxResends: 3, resendCooldownMs: 0 });
  const before = await stateWhen(handle, (state) => state.status === 'WAITING_FOR_TOKEN');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { token } = await bank.sentToken(deviceKeyOf(handle));
  const wrong = token === '000000' ? '111111' : '000000';
  expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrong }] })).toMatchObject({
    outcome: 'wrong',
  });
  const after = await handle.query(approvalStateQuery);
  expect(Date.parse(after.nextReminderAt!)).toBeGreaterThan(Date.parse(before.nextReminderAt!));
  expect(after.remindersSent).toBe(0);
  await cancel(handle);
});

it('marks the "deadline approaching" point in the query, the search attribute and the current details', async () => {
  const handle = await start({ deadlineWarningPercent: 5, approvalDeadlineMs: 60_000 });
  const waiting = await stateWhen(handle, (state) => state.status === 'WAITING_FOR_TOKEN');
  const startedAt = Date.parse(waiting.transitions[0]!.at);
  expect(Date.parse(waiting.deadlineWarningAt!)).toBe(startedAt + 3000);
  expect(waiting.remindersSent).toBeUndefined();

  const warned = await stateWhen(handle, (state) => state.deadlineApproaching === true);
  expect(warned.status).toBe('WAITING_FOR_TOKEN');
  expect(warned.transitions.at(-1)).toMatchObject({ status: 'WAITING_FOR_TOKEN', detail: DEADLINE_APPROACHING_DETAIL });
  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY)).toBe(true);

  // What the Temporal UI shows as the run's current details, read with the `temporal` binary.
  const { cliPath, temporalAddress, namespace, codecUrl } = harnessInfo();
  const { stdout } = await run(
    cliPath,
    [
      'workflow',
      'metadata',
      '--address',
      temporalAddress,
      '--namespace',
      namespace,
      '--workflow-id',
      handle.workflowId,
      '--codec-endpoint',
      codecUrl,
      '--output',
      'json',
    ],
    { timeout: 60_000 },
  );
  expect(stdout).toContain('Deadline approaching');
  await cancel(handle);
});

it('leaves runs without the new policy fields on the old path (no patch marker, no reminder fields)', async () => {
  const handle = await start({ approvalDeadlineMs: 60_000 });
  const waiting = await stateWhen(handle, (state) => state.status === 'WAITING_FOR_TOKEN');
  expect(waiting.remindersSent).toBeUndefined();
  expect(waiting.deadlineWarningAt).toBeUndefined();
  expect(waiting.nextReminderAt).toBeUndefined();
  await cancel(handle);
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).not.toContain(REMINDERS_PATCH);
});
