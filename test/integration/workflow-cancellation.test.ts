/**
 * Workflow cancellation (what the Temporal UI's "Cancel" button, `temporal workflow cancel` and
 * `handle.cancel()` all send) in the three flows, on the real dev server with the production
 * worker and the simulators: the device approval disables the device and ends CANCELLED with its
 * state as the result; the identity tracker stops its poller and lists as CANCELLED; a phone check
 * keeps the answer of a call in flight and records CANCELLED when no answer came. Each is driven
 * once through the SDK and once through the real `temporal` binary.
 *
 * With RECORD_HISTORIES=1 the new cancellation paths are written to test/histories/ for the
 * replay tests.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CancelledFailure,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import {
  approvalStateQuery,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalState,
  type DeviceApprovalStatus,
} from '../../contracts/device-approval';
import {
  IDENTITY_FLOW_STATUS_KEY,
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  type IdentityFlowView,
} from '../../contracts/identity-flow';
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_WORKFLOW_TYPE,
  PhoneCheckOutcomeKey,
  phoneCheckWorkflowId,
  type PhoneCheckInput,
} from '../../contracts/phone-check';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { HISTORIES_ROOT, historyJson } from '../support/histories';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';

const RECORD = process.env.RECORD_HISTORIES === '1';
const EventType = proto.api.enums.v1.EventType;
const PHONE_ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;

let stack: TestStack;
let bank: BankDeviceControl;
let esign: EsignControl;
let accountKey: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROVIDER_TIMEOUT_MS: '5000' } });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  esign = new EsignControl(stack.simulators.controls.esign);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
});
afterAll(async () => {
  await stack?.shutdown();
});

/** `temporal workflow cancel` with the real binary against the harness's server. */
async function temporalCancel(workflowId: string): Promise<string> {
  const { cliPath, temporalAddress, namespace } = harnessInfo();
  const { stdout } = await promisify(execFile)(cliPath, [
    'workflow',
    'cancel',
    '--workflow-id',
    workflowId,
    '--address',
    temporalAddress,
    '--namespace',
    namespace,
  ]);
  return stdout;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what} never happened; last: ${JSON.stringify(last)}`);
}

async function eventTypes(handle: WorkflowHandle): Promise<number[]> {
  return ((await handle.fetchHistory()).events ?? []).map((event) => Number(event.eventType));
}

/** Replays the run's history with the current code, and records it when asked. */
async function replayAndRecord(handle: WorkflowHandle, folder: string, name: string): Promise<void> {
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
    await handle.fetchHistory(),
    name,
  );
  if (RECORD) writeFileSync(join(HISTORIES_ROOT, folder, `${name}.json`), await historyJson(handle.workflowId));
}

async function cancelledFailureOf(handle: WorkflowHandle): Promise<CancelledFailure> {
  const error = await handle.result().then(
    () => new Error('expected the workflow to end cancelled'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof CancelledFailure)) throw error;
  return error.cause;
}

describe('device approval', () => {
  async function waitingApproval(
    overrides: Parameters<typeof approvalInput>[1] = {},
  ): Promise<{ handle: WorkflowHandle<typeof deviceApprovalWorkflow>; deviceKey: string }> {
    const request = approvalInput(accountKey, overrides);
    const handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
      'deviceApprovalWorkflow',
      deviceApprovalStartOptions(request, stack.taskQueue),
    );
    await until(
      () => handle.query(approvalStateQuery),
      (state) => state.status === 'WAITING_FOR_TOKEN',
      'WAITING_FOR_TOKEN',
    );
    return { handle, deviceKey: request.deviceKey };
  }

  function expectCancelledAndDisabled(state: DeviceApprovalState): void {
    expect(state.status).toBe<DeviceApprovalStatus>('CANCELLED');
    expect(state.deviceDisabled).toBe(true);
    expect(state.transitions.at(-1)).toMatchObject({ status: 'CANCELLED', detail: 'workflow cancellation requested' });
  }

  it('handle.cancel(): the device is disabled and the approval ends CANCELLED with its state as the result', async () => {
    const { handle, deviceKey } = await waitingApproval();
    const disabledBefore = await bank.counter('devicesDisabled');
    await handle.cancel();

    const result = await handle.result();
    expectCancelledAndDisabled(result);
    expect((await bank.sentToken(deviceKey)).status).toBe('deactivated');
    expect((await bank.counter('devicesDisabled')) - disabledBefore).toBe(1);
    // The run completed (with a result), after Temporal recorded the cancellation request.
    const types = await eventTypes(handle);
    expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
    expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    await replayAndRecord(handle, 'device-approval', 'workflow-cancelled-and-disabled');
  });

  it('`temporal workflow cancel`: the same clean-up', async () => {
    const { handle, deviceKey } = await waitingApproval();
    const output = await temporalCancel(handle.workflowId);
    expect(output).toMatch(/cancel/i);

    expectCancelledAndDisabled(await handle.result());
    expect((await bank.sentToken(deviceKey)).status).toBe('deactivated');
  });

  it('cancelled while the bank checks a token: the check is refused, then the device is disabled', async () => {
    const { handle, deviceKey } = await waitingApproval();
    const { token } = await bank.sentToken(deviceKey);
    await bank.slow('validate', 1_500);
    const submitted = handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
    await until(
      () => handle.query(approvalStateQuery),
      (state) => state.status === 'VALIDATING',
      'VALIDATING',
    );
    await handle.cancel();

    const refusal = await submitted.then(
      () => new Error('expected the update to be refused'),
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refusal as WorkflowUpdateFailedError).cause?.message)).toMatch(/being cancelled/);
    expectCancelledAndDisabled(await handle.result());
    expect((await bank.sentToken(deviceKey)).status).toBe('deactivated');
  });
});

describe('identity tracker', () => {
  async function tracking(): Promise<{ handle: WorkflowHandle<typeof identityFlowWorkflow>; flowId: string }> {
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
      ...identityFlowStartOptions(flowId, stack.taskQueue),
      args: [
        {
          flowId,
          polling: { initialIntervalMs: 20, backoffCoefficient: 1, maxIntervalMs: 20, heartbeatTimeoutMs: 1_000 },
          providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 },
        },
      ],
    });
    await until(
      () => handle.query(identityFlowOutlineQuery),
      (view: IdentityFlowView) => view.outline?.flowStatus === 'ING',
      'ING',
    );
    return { handle, flowId };
  }

  /** The poller stopped: the provider sees no more reads over a few heartbeat intervals. */
  async function expectPollerStopped(flowId: string): Promise<void> {
    const settled = await until(
      async () => {
        const before = await esign.outlineReads(flowId);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { before, after: await esign.outlineReads(flowId) };
      },
      ({ before, after }) => before === after,
      'the poller stopping',
    );
    expect(settled.after).toBe(settled.before);
  }

  it('handle.cancel(): ends Canceled, lists as CANCELLED, and the poller stops reading', async () => {
    const { handle, flowId } = await tracking();
    await handle.cancel();

    await cancelledFailureOf(handle);
    expect((await handle.describe()).typedSearchAttributes.get(IDENTITY_FLOW_STATUS_KEY)).toBe('CANCELLED');
    expect(await eventTypes(handle)).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
    await expectPollerStopped(flowId);
    await replayAndRecord(handle, 'identity-flow', 'workflow-cancelled');
  });

  it('`temporal workflow cancel`: the same', async () => {
    const { handle, flowId } = await tracking();
    await temporalCancel(handle.workflowId);
    await cancelledFailureOf(handle);
    expect((await handle.describe()).typedSearchAttributes.get(IDENTITY_FLOW_STATUS_KEY)).toBe('CANCELLED');
    await expectPollerStopped(flowId);
  });
});

describe('phone check', () => {
  beforeEach(() => stack.simulators.controls.phone.reset());

  function factors(
    phoneSuffix: string,
    retry = { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 4 },
  ) {
    return {
      phone: `138123456${phoneSuffix}`,
      idCard: '11010519491231002X',
      name: '张三',
      retry,
    } satisfies PhoneCheckInput;
  }

  function start(input: PhoneCheckInput): Promise<WorkflowHandle<typeof phoneCheckWorkflow>> {
    return stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: phoneCheckWorkflowId(uniqueId('req')),
      args: [input],
      workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
      workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
    });
  }

  async function outcome(handle: WorkflowHandle): Promise<string | undefined> {
    return (await handle.describe()).typedSearchAttributes.get(PhoneCheckOutcomeKey);
  }

  async function callStarted(handle: WorkflowHandle): Promise<void> {
    await until(
      () => eventTypes(handle),
      (types) => types.includes(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED),
      'the gateway call starting',
    );
  }

  it('handle.cancel() while the call is in flight: the answer is kept (it is billed) and returned', async () => {
    const gateway = stack.simulators.controls.phone;
    await gateway.injectFault({ route: PHONE_ROUTE, kind: 'delay', delayMs: 1_500 });
    const handle = await start(factors('00'));
    await callStarted(handle);
    await handle.cancel();

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'VERIFIED', billed: true });
    expect(await outcome(handle)).toBe('VERIFIED');
    expect(await gateway.counter('billedCalls')).toBe(1);
    await replayAndRecord(handle, 'phone-check', 'cancelled-while-call-in-flight');
  });

  it('`temporal workflow cancel` between retries: no answer came, the check ends Canceled as CANCELLED', async () => {
    const gateway = stack.simulators.controls.phone;
    // Busy, then a long backoff: the cancel lands while no call is in flight.
    const handle = await start(
      factors('11', { initialIntervalMs: 60_000, maximumIntervalMs: 60_000, maximumAttempts: 3 }),
    );
    await until(
      async () => (await handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 0,
      (attempt) => attempt >= 2,
      'the retry being scheduled',
    );
    await temporalCancel(handle.workflowId);

    await cancelledFailureOf(handle);
    expect(await outcome(handle)).toBe('CANCELLED');
    expect(await gateway.counter(`calls:${PHONE_ROUTE}`)).toBe(1);
    await replayAndRecord(handle, 'phone-check', 'cancelled-between-retries');
  });
});
