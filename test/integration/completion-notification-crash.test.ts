/**
 * A completion notification survives the worker: while the receiver answers 503, the worker
 * process delivering it is killed (SIGKILL); another worker picks the delivery up, and once the
 * receiver recovers the event arrives exactly once, with the id every attempt carried.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { deviceApprovalStartOptions } from '../../contracts/device-approval';
import type { DeliveryState } from '../../contracts/notification';
import { BankDeviceControl } from '../../simulators/bank-device';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import {
  NOTIFICATION_PATH,
  NotificationReceiverControl,
  startNotificationReceiver,
} from '../../simulators/notification-receiver';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { spawnWorkerProcess, startTestStack, type TestStack, type WorkerProcess } from '../harness';

let receiver: RunningSimulator;
let notifications: NotificationReceiverControl;
let stack: TestStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  receiver = await startNotificationReceiver({ secrets: [secret] });
  notifications = new NotificationReceiverControl(receiver.url);
  stack = await startTestStack({
    workers: false,
    env: {
      KYC_NOTIFY_URL: `${receiver.url}${NOTIFICATION_PATH}`,
      KYC_NOTIFY_SECRETS: `${receiver.url}=${secret}`,
      KYC_NOTIFY_TIMEOUT_MS: '1000',
      KYC_NOTIFY_INITIAL_INTERVAL_MS: '200',
      KYC_NOTIFY_MAX_INTERVAL_MS: '500',
      KYC_NOTIFY_RETRY_WINDOW_MS: '300000',
    },
  });
});
afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGKILL');
  await stack?.shutdown();
  await receiver?.close();
});

async function spawnWorker(): Promise<WorkerProcess> {
  const worker = await spawnWorkerProcess(stack);
  workers.push(worker);
  return worker;
}

async function waitFor(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('delivers once after the delivering worker is killed mid-retries', async () => {
  const accountKey = randomUUID();
  await new BankDeviceControl(stack.simulators.controls.bank).registerAccount({
    account_key: accountKey,
    approvers: [TEST_APPROVER_CPF],
  });
  await notifications.failNext(10_000, 503);
  const first = await spawnWorker();
  const handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(
      approvalInput(accountKey, { contactType: 'liveness', imageKey: randomUUID() }),
      stack.taskQueue,
    ),
  );
  const result = await handle.result();
  expect(result.status).toBe('APPROVED');
  const record = result.notification!;
  expect(record.status).toBe('SCHEDULED');

  const attempts = async () => (await notifications.notifications()).filter((e) => e.webhookId === record.eventId);
  await waitFor(async () => (await attempts()).length >= 2, 'two failed attempts');
  await first.kill('SIGKILL');
  expect(first.child.signalCode).toBe('SIGKILL');

  await notifications.recover();
  await spawnWorker();
  const settled = (await stack.client.workflow.getHandle(record.deliveryWorkflowId!).result()) as DeliveryState;
  expect(settled).toMatchObject({ status: 'DELIVERED', httpStatus: 204 });

  const received = await attempts();
  expect(received.filter((entry) => entry.answeredStatus === 204)).toHaveLength(1);
  expect(received.length).toBeGreaterThanOrEqual(3);
  for (const entry of received) expect(entry.event.id).toBe(record.eventId);
  // The approval's own result is unchanged by all this.
  expect((await handle.result()).status).toBe('APPROVED');
});
