/**
 * Device approval against every documented bank error and the transient failures: each refusal
 * ends REJECTED with its code, transient answers are retried within bounds, and doubt after a
 * timeout is resolved by reading the device (one create, an accepted token never counted wrong).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  approvalStateQuery,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
  type DeviceApprovalStatus,
} from '../../contracts/device-approval';
import { BankDeviceClient } from '../../providers/bank-device';
import { BANK_ROUTES, BankDeviceControl, bankError, type BankErrorCode } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { FAST_APPROVAL_POLICY, TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { startTestStack, type TestStack } from '../harness';

const APPROVER_CPF = TEST_APPROVER_CPF;
const NOT_AN_APPROVER_CPF = '11144477735';
/** The HTTP client gives up after this; the simulator's slow calls take longer and still complete. */
const PROVIDER_TIMEOUT_MS = 1000;

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deviceApprovalWorkflow>;

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS) } });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = await newAccount();
});
afterAll(async () => {
  await stack?.shutdown();
});

async function newAccount(kind: 'active' | 'blocked' | 'closed' | 'hub' = 'active'): Promise<string> {
  const key = randomUUID();
  await bank.registerAccount({ account_key: key, approvers: [APPROVER_CPF], kind });
  return key;
}

function input(overrides: Partial<DeviceApprovalInput> = {}): DeviceApprovalInput {
  return approvalInput(accountKey, overrides);
}

function start(request: DeviceApprovalInput, on = stack): Promise<Handle> {
  return on.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, on.taskQueue),
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

async function updateFailure(update: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await update.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
}

async function injectAnswer(route: keyof typeof BANK_ROUTES, code: BankErrorCode, times = 1): Promise<void> {
  const answer = bankError(code);
  await bank.generic.injectFault({
    route: BANK_ROUTES[route],
    kind: 'status',
    status: answer.status,
    body: answer.body,
    times,
  });
}

async function counters(): Promise<Record<string, number>> {
  return (await bank.generic.stats()).counters;
}

describe('bank refusals at creation end REJECTED with their code', () => {
  it.each([
    [
      'OBD000002 (account not found)',
      () => Promise.resolve({ accountKey: randomUUID() }),
      'BankAccountRefused',
      'OBD000002',
    ],
    [
      'OBD000088 (blocked)',
      async () => ({ accountKey: await newAccount('blocked') }),
      'BankAccountRefused',
      'OBD000088',
    ],
    ['OBD000088 (closed)', async () => ({ accountKey: await newAccount('closed') }), 'BankAccountRefused', 'OBD000088'],
    ['OBD000089 (hub)', async () => ({ accountKey: await newAccount('hub') }), 'BankAccountRefused', 'OBD000089'],
    [
      'OBD000090 (not an approver)',
      () => Promise.resolve({ approverCpf: NOT_AN_APPROVER_CPF }),
      'BankApproverRefused',
      'OBD000090',
    ],
  ] as const)('%s', async (_label, change, type, code) => {
    const before = await counters();
    const result = await (await start(input(await change()))).result();
    expect(result.status).toBe('REJECTED');
    expect(result.rejection).toMatchObject({ type, code });
    expect(JSON.stringify(result)).not.toContain(NOT_AN_APPROVER_CPF);
    const after = await counters();
    expect(after.devicesCreated ?? 0).toBe(before.devicesCreated ?? 0);
    // Non-retryable: exactly one call reached the bank.
    const calls = `calls:${BANK_ROUTES.create}`;
    expect((after[calls] ?? 0) - (before[calls] ?? 0)).toBe(1);
  });

  it('OBD000093 / OBD000094 (requester configuration) are configuration errors', async () => {
    await bank.setRequester({ configured: false });
    const missing = await (await start(input())).result();
    await bank.setRequester({ configured: true, can_create_devices: false });
    const forbidden = await (await start(input())).result();
    await bank.setRequester({ configured: true, can_create_devices: true });
    expect(missing.rejection).toMatchObject({ type: 'BankConfigurationError', code: 'OBD000093' });
    expect(forbidden.rejection).toMatchObject({ type: 'BankConfigurationError', code: 'OBD000094' });
  });

  // Our own validation keeps these from ever being provoked, so the bank's answer is injected.
  it.each([
    ['QIT000001', 'BankInvalidRequest'],
    ['OBD000091', 'BankInvalidRequest'],
    ['OBD000092', 'BankInvalidRequest'],
    ['GDF000003', 'BankConfigurationError'],
  ] as const)('%s (injected) is a %s', async (code, type) => {
    await injectAnswer('create', code);
    const result = await (await start(input())).result();
    expect(result).toMatchObject({ status: 'REJECTED', rejection: { type, code } });
  });

  it('OBD000097 (token not sent) is retried, and REJECTED once retries run out', async () => {
    await bank.generic.injectFault({ route: BANK_ROUTES.create, kind: 'busy', times: 2 });
    const recovered = await start(input());
    await waitForStatus(recovered, 'WAITING_FOR_TOKEN');

    await bank.generic.injectFault({ route: BANK_ROUTES.create, kind: 'busy', times: 3 });
    const before = await bank.counter(`calls:${BANK_ROUTES.create}`);
    const exhausted = await (await start(input())).result();
    expect(exhausted).toMatchObject({
      status: 'REJECTED',
      rejection: { type: 'BankTokenSendFailed', code: 'OBD000097' },
    });
    expect((await bank.counter(`calls:${BANK_ROUTES.create}`)) - before).toBe(
      FAST_APPROVAL_POLICY.bankRetry.maximumAttempts,
    );
    await recovered.terminate('test cleanup');
  });
});

describe('authentication failures are configuration errors', () => {
  it('an unknown API client key (GDF000018) and a foreign signing key (GDF000014)', async () => {
    const wrongKey = await startTestStack({ env: { BANK_API_CLIENT_KEY: randomUUID() } });
    const foreignKey = await startTestStack({
      env: { BANK_PRIVATE_KEY_PEM: stack.credentials.bankPrivateKeyPem },
    });
    try {
      const unknownClient = await (await start(input(), wrongKey)).result();
      expect(unknownClient.rejection).toMatchObject({ type: 'BankConfigurationError', code: 'GDF000018' });
      // foreignKey's simulator expects its own key pair; its worker signs with ours.
      const badSignature = await (await start(input(), foreignKey)).result();
      expect(badSignature.rejection).toMatchObject({ type: 'BankConfigurationError', code: 'GDF000014' });
      expect(await foreignKey.simulators.controls.bank.counter('authFailures')).toBe(1);
    } finally {
      await wrongKey.shutdown();
      await foreignKey.shutdown();
    }
  });
});

describe('failures while validating', () => {
  it('5xx twice is retried and the token still approves', async () => {
    const request = input();
    const handle = await start(request);
    await waitForStatus(handle, 'WAITING_FOR_TOKEN');
    const { token } = await bank.sentToken(request.deviceKey);
    await bank.generic.injectFault({ route: BANK_ROUTES.validate, kind: 'status', status: 503, times: 2 });
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({
      outcome: 'accepted',
    });
    expect((await handle.result()).status).toBe('APPROVED');
  });

  it('a bank down for every retry fails the update without using an attempt; a later try approves', async () => {
    const request = input();
    const handle = await start(request);
    await waitForStatus(handle, 'WAITING_FOR_TOKEN');
    const { token } = await bank.sentToken(request.deviceKey);
    await bank.generic.injectFault({ route: BANK_ROUTES.validate, kind: 'status', status: 500, times: 3 });
    const failure = await updateFailure(handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] }));
    expect(failure.type).toBe('BankUnavailable');
    expect(await handle.query(approvalStateQuery)).toMatchObject({ status: 'WAITING_FOR_TOKEN', attemptsLeft: 3 });
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({
      outcome: 'accepted',
    });
  });

  it('a device gone at the bank (OBD000100) rejects the approval', async () => {
    const request = input();
    const handle = await start(request);
    await waitForStatus(handle, 'WAITING_FOR_TOKEN');
    const { token } = await bank.sentToken(request.deviceKey);
    await new BankDeviceClient(stack.config.bank).disableDevice(request.accountKey, request.deviceKey);
    const failure = await updateFailure(handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] }));
    expect(failure.type).toBe('ApprovalRejected');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'REJECTED', rejection: { type: 'BankDeviceNotFound', code: 'OBD000100' } });
  });
});

describe('transient answers at creation', () => {
  it('429 with Retry-After and a malformed 2xx are retried; the retry reads before creating again', async () => {
    await bank.generic.injectFault({ route: BANK_ROUTES.create, kind: 'rateLimit', retryAfterSeconds: 1 });
    const limited = await start(input());
    await waitForStatus(limited, 'WAITING_FOR_TOKEN');

    await bank.generic.injectFault({ route: BANK_ROUTES.create, kind: 'malformed' });
    const before = await counters();
    const malformed = await start(input());
    await waitForStatus(malformed, 'WAITING_FOR_TOKEN');
    const after = await counters();
    expect((after.devicesCreated ?? 0) - (before.devicesCreated ?? 0)).toBe(1);
    const reads = `calls:${BANK_ROUTES.read}`;
    expect((after[reads] ?? 0) - (before[reads] ?? 0)).toBe(1);
    await Promise.all([limited.terminate('test cleanup'), malformed.terminate('test cleanup')]);
  });

  it('a body that never matches the documentation ends REJECTED as an unexpected response', async () => {
    await bank.generic.injectFault({ route: BANK_ROUTES.create, kind: 'malformed', times: 3 });
    const result = await (await start(input())).result();
    expect(result).toMatchObject({ status: 'REJECTED', rejection: { type: 'BankUnexpectedResponse' } });
  });
});

describe('doubt after a timeout is resolved by reading the device', () => {
  // The retry waits longer than the bank's slow processing, so the read sees what the lost call did.
  const policy = { bankRetry: { initialIntervalMs: 1500, maximumIntervalMs: 1500, maximumAttempts: 3 } };

  it('create timed out but happened: found by the status read, never created twice', async () => {
    const before = await counters();
    await bank.slow('create', 1500);
    const request = input({ policy });
    const handle = await start(request);
    await waitForStatus(handle, 'WAITING_FOR_TOKEN');
    const state = await handle.query(approvalStateQuery);
    expect(state.transitions.at(-1)?.detail).toBe('device found by a status read after a retry');
    const after = await counters();
    const creates = `calls:${BANK_ROUTES.create}`;
    expect((after.devicesCreated ?? 0) - (before.devicesCreated ?? 0)).toBe(1);
    expect((after[creates] ?? 0) - (before[creates] ?? 0)).toBe(1);
    const { token } = await bank.sentToken(request.deviceKey);
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({
      outcome: 'accepted',
    });
  });

  it('validate timed out but the bank accepted: approved, the token is not counted wrong', async () => {
    const request = input({ policy });
    const handle = await start(request);
    await waitForStatus(handle, 'WAITING_FOR_TOKEN');
    const { token } = await bank.sentToken(request.deviceKey);
    const before = await counters();
    await bank.slow('validate', 1500);
    expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({
      outcome: 'accepted',
    });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'APPROVED', attemptsLeft: 3 });
    expect(result.transitions.at(-1)?.detail).toBe('approval confirmed by a status read');
    const after = await counters();
    expect((after.wrongTokens ?? 0) - (before.wrongTokens ?? 0)).toBe(0);
    expect((after.tokensValidated ?? 0) - (before.tokensValidated ?? 0)).toBe(1);
    expect((after[`calls:${BANK_ROUTES.validate}`] ?? 0) - (before[`calls:${BANK_ROUTES.validate}`] ?? 0)).toBe(1);
  });
});

describe('a creation the bank never answers (last: it resets the simulator)', () => {
  it('creation never answered before the deadline: EXPIRED, and the device a lost attempt created is disabled', async () => {
    const before = await counters();
    // The first create takes effect after the caller gave up; every status read of the retries
    // times out too, so no attempt learns the outcome before the approval window closes.
    await bank.slow('create', 2500);
    await bank.slow('read', 2500, 40);
    const request = input({
      policy: {
        approvalDeadlineMs: 6000,
        bankRetry: { initialIntervalMs: 200, maximumIntervalMs: 500, maximumAttempts: 20 },
      },
    });
    const result = await (await start(request)).result();
    // The rejection, if any, shows in the diff: it says which answer cut the creation short.
    expect({ status: result.status, rejection: result.rejection }).toEqual({ status: 'EXPIRED', rejection: undefined });
    expect(result.transitions.at(-1)?.detail).toMatch(/did not answer the creation before the deadline/);
    expect(result.deviceDisabled).toBe(true);
    const after = await counters();
    expect((after.devicesCreated ?? 0) - (before.devicesCreated ?? 0)).toBe(1);
    expect((after.devicesDisabled ?? 0) - (before.devicesDisabled ?? 0)).toBe(1);
    expect((await bank.sentToken(request.deviceKey)).status).not.toBe('pending_2fa_approval');
    // Slow reads left over would slow the next tests' reads: this test runs last and resets.
    await bank.generic.reset();
  });
});
