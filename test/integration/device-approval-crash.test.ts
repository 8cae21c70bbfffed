/**
 * The worker process is killed (SIGKILL) while an approval waits for its token and while the
 * bank is in the middle of checking the token; a new worker process finishes each run, the bank
 * sees exactly one device creation, and an accepted token is never counted wrong. The workers'
 * output must hold no personal data.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  approvalStateQuery,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
  type DeviceApprovalStatus,
} from '../../contracts/device-approval';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { spawnWorkerProcess, startTestStack, type TestStack, type WorkerProcess, waitFor } from '../harness';

const APPROVER_CPF = '52998224725';
/** A lost bank call is retried after this; the HTTP client gives up a little earlier. */
const BANK_CALL_TIMEOUT_MS = 3000;

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deviceApprovalWorkflow>;

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack({ workers: false, env: { PROVIDER_TIMEOUT_MS: String(BANK_CALL_TIMEOUT_MS - 500) } });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
});
afterAll(async () => {
  for (const worker of workers) await killHard(worker);
  await stack?.shutdown();
});

/** SIGKILL: the worker dies mid-step with no chance to clean up (the harness's child is the worker itself). */
async function killHard(worker: WorkerProcess): Promise<void> {
  await worker.kill('SIGKILL');
  expect(worker.child.signalCode).toBe('SIGKILL');
}

async function spawnWorker(): Promise<WorkerProcess> {
  const worker = await spawnWorkerProcess(stack);
  workers.push(worker);
  return worker;
}

function input(): DeviceApprovalInput {
  return {
    accountKey,
    deviceKey: randomUUID(),
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'sms',
    policy: {
      approvalDeadlineMs: 120_000,
      bankCallTimeoutMs: BANK_CALL_TIMEOUT_MS,
      bankRetry: { initialIntervalMs: 200, maximumIntervalMs: 1000, maximumAttempts: 5 },
    },
  };
}

function waitForStatus(handle: Handle, status: DeviceApprovalStatus) {
  return waitFor(
    () => handle.query(approvalStateQuery),
    (state) => state.status === status,
    status,
  );
}

async function counters(): Promise<Record<string, number>> {
  return (await bank.generic.stats()).counters;
}

function delta(after: Record<string, number>, before: Record<string, number>, name: string): number {
  return (after[name] ?? 0) - (before[name] ?? 0);
}

it('a worker killed while the approval waits: a new worker finishes it with one device created', async () => {
  const first = await spawnWorker();
  const before = await counters();
  const request = input();
  const handle: Handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
  await waitForStatus(handle, 'WAITING_FOR_TOKEN');
  await killHard(first);

  const second = await spawnWorker();
  const { token } = await bank.sentToken(request.deviceKey);
  expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');

  const after = await counters();
  expect(delta(after, before, 'devicesCreated')).toBe(1);
  expect(delta(after, before, `calls:${BANK_ROUTES.create}`)).toBe(1);
  for (const output of [first.output(), second.output()]) {
    expect(output).not.toContain(APPROVER_CPF);
    expect(output).not.toContain(token);
  }
  await killHard(second);
});

it('a worker killed while the bank checks the token: the retry reads the approval instead of re-sending', async () => {
  const first = await spawnWorker();
  const request = input();
  const handle: Handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
  await waitForStatus(handle, 'WAITING_FOR_TOKEN');
  const { token } = await bank.sentToken(request.deviceKey);
  const before = await counters();

  // The bank takes 2 s on this validation and completes it even though its caller dies meanwhile.
  await bank.slow('validate', 2000);
  const update = handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
  await waitFor(
    () => bank.counter(`calls:${BANK_ROUTES.validate}`),
    (calls) => calls > (before[`calls:${BANK_ROUTES.validate}`] ?? 0),
    'the validate call to reach the bank',
  );
  expect((await handle.query(approvalStateQuery)).status).toBe('VALIDATING');
  await killHard(first);

  const second = await spawnWorker();
  expect(await update).toEqual({ outcome: 'accepted' });
  const result = await handle.result();
  expect(result).toMatchObject({ status: 'APPROVED', attemptsLeft: 3 });
  expect(result.transitions.at(-1)?.detail).toBe('approval confirmed by a status read');

  const after = await counters();
  expect(delta(after, before, `calls:${BANK_ROUTES.validate}`)).toBe(1);
  expect(delta(after, before, 'tokensValidated')).toBe(1);
  expect(delta(after, before, 'wrongTokens')).toBe(0);
  expect(delta(after, before, 'devicesCreated')).toBe(0);
  expect(second.output()).not.toContain(APPROVER_CPF);
  expect(second.output()).not.toContain(token);
  await killHard(second);
});

it('a worker killed during a delayed validate call (delay fault): the new worker checks the token once more, never counting it wrong', async () => {
  const first = await spawnWorker();
  const request = input();
  const handle: Handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(request, stack.taskQueue),
  );
  await waitForStatus(handle, 'WAITING_FOR_TOKEN');
  const { token } = await bank.sentToken(request.deviceKey);
  const before = await counters();

  // The framework's delay holds the request before the bank reads it; the caller's death cancels it.
  await bank.generic.injectFault({ route: BANK_ROUTES.validate, kind: 'delay', delayMs: 2000 });
  const update = handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
  await waitFor(
    () => bank.counter('faults:delay'),
    (delayed) => delayed > (before['faults:delay'] ?? 0),
    'the validate call to be held by the delay fault',
  );
  await killHard(first);

  const second = await spawnWorker();
  expect(await update).toEqual({ outcome: 'accepted' });
  expect(await handle.result()).toMatchObject({ status: 'APPROVED', attemptsLeft: 3 });
  const after = await counters();
  expect(delta(after, before, 'tokensValidated')).toBe(1);
  expect(delta(after, before, 'wrongTokens')).toBe(0);
  expect(delta(after, before, 'devicesCreated')).toBe(0);
  await killHard(second);
});
