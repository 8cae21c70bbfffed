/**
 * The client library's device approval against the real dev server, the production worker wiring
 * and the bank simulator: start and attach, typed update outcomes and refusals, deduplication by
 * request id, watch, lists by search attribute, user metadata, and typed errors.
 */
import { randomUUID } from 'node:crypto';
import type { DeviceApprovalInput, DeviceApprovalState } from '../../contracts/device-approval';
import { InvalidInputError } from '../../contracts/validation';
import {
  AlreadyFinishedError,
  FlowNotFoundError,
  KycClient,
  UpdateRefusedError,
  type DeviceApprovalHandle,
} from '../../client';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { startTestStack, type TestStack } from '../harness';

const APPROVER_CPF = TEST_APPROVER_CPF;
const FAST_POLICY = {
  approvalDeadlineMs: 120_000,
  bankCallTimeoutMs: 5_000,
  bankRetry: { initialIntervalMs: 100, maximumIntervalMs: 200, maximumAttempts: 3 },
};

let stack: TestStack;
let kyc: KycClient;
let bank: BankDeviceControl;
let accountKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  kyc = new KycClient(stack.client, stack.config.temporal);
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
});
afterAll(() => stack?.shutdown());

function input(overrides: Partial<DeviceApprovalInput> = {}): DeviceApprovalInput {
  return approvalInput(accountKey, overrides, FAST_POLICY);
}

/** Follows the approval until the bank answered its creation. */
async function waitingState(handle: DeviceApprovalHandle): Promise<DeviceApprovalState> {
  for await (const state of handle.watch()) if (state.status !== 'CREATING') return state;
  throw new Error('the approval ended while CREATING');
}

/** Visibility is eventually consistent: retries the list until it satisfies the check (bounded). */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('an approval driven by token', () => {
  let request: DeviceApprovalInput;
  let handle: DeviceApprovalHandle;

  beforeAll(async () => {
    request = input();
    const started = await kyc.deviceApprovals.start(request);
    expect(started.started).toBe(true);
    handle = started.handle;
  });

  it('waits for the token after the bank created the device', async () => {
    const state = await waitingState(handle);
    expect(state).toMatchObject({ status: 'WAITING_FOR_TOKEN', attemptsLeft: 3, contactType: 'sms' });
    expect(handle.workflowId).toBe(`device-approval/${accountKey}/${request.deviceKey}`);
  });

  it('attaches a repeated start to the running approval without creating the device twice', async () => {
    const again = await kyc.deviceApprovals.start({ ...request, sessionId: randomUUID() });
    expect(again).toMatchObject({ started: false, workflowId: handle.workflowId });
    expect(await bank.counter(`calls:${BANK_ROUTES.create}`)).toBe(1);
  });

  it('sets a readable, PII-free summary and details for the UI', async () => {
    const description = await stack.client.workflow.getHandle(handle.workflowId).describe();
    const summary = await description.staticSummary();
    const details = await description.staticDetails();
    expect(summary).toMatch(/^Device approval by SMS token: device [0-9a-f]{8}… on account [0-9a-f]{8}…/);
    expect(details).toContain(`temporal workflow update execute -w ${handle.workflowId} --name submitToken`);
    expect(`${summary}${details}`).not.toContain(APPROVER_CPF);
  });

  it('lists it among the approvals waiting for a token', async () => {
    const waiting = await eventually(
      () => kyc.deviceApprovals.waitingForToken(),
      (items) => items.some((item) => item.workflowId === handle.workflowId),
    );
    expect(waiting.find((item) => item.workflowId === handle.workflowId)).toMatchObject({
      accountKey,
      deviceKey: request.deviceKey,
      status: 'WAITING_FOR_TOKEN',
      contactType: 'sms',
      execution: 'RUNNING',
    });
  });

  it('counts a wrong token once, even when the same request is retried', async () => {
    const validations = () => bank.counter(`calls:${BANK_ROUTES.validate}`);
    const before = await validations();
    expect(await handle.submitToken('ZZZZ99', { requestId: 'wrong-1' })).toEqual({ outcome: 'wrong', attemptsLeft: 2 });
    expect(await handle.submitToken('ZZZZ99', { requestId: 'wrong-1' })).toEqual({ outcome: 'wrong', attemptsLeft: 2 });
    expect(await validations()).toBe(before + 1);
    expect((await handle.state()).attemptsLeft).toBe(2);
  });

  it("reports the validator's refusal with its type and reason", async () => {
    const error = await caught(handle.resendToken({ requestId: 'resend-1' }));
    expect(error).toBeInstanceOf(UpdateRefusedError);
    expect(error).toMatchObject({
      failureType: 'ResendCooldown',
      update: 'resendToken',
      workflowId: handle.workflowId,
    });
    expect((error as UpdateRefusedError).reason).toMatch(/^the next re-send is allowed at /);
  });

  it('refuses a malformed token in the caller, naming the field', async () => {
    const error = await caught(handle.submitToken('12'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([
      { field: 'token', message: 'must be exactly 6 letters or digits' },
    ]);
  });

  it('streams each change until the approval ends, never the same state twice in a row', async () => {
    const seen: DeviceApprovalState[] = [];
    const watching = (async () => {
      for await (const state of handle.watch()) seen.push(state);
    })();
    // The first state comes from the run's history so far; then the token moves it on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { token } = await bank.sentToken(request.deviceKey);
    expect(await handle.submitToken(token ?? '', { requestId: 'right-1' })).toEqual({ outcome: 'accepted' });
    await watching;

    const statuses = seen.map((state) => state.status);
    expect(statuses[0]).toBe('WAITING_FOR_TOKEN');
    expect(statuses).toContain('VALIDATING');
    expect(statuses.at(-1)).toBe('APPROVED');
    for (let i = 1; i < seen.length; i++) expect(JSON.stringify(seen[i])).not.toBe(JSON.stringify(seen[i - 1]));
  });

  it('reads the final state from the result and refuses updates once finished', async () => {
    expect((await handle.state()).status).toBe('APPROVED');
    const error = await caught(handle.submitToken('AAAAAA', { requestId: 'late-1' }));
    expect(error).toBeInstanceOf(AlreadyFinishedError);
    expect(error).toMatchObject({ status: 'COMPLETED', operation: 'submitToken' });
  });

  it('does not start a completed approval again, and hands back its final state', async () => {
    const again = await kyc.deviceApprovals.start(request);
    expect(again).toMatchObject({ started: false, finished: 'COMPLETED' });
    expect((await again.handle.state()).status).toBe('APPROVED');
    expect(await bank.counter(`calls:${BANK_ROUTES.create}`)).toBe(1);
  });
});

describe('cancel', () => {
  it('cancels a waiting approval, disables the device, then refuses a second cancel', async () => {
    const { handle } = await kyc.deviceApprovals.start(input());
    await waitingState(handle);
    expect(await handle.cancel('customer gave up', { requestId: 'cancel-1' })).toEqual({
      status: 'CANCELLED',
      deviceDisabled: true,
    });
    const final = await handle.result();
    expect(final.status).toBe('CANCELLED');
    expect(final.transitions.at(-1)).toMatchObject({ status: 'CANCELLED', detail: 'customer gave up' });
    expect(await caught(handle.cancel('again'))).toBeInstanceOf(AlreadyFinishedError);
  });
});

describe('lists and errors', () => {
  it('lists the approvals of one account by status', async () => {
    const cancelled = await eventually(
      () => kyc.deviceApprovals.list({ accountKey, status: 'CANCELLED' }),
      (items) => items.length >= 1,
    );
    expect(cancelled.every((item) => item.status === 'CANCELLED' && item.accountKey === accountKey)).toBe(true);
    const other = await kyc.deviceApprovals.list({ accountKey: randomUUID() });
    expect(other).toEqual([]);
  });

  it('refuses a bad input before anything starts, naming the field', async () => {
    const request = input({ approverCpf: '52998224700' });
    const error = await caught(kyc.deviceApprovals.start(request));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((issue) => issue.field)).toEqual(['approverCpf']);
    expect((error as Error).message).not.toContain('52998224700');
    expect(await caught(kyc.deviceApprovals.get(request).state())).toBeInstanceOf(FlowNotFoundError);
  });

  it('reports an unknown approval as not found', async () => {
    const handle = kyc.deviceApprovals.get({ accountKey, deviceKey: randomUUID() });
    const error = await caught(handle.submitToken('ABC123'));
    expect(error).toBeInstanceOf(FlowNotFoundError);
    expect(error).toMatchObject({ workflowId: handle.workflowId });
  });
});
