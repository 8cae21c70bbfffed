/**
 * Completion notifications end to end on the real dev server: the three flows' final states each
 * deliver exactly one signed event to a receiver that verifies it (simulators/notification-receiver),
 * retries carry the same event id, a receiver that fails 3 times then answers gets the event, one
 * that stays down past the retry window leaves the flow's result intact and the delivery FAILED,
 * 410 / other 4xx / redirects stop at once, and no event holds personal data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  approvalStateQuery,
  cancelApprovalUpdate,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
  type DeviceApprovalState,
} from '../../contracts/device-approval';
import { identityFlowStartOptions } from '../../contracts/identity-flow';
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  phoneCheckWorkflowId,
  type PhoneCheckInput,
} from '../../contracts/phone-check';
import {
  deliveryStateQuery,
  notificationEventId,
  notificationWorkflowId,
  type DeliveryState,
  type NotificationRecord,
} from '../../contracts/notification';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import {
  NOTIFICATION_PATH,
  NotificationReceiverControl,
  startNotificationReceiver,
  type ReceivedNotification,
} from '../../simulators/notification-receiver';
import { freePort } from '../../scripts/lib/free-port';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { HISTORIES_ROOT, historyJson } from '../support/histories';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';

const RECORD = process.env.RECORD_DEVICE_APPROVAL_HISTORIES === '1';
const NOT_AN_APPROVER_CPF = '11144477735';
const PHONE_FACTORS = { idCard: '11010519491231002X', name: '张三' };
const FAST_PHONE_RETRY = { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 3 };
const FAST_TRACKING = {
  polling: { initialIntervalMs: 10, backoffCoefficient: 1.5, maxIntervalMs: 40, heartbeatTimeoutMs: 2_000 },
  providerRetry: { initialIntervalMs: 50, backoffCoefficient: 2, maxIntervalMs: 200 },
  deadlineMs: 60_000,
};

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const secret = newSecret();
const retiringSecret = newSecret();

let receiver: RunningSimulator;
let notifications: NotificationReceiverControl;
let notifyUrl: string;
/** A loopback port nothing listens on: a receiver that is down. */
let deadUrl: string;
/** Default notify URL, long retry window. */
let stack: TestStack;
/** No default notify URL, a retry window of 2 s. */
let shortWindow: TestStack;
let bank: BankDeviceControl;
let accountKey: string;

beforeAll(async () => {
  receiver = await startNotificationReceiver({ secrets: [secret] });
  notifications = new NotificationReceiverControl(receiver.url);
  notifyUrl = `${receiver.url}${NOTIFICATION_PATH}`;
  deadUrl = `http://127.0.0.1:${await freePort()}${NOTIFICATION_PATH}`;
  // Both secrets sign (a rotation in progress); the receiver knows only the new one.
  const secrets = `${receiver.url}=${secret} ${retiringSecret},${new URL(deadUrl).origin}=${secret}`;
  const fastRetry = { KYC_NOTIFY_INITIAL_INTERVAL_MS: '100', KYC_NOTIFY_MAX_INTERVAL_MS: '400' };
  stack = await startTestStack({
    env: {
      PROVIDER_TIMEOUT_MS: '1000',
      KYC_NOTIFY_URL: notifyUrl,
      KYC_NOTIFY_SECRETS: secrets,
      KYC_NOTIFY_RETRY_WINDOW_MS: '120000',
      ...fastRetry,
    },
  });
  shortWindow = await startTestStack({
    env: { KYC_NOTIFY_SECRETS: secrets, KYC_NOTIFY_RETRY_WINDOW_MS: '2000', ...fastRetry },
  });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  const account = { account_key: accountKey, approvers: [TEST_APPROVER_CPF], token_attempt_limit: 10 };
  await bank.registerAccount(account);
  await new BankDeviceControl(shortWindow.simulators.controls.bank).registerAccount(account);
});

afterAll(async () => {
  await stack?.shutdown();
  await shortWindow?.shutdown();
  await receiver?.close();
});

function startApproval(on: TestStack, overrides: Partial<DeviceApprovalInput>) {
  return on.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(approvalInput(accountKey, overrides), on.taskQueue),
  );
}

const liveness = (): Partial<DeviceApprovalInput> => ({ contactType: 'liveness', imageKey: randomUUID() });

async function waitingApproval(overrides: Partial<DeviceApprovalInput> = {}) {
  const handle = await startApproval(stack, overrides);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await handle.query(approvalStateQuery);
    if (state.status === 'WAITING_FOR_TOKEN') break;
    if (Date.now() > deadline) throw new Error(`never waited for a token: ${state.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { deviceKey } = await handle.query(approvalStateQuery);
  return { handle, token: (await bank.sentToken(deviceKey)).token! };
}

/** The delivery workflow's result (it ends DELIVERED, GONE, REJECTED or FAILED). */
async function delivery(on: TestStack, record: NotificationRecord | undefined): Promise<DeliveryState> {
  expect(record).toMatchObject({ status: 'SCHEDULED', deliveryWorkflowId: notificationWorkflowId(record!.eventId) });
  return (await on.client.workflow.getHandle(record!.deliveryWorkflowId!).result()) as DeliveryState;
}

async function receivedFor(workflowId: string): Promise<ReceivedNotification[]> {
  return (await notifications.notifications()).filter((entry) => entry.event.workflowId === workflowId);
}

/** Exactly one event reached the receiver with a 2xx answer, carrying the flow's final status. */
async function expectOneDelivered(workflowId: string, record: NotificationRecord, status: string) {
  const entries = await receivedFor(workflowId);
  const delivered = entries.filter((entry) => entry.answeredStatus === 204);
  expect(delivered).toHaveLength(1);
  // Every attempt, failed or not, carried the same id in the header and the body.
  for (const entry of entries) {
    expect(entry.webhookId).toBe(record.eventId);
    expect(entry.event.id).toBe(record.eventId);
  }
  const { event } = delivered[0]!;
  expect(event).toMatchObject({ id: record.eventId, workflowId, status });
  expect(Date.parse(event.occurredAt)).not.toBeNaN();
  return delivered[0]!;
}

/** Nothing shaped like the personal data the tests used, in any event body. */
async function expectNoPersonalData(): Promise<void> {
  const bodies = JSON.stringify(await notifications.notifications());
  for (const value of [TEST_APPROVER_CPF, NOT_AN_APPROVER_CPF, PHONE_FACTORS.idCard, PHONE_FACTORS.name, '13812345']) {
    expect(bodies).not.toContain(value);
  }
}

describe('device approval', () => {
  it('sends exactly one delivered event per final state, signed by every secret of a rotation', async () => {
    const approved = startApproval(stack, liveness());
    const rejected = startApproval(stack, { approverCpf: NOT_AN_APPROVER_CPF });
    const expired = startApproval(stack, { policy: { approvalDeadlineMs: 1000 } });
    const cancelled = waitingApproval().then(async ({ handle }) => {
      await handle.executeUpdate(cancelApprovalUpdate, { args: [{ reason: 'notification test' }] });
      return handle;
    });
    const locked = waitingApproval({ policy: { maxTokenAttempts: 1 } }).then(async ({ handle, token }) => {
      await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token === '000000' ? '111111' : '000000' }] });
      return handle;
    });
    const cases: Array<[string, Promise<WorkflowHandle>]> = [
      ['APPROVED', approved],
      ['REJECTED', rejected],
      ['EXPIRED', expired],
      ['CANCELLED', cancelled],
      ['LOCKED', locked],
    ];
    for (const [status, started] of cases) {
      const handle = await started;
      const result = (await handle.result()) as DeviceApprovalState;
      expect(result.status).toBe(status);
      // The default destination (KYC_NOTIFY_URL): the input has no notifyUrl.
      const { eventId } = result.notification!;
      // No continue-as-new here: the chain's first run is the run.
      expect(eventId).toBe(notificationEventId(await runIdOf(handle), status));
      expect(await delivery(stack, result.notification)).toMatchObject({
        status: 'DELIVERED',
        httpStatus: 204,
        attempts: 1,
        workflowId: handle.workflowId,
      });
      const entry = await expectOneDelivered(handle.workflowId, result.notification!, status);
      expect(entry.event).toMatchObject({
        type: 'device-approval.completed',
        flow: 'device-approval',
        accountKey: accountKey.toLowerCase(),
      });
      expect(entry.signatures).toBe(2);
      // The state query shows the same record once the approval ended.
      expect((await handle.query(approvalStateQuery)).notification).toEqual(result.notification);
    }
    await expectNoPersonalData();
  });

  it('gets the event to a receiver that fails 3 times first; every attempt carries the same id', async () => {
    await notifications.failNext(3, 503);
    const handle = await startApproval(stack, liveness());
    const result = await handle.result();
    const settled = await delivery(stack, result.notification);
    expect(settled).toMatchObject({ status: 'DELIVERED', attempts: 4, httpStatus: 204 });
    const entries = await receivedFor(handle.workflowId);
    expect(entries.map((entry) => entry.answeredStatus)).toEqual([503, 503, 503, 204]);
    await expectOneDelivered(handle.workflowId, result.notification!, 'APPROVED');
    // Each attempt is signed afresh (its own timestamp), never replayed as it was.
    const timestamps = entries.map((entry) => entry.webhookTimestamp);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));

    const history = await handle.fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
      history,
      handle.workflowId,
    );
    if (RECORD) {
      const dir = join(HISTORIES_ROOT, 'device-approval');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'liveness-approved-notified.json'), await historyJson(handle.workflowId));
      const deliveryDir = join(HISTORIES_ROOT, 'completion-notification');
      mkdirSync(deliveryDir, { recursive: true });
      writeFileSync(
        join(deliveryDir, 'delivered-after-3-failures.json'),
        await historyJson(result.notification!.deliveryWorkflowId!),
      );
    }
  });

  it('leaves the result intact and marks the delivery FAILED when the receiver stays down past the window', async () => {
    const handle = await startApproval(shortWindow, { ...liveness(), notifyUrl: deadUrl });
    const result = await handle.result();
    expect(result.status).toBe('APPROVED');
    const settled = await delivery(shortWindow, result.notification);
    expect(settled).toMatchObject({ status: 'FAILED' });
    expect(settled.reason).toMatch(/^no 2xx answer within the retry window/);
    // The approval's own answer did not change.
    expect((await handle.result()).status).toBe('APPROVED');
    const deliveryHandle = shortWindow.client.workflow.getHandle(result.notification!.deliveryWorkflowId!);
    expect(await deliveryHandle.query(deliveryStateQuery)).toEqual(settled);
  });

  it.each([
    [410, 'GONE'],
    [400, 'REJECTED'],
    [307, 'REJECTED'],
  ])('stops at once on HTTP %i (%s): one attempt, redirects not followed', async (httpStatus, status) => {
    await notifications.failNext(1, httpStatus);
    const handle = await startApproval(stack, liveness());
    const result = await handle.result();
    expect(await delivery(stack, result.notification)).toMatchObject({ status, attempts: 1, httpStatus });
    const entries = await receivedFor(handle.workflowId);
    expect(entries.map((entry) => entry.answeredStatus)).toEqual([httpStatus]);
  });

  it('sends nothing without a destination, and refuses one the worker may not call, recording why', async () => {
    const none = await (await startApproval(shortWindow, liveness())).result();
    expect(none.notification).toEqual({
      eventId: expect.stringMatching(/^msg_[0-9a-f]{32}_approved$/) as string,
      status: 'NONE',
    });

    const remote = await startApproval(shortWindow, { ...liveness(), notifyUrl: 'https://hooks.example.com/kyc' });
    expect((await remote.result()).notification).toMatchObject({
      status: 'NOT_SENT',
      reason: expect.stringContaining('is not a loopback address') as string,
    });
    const unsigned = await startApproval(shortWindow, { ...liveness(), notifyUrl: 'http://127.0.0.1:9/hook' });
    expect((await unsigned.result()).notification).toMatchObject({
      status: 'NOT_SENT',
      reason: expect.stringContaining('has no signing secret') as string,
    });
  });
});

async function runIdOf(handle: WorkflowHandle): Promise<string> {
  return (await handle.describe()).runId;
}

describe('phone check', () => {
  function startCheck(input: PhoneCheckInput) {
    return stack.client.workflow.start<typeof phoneCheckWorkflow>('phoneCheckWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: phoneCheckWorkflowId(uniqueId('notify')),
      args: [input],
      workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
      workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
    });
  }

  it.each([
    ['00', 'VERIFIED'],
    ['04', 'MISMATCH'],
    ['09', 'NO_RECORD'],
  ])('phone ending %s: one delivered event with the outcome', async (suffix, outcome) => {
    const handle = await startCheck({
      phone: `138123456${suffix}`,
      ...PHONE_FACTORS,
      retry: FAST_PHONE_RETRY,
      notifyUrl,
    });
    const result = await handle.result();
    expect(result.outcome).toBe(outcome);
    expect(await delivery(stack, result.notification)).toMatchObject({ status: 'DELIVERED' });
    const entry = await expectOneDelivered(handle.workflowId, result.notification!, outcome);
    expect(entry.event).toMatchObject({ flow: 'phone-check', resultCode: result.resultCode, billed: result.billed });
    await expectNoPersonalData();
  });

  it('a failed check still notifies FAILED, with the failure type only', async () => {
    await stack.simulators.controls.phone.injectFault({
      route: `POST ${PHONE_VERIFICATION_PATH}`,
      kind: 'status',
      status: 400,
    });
    const handle = await startCheck({ phone: '13812345600', ...PHONE_FACTORS, retry: FAST_PHONE_RETRY, notifyUrl });
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const eventId = notificationEventId(await runIdOf(handle), 'FAILED');
    const settled = (await stack.client.workflow.getHandle(notificationWorkflowId(eventId)).result()) as DeliveryState;
    expect(settled.status).toBe('DELIVERED');
    const entry = await expectOneDelivered(handle.workflowId, { eventId, status: 'SCHEDULED' }, 'FAILED');
    expect(entry.event.failureType).toEqual(expect.stringMatching(/^PhoneGateway/));
    await expectNoPersonalData();
  });
});

describe('identity flow', () => {
  let esign: EsignControl;
  beforeAll(() => {
    esign = new EsignControl(stack.simulators.controls.esign);
  });

  it.each(['SUCCESS', 'FAIL'] as const)('a flow that ends %s: one delivered event with the flow id', async (status) => {
    const { flowId } = await esign.createFlow({ objectType: 'INDIVIDUAL' });
    const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
      ...identityFlowStartOptions(flowId, stack.taskQueue),
      args: [{ flowId, ...FAST_TRACKING, notifyUrl }],
    });
    await esign.progress(flowId, { flowStatus: status, callback: false });
    const result = await handle.result();
    expect(result.status).toBe(status);
    expect(await delivery(stack, result.notification)).toMatchObject({ status: 'DELIVERED' });
    const entry = await expectOneDelivered(handle.workflowId, result.notification!, status);
    expect(entry.event).toMatchObject({ flow: 'identity-flow', type: 'identity-flow.completed', flowId });
    expect(entry.event).not.toHaveProperty('outline');
  });
});
