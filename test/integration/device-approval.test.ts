/**
 * Device approval end to end on the real dev server, the production worker wiring and the bank
 * simulator: the approver paths (sms, e-mail, liveness), wrong tokens and locks, re-sends, the
 * deadline, cancellation, duplicate starts, visibility, and bad input refused before the bank.
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  approvalStateQuery,
  cancelApprovalUpdate,
  DEVICE_APPROVAL_CONTACT_TYPE_KEY,
  DEVICE_APPROVAL_STATUS_KEY,
  deviceApprovalListQuery,
  deviceApprovalStartOptions,
  deviceApprovalWorkflowId,
  resendTokenUpdate,
  submitTokenUpdate,
  type DeviceApprovalInput,
  type DeviceApprovalStatus,
} from '../../contracts/device-approval';
import { InvalidInputError } from '../../contracts/validation';
import { BankDeviceControl } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { startTestStack, type TestStack } from '../harness';

const APPROVER_CPF = TEST_APPROVER_CPF;
const IMAGE_KEY = '367195fc-de24-46b0-9ddb-79231dc7eeff';

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
});
afterAll(async () => {
  await stack?.shutdown();
});

function input(overrides: Partial<DeviceApprovalInput> = {}): DeviceApprovalInput {
  return approvalInput(accountKey, overrides);
}

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deviceApprovalWorkflow>;

function start(request: DeviceApprovalInput): Promise<Handle> {
  return stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
}

async function waitForStatus(handle: Handle, status: DeviceApprovalStatus): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await handle.query(approvalStateQuery);
    if (state.status === status) return;
    if (Date.now() > deadline) throw new Error(`still ${state.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The token as soon as the bank has sent it (the device exists), polled like an approver's inbox. */
async function tokenOnceSent(deviceKey: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const sent = await bank.sentToken(deviceKey).catch(() => undefined);
    if (sent?.token) return sent.token;
    if (Date.now() > deadline) throw new Error('the bank never sent a token');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startWaiting(overrides: Partial<DeviceApprovalInput> = {}) {
  const request = input(overrides);
  const handle = await start(request);
  await waitForStatus(handle, 'WAITING_FOR_TOKEN');
  const { token } = await bank.sentToken(request.deviceKey);
  return { request, handle, token: token! };
}

/** The failure a rejected or failed update carries. */
async function updateFailure(update: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await update.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** A finished approval takes no more updates: the server refuses them. */
async function expectClosed(update: Promise<unknown>): Promise<void> {
  await expect(update).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

function otherToken(token: string): string {
  return token === '000000' ? '111111' : '000000';
}

describe('approver paths', () => {
  it('sms: creates, waits for the token, approves it, and leaves no personal data in state or search attributes', async () => {
    const createsBefore = await bank.counter('devicesCreated');
    const { request, handle, token } = await startWaiting();
    const waiting = await handle.query(approvalStateQuery);
    expect(waiting).toMatchObject({ status: 'WAITING_FOR_TOKEN', contactType: 'sms', attemptsLeft: 3, resendsLeft: 3 });
    expect(Date.parse(waiting.deadline)).toBeGreaterThan(Date.now());

    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] })).toEqual({ outcome: 'accepted' });
    const result = await handle.result();
    expect(result.status).toBe('APPROVED');
    expect(result.transitions.map((transition) => transition.status)).toEqual([
      'CREATING',
      'WAITING_FOR_TOKEN',
      'VALIDATING',
      'APPROVED',
    ]);
    const shown = JSON.stringify(await handle.query(approvalStateQuery));
    expect(shown).not.toContain(APPROVER_CPF);
    expect(shown).not.toContain(token);

    const description = await handle.describe();
    expect(description.workflowId).toBe(deviceApprovalWorkflowId(request.accountKey, request.deviceKey));
    expect(description.typedSearchAttributes.get(DEVICE_APPROVAL_STATUS_KEY)).toBe('APPROVED');
    expect(JSON.stringify(description.typedSearchAttributes)).not.toContain(APPROVER_CPF);
    expect((await bank.sentToken(request.deviceKey)).status).toBe('registered');
    expect((await bank.counter('devicesCreated')) - createsBefore).toBe(1);
  });

  it('e-mail: the token goes by e-mail and approves', async () => {
    const { request, handle, token } = await startWaiting({ contactType: 'email' });
    expect((await bank.sentToken(request.deviceKey)).contact_type).toBe('email');
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] })).toEqual({ outcome: 'accepted' });
    expect((await handle.result()).status).toBe('APPROVED');
    expect((await handle.describe()).typedSearchAttributes.get(DEVICE_APPROVAL_CONTACT_TYPE_KEY)).toBe('email');
  });

  it('liveness: approved at creation, no token sent', async () => {
    const sentBefore = await bank.counter('tokensSent');
    const handle = await start(input({ contactType: 'liveness', imageKey: IMAGE_KEY }));
    const result = await handle.result();
    expect(result.status).toBe('APPROVED');
    expect(result.transitions.map((transition) => transition.status)).toEqual(['CREATING', 'APPROVED']);
    expect(await bank.counter('tokensSent')).toBe(sentBefore);
  });
});

describe('wrong tokens', () => {
  it('a wrong token leaves attempts, then the right one approves', async () => {
    const { handle, token } = await startWaiting();
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: otherToken(token) }] })).toEqual({
      outcome: 'wrong',
      attemptsLeft: 2,
    });
    expect((await handle.query(approvalStateQuery)).status).toBe('WAITING_FOR_TOKEN');
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] })).toEqual({ outcome: 'accepted' });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'APPROVED', attemptsLeft: 2 });
    expect(result.transitions.some((transition) => transition.detail === 'wrong token')).toBe(true);
  });

  it('our attempt limit locks the approval and disables the device', async () => {
    const { request, handle, token } = await startWaiting({ policy: { maxTokenAttempts: 2 } });
    const wrong = otherToken(token);
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrong }] })).toEqual({
      outcome: 'wrong',
      attemptsLeft: 1,
    });
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrong }] })).toEqual({ outcome: 'locked' });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'LOCKED', attemptsLeft: 0, deviceDisabled: true });
    expect((await bank.sentToken(request.deviceKey)).status).toBe('deactivated');
    await expectClosed(handle.executeUpdate(submitTokenUpdate, { args: [{ token }] }));
  });

  it("the bank's own limit (OBD000099) locks the approval", async () => {
    const strictAccount = randomUUID();
    await bank.registerAccount({ account_key: strictAccount, approvers: [APPROVER_CPF], token_attempt_limit: 2 });
    const { handle, token } = await startWaiting({ accountKey: strictAccount, policy: { maxTokenAttempts: 5 } });
    const wrong = otherToken(token);
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrong }] })).toEqual({
      outcome: 'wrong',
      attemptsLeft: 4,
    });
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: wrong }] })).toEqual({ outcome: 'locked' });
    const result = await handle.result();
    expect(result.status).toBe('LOCKED');
    expect(result.transitions.at(-1)?.detail).toContain('OBD000099');
  });

  it('refuses a malformed token in the validator, naming the field, without calling the bank', async () => {
    const { handle } = await startWaiting();
    const validatesBefore = await bank.counter('calls:PUT /account/:account_key/device/:device_key/validate');
    const refused = await updateFailure(handle.executeUpdate(submitTokenUpdate, { args: [{ token: '329ad' }] }));
    expect(refused.type).toBe('InvalidInput');
    expect(refused.message).toContain('token');
    expect(await bank.counter('calls:PUT /account/:account_key/device/:device_key/validate')).toBe(validatesBefore);
    expect((await handle.query(approvalStateQuery)).attemptsLeft).toBe(3);
    await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'test cleanup' }] });
  });

  it('accepts a token typed while the bank is still answering the creation call, and checks it after', async () => {
    // The bank creates the device (and sends the token) at once, then holds its answer: the
    // approver has the token while the workflow is still CREATING.
    await bank.slow('create', 3000, 1, 'after');
    const request = input();
    const handle = await start(request);
    const token = await tokenOnceSent(request.deviceKey);
    expect((await handle.query(approvalStateQuery)).status).toBe('CREATING');
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] })).toEqual({
      outcome: 'accepted',
    });
    const result = await handle.result();
    expect(result.transitions.map((transition) => transition.status)).toEqual([
      'CREATING',
      'WAITING_FOR_TOKEN',
      'VALIDATING',
      'APPROVED',
    ]);
  });

  it('accepts a re-send asked while the bank is still answering the creation call, and applies it after', async () => {
    await bank.slow('create', 3000, 1, 'after');
    const request = input({ policy: { resendCooldownMs: 0 } });
    const handle = await start(request);
    await tokenOnceSent(request.deviceKey);
    expect((await handle.query(approvalStateQuery)).status).toBe('CREATING');
    expect(await handle.executeUpdate(resendTokenUpdate, { args: [{}] })).toMatchObject({ outcome: 'sent' });
    expect(await bank.sentToken(request.deviceKey)).toMatchObject({ tokens_sent: 2 });
    await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'test cleanup' }] });
  });

  it('a re-send asked while creating still meets the cool-down once the device exists', async () => {
    await bank.slow('create', 3000, 1, 'after');
    const request = input({ policy: { resendCooldownMs: 60_000 } });
    const handle = await start(request);
    await tokenOnceSent(request.deviceKey);
    const refused = await updateFailure(handle.executeUpdate(resendTokenUpdate, { args: [{}] }));
    expect(refused.type).toBe('ResendCooldown');
    expect(await bank.sentToken(request.deviceKey)).toMatchObject({ tokens_sent: 1 });
    await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'test cleanup' }] });
  });

  it('still refuses a malformed token while the device is being created', async () => {
    await bank.slow('create', 3000, 1, 'after');
    const handle = await start(input());
    await waitForStatus(handle, 'CREATING');
    const refused = await updateFailure(handle.executeUpdate(submitTokenUpdate, { args: [{ token: 'abc' }] }));
    expect(refused.type).toBe('InvalidInput');
    await waitForStatus(handle, 'WAITING_FOR_TOKEN');
    await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'test cleanup' }] });
  });
});

describe('re-sending the token', () => {
  it('enforces the cooldown and the limit, switches contact type, and the new token approves', async () => {
    const { request, handle, token } = await startWaiting({ policy: { resendCooldownMs: 1500, maxResends: 1 } });
    const early = await updateFailure(handle.executeUpdate(resendTokenUpdate, { args: [{}] }));
    expect(early.type).toBe('ResendCooldown');

    await new Promise((resolve) => setTimeout(resolve, 1600));
    const resent = await handle.executeUpdate(resendTokenUpdate, { args: [{ contactType: 'email' }] });
    expect(resent).toMatchObject({ outcome: 'sent', contactType: 'email', resendsLeft: 0 });
    const sent = await bank.sentToken(request.deviceKey);
    expect(sent).toMatchObject({ contact_type: 'email', tokens_sent: 2 });
    expect((await handle.describe()).typedSearchAttributes.get(DEVICE_APPROVAL_CONTACT_TYPE_KEY)).toBe('email');

    await new Promise((resolve) => setTimeout(resolve, 1600));
    const exhausted = await updateFailure(handle.executeUpdate(resendTokenUpdate, { args: [{}] }));
    expect(exhausted.type).toBe('ResendLimitReached');

    if (sent.token !== token) {
      expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] })).toMatchObject({ outcome: 'wrong' });
    }
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: sent.token! }] })).toEqual({
      outcome: 'accepted',
    });
    expect((await handle.result()).status).toBe('APPROVED');
  });
});

describe('deadline and cancellation', () => {
  it('expires at the deadline and disables the device', async () => {
    const request = input({ policy: { approvalDeadlineMs: 1500 } });
    const handle = await start(request);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'EXPIRED', deviceDisabled: true });
    expect((await bank.sentToken(request.deviceKey)).status).toBe('deactivated');
    await expectClosed(handle.executeUpdate(submitTokenUpdate, { args: [{ token: 'abc123' }] }));
  });

  it('expires without disabling when the policy says so', async () => {
    const request = input({ policy: { approvalDeadlineMs: 1000, disableOnExpiry: false } });
    const result = await (await start(request)).result();
    expect(result.status).toBe('EXPIRED');
    expect(result.deviceDisabled).toBeUndefined();
    expect((await bank.sentToken(request.deviceKey)).status).toBe('not_registered');
  });

  it('cancel disables the device and ends CANCELLED; later updates are refused', async () => {
    const { request, handle } = await startWaiting();
    const disabledBefore = await bank.counter('devicesDisabled');
    expect(await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'approver asked to stop' }] })).toEqual({
      status: 'CANCELLED',
      deviceDisabled: true,
    });
    const result = await handle.result();
    expect(result.status).toBe('CANCELLED');
    expect(result.transitions.at(-1)).toMatchObject({ status: 'CANCELLED', detail: 'approver asked to stop' });
    expect((await bank.sentToken(request.deviceKey)).status).toBe('deactivated');
    expect((await bank.counter('devicesDisabled')) - disabledBefore).toBe(1);
    await expectClosed(handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'again' }] }));
  });
});

describe('idempotent start and visibility', () => {
  it('a repeated start attaches to the running approval: one workflow, one device', async () => {
    const request = input();
    const createsBefore = await bank.counter('devicesCreated');
    const [first, second] = await Promise.all([start(request), start(request)]);
    const third = await start({ ...request, deviceKey: request.deviceKey.toUpperCase() });
    expect(first.firstExecutionRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    expect(third.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await waitForStatus(first, 'WAITING_FOR_TOKEN');
    const { token } = await bank.sentToken(request.deviceKey);
    await second.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
    expect((await first.result()).status).toBe('APPROVED');
    expect((await bank.counter('devicesCreated')) - createsBefore).toBe(1);
  });

  it('lists the approvals waiting for a token by search attributes', async () => {
    const listedAccount = randomUUID();
    await bank.registerAccount({ account_key: listedAccount, approvers: [APPROVER_CPF] });
    const { handle } = await startWaiting({ accountKey: listedAccount });
    const query = deviceApprovalListQuery('WAITING_FOR_TOKEN', listedAccount);
    const deadline = Date.now() + 15_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      ids = [];
      for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
      if (ids.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ids).toEqual([handle.workflowId]);
    await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'test cleanup' }] });
  });
});

describe('bad input never reaches the bank', () => {
  const createRoute = 'calls:POST /account/:account_key/device';

  it.each([
    ['approverCpf', { approverCpf: '52998224726' }],
    ['deviceKey', { deviceKey: '3f9c2b1e-8a4d-1c6f-9b2a-7e5d1c0a9f84' }],
    ['sessionId', { sessionId: 'not-a-uuid' }],
    ['imageKey', { contactType: 'liveness' as const }],
    ['imageKey', { contactType: 'sms' as const, imageKey: IMAGE_KEY }],
  ])('the client refuses a bad %s before starting anything', async (field, change) => {
    const before = await bank.counter(createRoute);
    let caught: unknown;
    try {
      await start({ ...input(), ...change });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).issues.map((issue) => issue.field)).toContain(field);
    expect((caught as InvalidInputError).message).not.toContain('52998224726');
    expect(await bank.counter(createRoute)).toBe(before);
  });

  it('the workflow refuses bad input too (a start that skipped the client check), naming the field', async () => {
    const before = await bank.counter(createRoute);
    const handle = await stack.client.workflow.start('deviceApprovalWorkflow', {
      workflowId: `device-approval-bad-input-${randomUUID()}`,
      taskQueue: stack.taskQueue,
      args: [{ ...input(), approverCpf: '11111111111' }],
    });
    const error = await handle.result().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidInput' });
    expect(cause?.message).toContain('approverCpf');
    expect(cause?.message).not.toContain('11111111111');
    expect(await bank.counter(createRoute)).toBe(before);
  });
});
