/**
 * `kyc <flow> status` of a closed workflow comes from its close status and its result or failure,
 * for every close kind and all three flows, on the real dev server: completed (exit 0, the
 * result), failed, terminated, cancelled and timed out (exit 6, naming how it ended), and a run
 * that continued as new (the status of the run it continued into). A tracker that failed used to
 * print "phase TRACKING" and exit 0. Also: `device list` and `phone list` are newest started first.
 *
 * The CLI runs in-process (`runCli` with the stack's environment) to keep the file fast.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { runCli } from '../../client/cli/program';
import type { CliIo } from '../../client/cli/context';
import { EXIT } from '../../client/cli/exit-codes';
import {
  approvalStateQuery,
  deviceApprovalStartOptions,
  deviceApprovalWorkflowId,
  submitTokenUpdate,
  type DeviceApprovalInput,
} from '../../contracts/device-approval';
import { identityFlowOutlineQuery, identityFlowWorkflowId, type IdentityFlowView } from '../../contracts/identity-flow';
import { PHONE_CHECK_WORKFLOW_TYPE, phoneCheckWorkflowId } from '../../contracts/phone-check';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { startTestStack, uniqueId, type TestStack } from '../harness';

let stack: TestStack;
let bank: BankDeviceControl;
let esign: EsignControl;
let accountKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  esign = new EsignControl(stack.simulators.controls.esign);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
});
afterAll(async () => {
  await stack?.shutdown();
});

async function kyc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: stack.env,
    readStdin: () => '',
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** The JSON error the CLI prints for a closed run that ended without a result. */
async function failedStatus(args: string[]): Promise<{ executionStatus: string; failureType: string }> {
  const run = await kyc(['--json', ...args]);
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: EXIT.flowFailed, stdout: '' });
  const { error } = JSON.parse(run.stderr) as { error: { executionStatus: string; failureType: string } };
  return error;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`never matched: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function closed(handle: WorkflowHandle, status: string): Promise<void> {
  await eventually(
    async () => (await handle.describe()).status.name,
    (name) => name === status,
  );
}

const TIMEOUT = { workflowExecutionTimeout: '2s' } as const;

// ---------------------------------------------------------------------------------------------

describe('device status', () => {
  async function waiting(extra: { workflowExecutionTimeout?: string } = {}, account = accountKey) {
    const request = approvalInput(account);
    const handle = await stack.client.workflow.start('deviceApprovalWorkflow', {
      ...deviceApprovalStartOptions(request, stack.taskQueue),
      ...extra,
    });
    await eventually(
      () => handle.query(approvalStateQuery),
      (state) => state.status === 'WAITING_FOR_TOKEN',
    );
    return { request, handle, ref: handle.workflowId };
  }

  async function invalid() {
    const request = approvalInput(accountKey);
    const workflowId = deviceApprovalWorkflowId(request.accountKey, request.deviceKey);
    const bad = { ...request, contactType: 'fax' } as unknown as DeviceApprovalInput;
    const handle = await stack.client.workflow.start('deviceApprovalWorkflow', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [bad],
    });
    return { handle, ref: workflowId };
  }

  it('completed: the final state, exit 0', async () => {
    const { request, handle, ref } = await waiting();
    const { token } = await bank.sentToken(request.deviceKey);
    await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
    await closed(handle, 'COMPLETED');
    const run = await kyc(['--json', 'device', 'status', ref]);
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: { status: 'APPROVED' } });
  });

  it('failed, terminated, timed out: exit 6 naming how it ended; cancelled: clean-up done, CANCELLED, exit 0', async () => {
    const failed = await invalid();
    const terminated = await waiting();
    const cancelled = await waiting();
    const timedOut = await waiting(TIMEOUT);
    await terminated.handle.terminate('operator stopped it');
    await cancelled.handle.cancel();
    await Promise.all([
      closed(failed.handle, 'FAILED'),
      closed(terminated.handle, 'TERMINATED'),
      closed(timedOut.handle, 'TIMED_OUT'),
    ]);
    // Workflow cancellation disables the device and completes with the cancel update's result shape
    // (patch device-approval-cancel-scope), so the run closes COMPLETED with status CANCELLED.
    await closed(cancelled.handle, 'COMPLETED');

    expect(await failedStatus(['device', 'status', failed.ref])).toMatchObject({
      executionStatus: 'FAILED',
      failureType: 'InvalidInput',
    });
    expect(await failedStatus(['device', 'status', terminated.ref])).toMatchObject({ executionStatus: 'TERMINATED' });
    const cancelledRun = await kyc(['--json', 'device', 'status', cancelled.ref]);
    expect(cancelledRun.code).toBe(EXIT.ok);
    expect(JSON.parse(cancelledRun.stdout)).toMatchObject({ state: { status: 'CANCELLED' } });
    expect(await failedStatus(['device', 'status', timedOut.ref])).toMatchObject({ executionStatus: 'TIMED_OUT' });

    const human = await kyc(['device', 'status', terminated.ref]);
    expect(human.stderr).toContain('was terminated (TerminatedFailure)');
  });

  it('device list is newest started first, whatever order the runs closed in', async () => {
    const ownAccount = randomUUID();
    await bank.registerAccount({ account_key: ownAccount, approvers: [TEST_APPROVER_CPF] });
    const older = await waiting({}, ownAccount);
    const newer = await waiting({}, ownAccount);
    const newest = await waiting({}, ownAccount);
    // Closed newest-started first: the server's order (by close time) would list `older` first.
    await newer.handle.terminate('test');
    await older.handle.terminate('test');
    const run = await kyc(['--json', 'device', 'list', '--account-key', ownAccount]);
    expect(run.code).toBe(EXIT.ok);
    expect((JSON.parse(run.stdout) as Array<{ workflowId: string }>).map((item) => item.workflowId)).toEqual([
      newest.ref,
      newer.ref,
      older.ref,
    ]);
    await newest.handle.terminate('test over');
  });
});

// ---------------------------------------------------------------------------------------------

describe('identity status', () => {
  const SLOW = { initialIntervalMs: 600_000, maxIntervalMs: 600_000, heartbeatTimeoutMs: 2_000 };
  const FAST = { initialIntervalMs: 50, maxIntervalMs: 100, heartbeatTimeoutMs: 2_000 };

  async function tracking(input: Record<string, unknown>, extra: { workflowExecutionTimeout?: string } = {}) {
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await stack.client.workflow.start('identityFlowWorkflow', {
      workflowId: identityFlowWorkflowId(flowId),
      taskQueue: stack.taskQueue,
      args: [{ flowId, polling: SLOW, providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 }, ...input }],
      ...extra,
    });
    return { flowId, handle };
  }

  async function seen(handle: WorkflowHandle): Promise<void> {
    await eventually(
      () => handle.query(identityFlowOutlineQuery),
      (view: IdentityFlowView) => view.outline?.flowStatus === 'ING',
    );
  }

  it('completed: phase DONE with the result, exit 0', async () => {
    const { flowId, handle } = await tracking({ polling: FAST });
    await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
    await closed(handle, 'COMPLETED');
    const run = await kyc(['--json', 'identity', 'status', flowId]);
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ view: { phase: 'DONE', result: { status: 'SUCCESS', flowId } } });
  });

  it('failed, terminated, cancelled, timed out: exit 6 naming how it ended, never phase TRACKING', async () => {
    const failed = await tracking({ polling: { initialIntervalMs: -1 } });
    const terminated = await tracking({});
    const cancelled = await tracking({});
    const timedOut = await tracking({}, TIMEOUT);
    await Promise.all([seen(terminated.handle), seen(cancelled.handle)]);
    await terminated.handle.terminate('operator stopped it');
    await cancelled.handle.cancel();
    await Promise.all([
      closed(failed.handle, 'FAILED'),
      closed(terminated.handle, 'TERMINATED'),
      closed(cancelled.handle, 'CANCELLED'),
      closed(timedOut.handle, 'TIMED_OUT'),
    ]);
    expect(await failedStatus(['identity', 'status', failed.flowId])).toMatchObject({
      executionStatus: 'FAILED',
      failureType: 'InvalidInput',
    });
    expect(await failedStatus(['identity', 'status', terminated.flowId])).toMatchObject({
      executionStatus: 'TERMINATED',
    });
    expect(await failedStatus(['identity', 'status', cancelled.flowId])).toMatchObject({
      executionStatus: 'CANCELLED',
    });
    expect(await failedStatus(['identity', 'status', timedOut.flowId])).toMatchObject({
      executionStatus: 'TIMED_OUT',
    });
    const human = await kyc(['identity', 'status', `identity-flow/${failed.flowId}`]);
    expect(human.code).toBe(EXIT.flowFailed);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('failed (InvalidInput)');
  });

  it('continued as new: the status of the run it continued into', async () => {
    // A checkpoint after every read makes each poll a workflow step, so the run soon continues.
    const { flowId, handle } = await tracking({
      polling: { ...FAST, checkpointEveryMs: 1 },
      continueAsNewAfterEvents: 20,
    });
    await eventually(
      () => handle.query(identityFlowOutlineQuery),
      (view: IdentityFlowView) => view.run >= 2,
    );
    const first = await stack.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const run = await kyc(['--json', 'identity', 'status', flowId]);
    expect(run.code).toBe(EXIT.ok);
    const { view } = JSON.parse(run.stdout) as { view: IdentityFlowView };
    expect(view).toMatchObject({ phase: 'TRACKING', flowId, outline: { flowStatus: 'ING' } });
    expect(view.run).toBeGreaterThanOrEqual(2);
    await stack.client.workflow.getHandle(handle.workflowId).terminate('test over');
  });
});

// ---------------------------------------------------------------------------------------------

describe('phone status', () => {
  const FACTORS = { phone: '13800138000', idCard: '11010519491231002X', name: '张三' };

  async function check(retry: Record<string, number>, extra: { workflowExecutionTimeout?: string } = {}) {
    const requestId = uniqueId('status');
    const handle = await stack.client.workflow.start(PHONE_CHECK_WORKFLOW_TYPE, {
      workflowId: phoneCheckWorkflowId(requestId),
      taskQueue: stack.taskQueue,
      args: [{ ...FACTORS, retry }],
      ...extra,
    });
    return { requestId, handle };
  }

  it('completed: the result, exit 0; running: RUNNING, exit 0', async () => {
    const done = await check({});
    await closed(done.handle, 'COMPLETED');
    const run = await kyc(['--json', 'phone', 'status', done.requestId]);
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ execution: 'COMPLETED', result: { billed: true } });

    // The gateway is busy once and the next attempt is a minute away: the check is still running.
    await stack.simulators.controls.phone.injectFault({ route: `POST ${PHONE_VERIFICATION_PATH}`, kind: 'busy' });
    const waiting = await check({ initialIntervalMs: 60_000 });
    await eventually(
      async () => (await waiting.handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 0,
      (attempt) => attempt >= 2,
    );
    const running = await kyc(['--json', 'phone', 'status', waiting.requestId]);
    expect(running.code).toBe(EXIT.ok);
    expect(JSON.parse(running.stdout)).toEqual({ workflowId: waiting.handle.workflowId, execution: 'RUNNING' });
    await waiting.handle.terminate('test over');
  });

  it('failed, terminated, cancelled, timed out: exit 6 naming how it ended', async () => {
    const phone = stack.simulators.controls.phone;
    await phone.injectFault({ route: `POST ${PHONE_VERIFICATION_PATH}`, kind: 'busy', times: 2 });
    const failed = await check({ maximumAttempts: 0 });
    const terminated = await check({ initialIntervalMs: 60_000 });
    const cancelled = await check({ initialIntervalMs: 60_000 });
    // Both got their busy answer and wait a minute for the next attempt.
    for (const { handle } of [terminated, cancelled]) {
      await eventually(
        async () => (await handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 0,
        (attempt) => attempt >= 2,
      );
    }
    // The gateway holds this one's call past the workflow's timeout (a retry would not be
    // scheduled past it: the server fails the activity instead, and the check FAILED).
    await phone.injectFault({ route: `POST ${PHONE_VERIFICATION_PATH}`, kind: 'delay', delayMs: 5_000 });
    const timedOut = await check({}, TIMEOUT);
    await terminated.handle.terminate('operator stopped it');
    await cancelled.handle.cancel();
    await Promise.all([
      closed(failed.handle, 'FAILED'),
      closed(terminated.handle, 'TERMINATED'),
      closed(cancelled.handle, 'CANCELLED'),
      closed(timedOut.handle, 'TIMED_OUT'),
    ]);
    expect(await failedStatus(['phone', 'status', failed.requestId])).toMatchObject({
      executionStatus: 'FAILED',
      failureType: 'InvalidInput',
    });
    expect(await failedStatus(['phone', 'status', terminated.requestId])).toMatchObject({
      executionStatus: 'TERMINATED',
    });
    expect(await failedStatus(['phone', 'status', cancelled.requestId])).toMatchObject({
      executionStatus: 'CANCELLED',
    });
    expect(await failedStatus(['phone', 'status', timedOut.requestId])).toMatchObject({
      executionStatus: 'TIMED_OUT',
    });
  });

  it('phone list is newest started first, whatever order the runs closed in', async () => {
    await stack.simulators.controls.phone.injectFault({
      route: `POST ${PHONE_VERIFICATION_PATH}`,
      kind: 'busy',
      times: 2,
    });
    const older = await check({ initialIntervalMs: 60_000 });
    const newer = await check({ initialIntervalMs: 60_000 });
    await newer.handle.terminate('test');
    await older.handle.terminate('test');
    const run = await kyc(['--json', 'phone', 'list', '--limit', '3']);
    expect(run.code).toBe(EXIT.ok);
    const items = JSON.parse(run.stdout) as Array<{ workflowId: string; startTime: string }>;
    expect(items.slice(0, 2).map((item) => item.workflowId)).toEqual([
      newer.handle.workflowId,
      older.handle.workflowId,
    ]);
    const starts = items.map((item) => Date.parse(item.startTime));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });
});
