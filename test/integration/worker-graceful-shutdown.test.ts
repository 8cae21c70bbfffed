/**
 * SIGTERM reaches the worker process while the bank is still creating a device: the worker stops
 * taking work (/readyz answers 503 at once), lets the bank call finish within
 * KYC_SHUTDOWN_GRACE_TIME, reports it and exits 0. The next worker carries the approval on from
 * WAITING_FOR_TOKEN: one device creation at the bank, the activity completed on its first
 * attempt, the approval ends APPROVED. Nothing lost, nothing done twice.
 */
import { randomUUID } from 'node:crypto';
import {
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
} from '../../contracts/device-approval';
import { approvalStateQuery } from '../../contracts/device-approval';
import { freePort } from '../../scripts/lib/free-port';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { spawnWorkerProcess, startTestStack, type TestStack, type WorkerProcess, waitFor } from '../harness';

const APPROVER_CPF = '52998224725';
/** Long enough that the shutdown certainly begins while the bank works on the creation. */
const BANK_DELAY_MS = 8_000;

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
});
afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGKILL');
  await stack?.shutdown();
});

async function counters(): Promise<Record<string, number>> {
  return (await bank.generic.stats()).counters;
}

it('SIGTERM during a bank call: the call finishes, the worker exits 0, the next worker completes the approval', async () => {
  const healthPort = await freePort();
  const first = await spawnWorkerProcess(stack, {
    KYC_SHUTDOWN_GRACE_TIME: '60s',
    KYC_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
  });
  workers.push(first);
  const readyz = () => fetch(`http://127.0.0.1:${healthPort}/readyz`).then((response) => response.status);
  expect(await readyz()).toBe(200);

  const before = await counters();
  await bank.slow('create', BANK_DELAY_MS);
  const input: DeviceApprovalInput = {
    accountKey,
    deviceKey: randomUUID(),
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'sms',
    // One bank call may take the whole delay: no attempt timeout gets in the way.
    policy: { bankCallTimeoutMs: 60_000 },
  };
  const handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
    'deviceApprovalWorkflow',
    deviceApprovalStartOptions(input, stack.taskQueue),
  );
  await waitFor(
    () => bank.counter(`calls:${BANK_ROUTES.create}`),
    (calls) => calls > (before[`calls:${BANK_ROUTES.create}`] ?? 0),
    'the create call to reach the bank',
  );

  const stopped = first.kill('SIGTERM');
  // Not ready from the signal on, while the bank call is still running.
  await waitFor(readyz, (status) => status === 503, '/readyz to answer 503 during shutdown');
  expect(first.child.exitCode).toBeNull();
  await stopped;
  expect(first.child.exitCode).toBe(0);

  // The activity completed on its first attempt, reported by the stopping worker.
  const { events } = await handle.fetchHistory();
  const scheduled = events!.filter(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'bankCreateDevice',
  );
  expect(scheduled).toHaveLength(1);
  const started = events!.filter((event) => event.activityTaskStartedEventAttributes);
  expect(started.map((event) => event.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  expect(events!.filter((event) => event.activityTaskCompletedEventAttributes)).toHaveLength(1);
  expect(
    events!.some((event) => event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes),
  ).toBe(false);

  const second = await spawnWorkerProcess(stack);
  workers.push(second);
  await waitFor(
    () => handle.query(approvalStateQuery),
    (state) => state.status === 'WAITING_FOR_TOKEN',
    'WAITING_FOR_TOKEN',
  );
  const { token } = await bank.sentToken(input.deviceKey);
  expect(await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] })).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');

  const after = await counters();
  expect((after.devicesCreated ?? 0) - (before.devicesCreated ?? 0)).toBe(1);
  expect((after[`calls:${BANK_ROUTES.create}`] ?? 0) - (before[`calls:${BANK_ROUTES.create}`] ?? 0)).toBe(1);
  for (const output of [first.output(), second.output()]) {
    expect(output).not.toContain(APPROVER_CPF);
    expect(output).not.toContain(token);
  }
});
