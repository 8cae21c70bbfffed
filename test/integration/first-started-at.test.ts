/**
 * `KycFirstStartedAt` on the real dev server: set for every flow, carried across the identity
 * tracker's continue-as-new (unlike `StartTime`, which each run resets), and read by the client's
 * "older than" filters, so a tracker that continued as new still counts as old.
 */
import { randomUUID } from 'node:crypto';
import { KycClient } from '../../client';
import { deviceApprovalStartOptions, approvalStateQuery } from '../../contracts/device-approval';
import { FIRST_STARTED_AT_KEY } from '../../contracts/first-started-at';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { startTestStack, uniqueId, type TestStack } from '../harness';

let stack: TestStack;
let kyc: KycClient;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack();
  kyc = new KycClient(stack.client, stack.config.temporal);
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(async () => {
  await stack?.shutdown();
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} never happened; last: ${JSON.stringify(last)}`);
}

it('the identity tracker keeps its first start across continue-as-new, and "older than" finds it by it', async () => {
  const { flowId } = await esign.createFlow();
  const { handle } = await kyc.identityFlows.track({
    flowId,
    polling: { initialIntervalMs: 5, maxIntervalMs: 20, heartbeatTimeoutMs: 2_000 },
    providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 },
    continueAsNewAfterEvents: 20,
  });
  const temporal = stack.client.workflow.getHandle(handle.workflowId);
  const firstStartedAt = (await temporal.describe()).typedSearchAttributes.get(FIRST_STARTED_AT_KEY);
  expect(firstStartedAt).toBeInstanceOf(Date);

  await until(
    () => handle.outline(),
    (view) => view.changes === 1,
    'the first read',
  );
  // Time passes, then enough changes to continue as new.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (let i = 1; ; i++) {
    await esign.progress(flowId, {
      flowStatus: 'ING',
      addSubFlows: [{ subFlowId: `sub-${i}`, subFlowType: 'ORGANIZATION_INFO_AUTH' }],
      callback: false,
    });
    const view = await until(
      () => handle.outline(),
      (current) => current.changes >= 1 + i,
      `change ${i}`,
    );
    if (view.run > 1) break;
    if (i > 20) throw new Error('never continued as new');
  }

  const latest = await temporal.describe();
  expect(latest.startTime.getTime()).toBeGreaterThan(firstStartedAt!.getTime() + 1_000);
  expect(latest.typedSearchAttributes.get(FIRST_STARTED_AT_KEY)).toEqual(firstStartedAt);

  // A cutoff after the first start but before this run's start: only KycFirstStartedAt finds it.
  const olderThanMs = Date.now() - (firstStartedAt!.getTime() + 500);
  const listed = await until(
    () => kyc.identityFlows.list({ olderThanMs, execution: 'Running', limit: 1000 }),
    (items) => items.some((item) => item.flowId === flowId),
    'the tracker listed as older',
  );
  expect(listed.find((item) => item.flowId === flowId)?.startTime.getTime()).toBe(latest.startTime.getTime());
  const younger = await kyc.identityFlows.list({ olderThanMs: 60 * 60_000, execution: 'Running', limit: 1000 });
  expect(younger.map((item) => item.flowId)).not.toContain(flowId);

  await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
  expect((await handle.result()).status).toBe('SUCCESS');
});

it('a device approval and a phone check get it too, and `kyc device list --older-than` reads it', async () => {
  const accountKey = randomUUID();
  await new BankDeviceControl(stack.simulators.controls.bank).registerAccount({
    account_key: accountKey,
    approvers: [TEST_APPROVER_CPF],
  });
  const approval = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(approvalInput(accountKey), stack.taskQueue),
  );
  await until(
    () => approval.query(approvalStateQuery),
    (state) => state.status === 'WAITING_FOR_TOKEN',
    'WAITING_FOR_TOKEN',
  );
  const description = await approval.describe();
  expect(description.typedSearchAttributes.get(FIRST_STARTED_AT_KEY)?.getTime()).toBe(description.startTime.getTime());
  await until(
    () => kyc.deviceApprovals.list({ accountKey, olderThanMs: 0 }),
    (items) => items.length === 1,
    'the approval listed',
  );
  expect(await kyc.deviceApprovals.list({ accountKey, olderThanMs: 60 * 60_000 })).toEqual([]);
  await approval.cancel();

  const requestId = uniqueId('first-started');
  const run = await kyc.phoneChecks.run(
    { phone: '13812345600', idCard: '11010519491231002X', name: '张三' },
    requestId,
  );
  const phone = await stack.client.workflow.getHandle(run.workflowId).describe();
  expect(phone.typedSearchAttributes.get(FIRST_STARTED_AT_KEY)).toBeInstanceOf(Date);
});
