/**
 * Demo of the device two-factor approval, as a caller and an approver would drive it: start an
 * approval, start it again (same run, no second device), find it among the approvals waiting for a
 * token, type a wrong token, read the real one from the bank simulator (standing in for the
 * approver's phone), submit it, then a liveness approval, a cancellation, and bad input refused
 * before the bank, all through the project's client library (so each run has its UI summary).
 * Narration carries no personal data (no CPF, no token).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeviceApprovalHandle } from '../../client';
import {
  deviceApprovalListQuery,
  type DeviceApprovalInput,
  type DeviceApprovalStatus,
} from '../../contracts/device-approval';
import { InvalidInputError } from '../../contracts/validation';
import type { DeliveryState, NotificationRecord } from '../../contracts/notification';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import type { DemoContext } from './context';

/** A made-up CPF with valid check digits (a published test vector), registered as the approver. */
const DEMO_APPROVER_CPF = '52998224725';

const CREATE_CALLS = `calls:${BANK_ROUTES.create}`;

async function waitForStatus(handle: DeviceApprovalHandle, status: DeviceApprovalStatus): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await handle.state()).status !== status) {
    if (Date.now() > deadline) throw new Error(`the approval did not reach ${status}`);
    await sleep(100);
  }
}

export async function runDeviceApprovalDemo(ctx: DemoContext): Promise<void> {
  const bank = new BankDeviceControl(ctx.controls.bank);
  const approvals = ctx.kyc.deviceApprovals;
  const accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [DEMO_APPROVER_CPF] });
  ctx.say(`Bank simulator: account ${accountKey} registered with one approver.`);

  const request = (overrides: Partial<DeviceApprovalInput> = {}): DeviceApprovalInput => ({
    accountKey,
    deviceKey: randomUUID(),
    sessionId: randomUUID(),
    approverCpf: DEMO_APPROVER_CPF,
    contactType: 'sms',
    policy: { approvalDeadlineMs: 10 * 60 * 1000, resendCooldownMs: 5_000 },
    ...overrides,
  });

  // 1. An SMS approval, started twice: the second start attaches to the first run.
  const sms = request();
  const { handle, started } = await approvals.start(sms);
  if (!started) throw new Error('the approval was not started');
  ctx.say(`Started an SMS approval: ${ctx.workflowLink(handle.workflowId)}`);
  const again = await approvals.start(sms);
  await waitForStatus(handle, 'WAITING_FOR_TOKEN');
  ctx.say(
    `Started it again with the same keys: same run (${!again.started && again.workflowId === handle.workflowId ? 'yes' : 'NO'}); ` +
      `devices created at the bank: ${await bank.counter('devicesCreated')}.`,
  );
  const waiting = await handle.state();
  ctx.say(
    `State: ${waiting.status}, ${waiting.attemptsLeft} attempts and ${waiting.resendsLeft} re-sends left, deadline ${waiting.deadline}.`,
  );

  const query = deviceApprovalListQuery('WAITING_FOR_TOKEN', accountKey);
  let listed = 0;
  for (let tries = 0; tries < 50 && listed === 0; tries++) {
    listed = (await approvals.waitingForToken({ accountKey })).length;
    if (listed === 0) await sleep(200);
  }
  ctx.say(`Approvals waiting for a token on this account (temporal workflow list --query "${query}"): ${listed}.`);

  // 2. The approver mistypes, then types the token the bank sent.
  const { token } = await bank.sentToken(sms.deviceKey);
  if (!token) throw new Error('the bank simulator sent no token');
  const wrong = await handle.submitToken(token === '000000' ? '111111' : '000000');
  ctx.say(
    `A wrong token: ${wrong.outcome}${wrong.outcome === 'wrong' ? `, ${wrong.attemptsLeft} attempts left` : ''}.`,
  );
  ctx.say('The token sent to the approver, read from the bank simulator (not shown), is submitted now.');
  const right = await handle.submitToken(token);
  const result = await handle.result();
  ctx.say(
    `Submitted: ${right.outcome}. Result: ${result.status}; path ${result.transitions.map((t) => t.status).join(' → ')}.`,
  );

  // 3. Liveness: the face check approves at creation.
  const liveness = (await approvals.start(request({ contactType: 'liveness', imageKey: randomUUID() }))).handle;
  const approved = await liveness.result();
  ctx.say(`Liveness approval: ${ctx.workflowLink(liveness.workflowId)} → ${approved.status}.`);
  await showNotification(ctx, approved.notification);

  // 4. Cancelled while waiting: the pending device is disabled at the bank.
  const cancelled = (await approvals.start(request({ contactType: 'email' }))).handle;
  await waitForStatus(cancelled, 'WAITING_FOR_TOKEN');
  const cancel = await cancelled.cancel('demo: user gave up');
  ctx.say(
    `Cancelled approval: ${ctx.workflowLink(cancelled.workflowId)} → ${cancel.status}, device disabled: ${cancel.deviceDisabled}.`,
  );

  // 5. A CPF with wrong check digits never leaves the caller.
  const callsBefore = await bank.counter(CREATE_CALLS);
  try {
    await approvals.start(request({ approverCpf: '52998224726' }));
    throw new Error('bad input was accepted');
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    ctx.say(`Bad input refused before the bank: ${error.message}`);
  }
  ctx.say(`Bank create calls caused by the bad input: ${(await bank.counter(CREATE_CALLS)) - callsBefore}.`);
}

/** Waits for the approval's completion notification to settle and shows what the receiver got. */
async function showNotification(ctx: DemoContext, record: NotificationRecord | undefined): Promise<void> {
  if (record?.status !== 'SCHEDULED') {
    ctx.say(`Completion notification: ${record?.status ?? 'none'}${record?.reason ? ` (${record.reason})` : ''}.`);
    return;
  }
  const delivery = (await ctx.client.workflow.getHandle(record.deliveryWorkflowId!).result()) as DeliveryState;
  const arrived = (await ctx.notifications.notifications()).find((entry) => entry.webhookId === record.eventId);
  ctx.say(
    `Completion notification ${record.eventId}: ${delivery.status} after ${delivery.attempts ?? '?'} attempt(s) ` +
      `(${ctx.workflowLink(record.deliveryWorkflowId!)}).`,
  );
  if (arrived) {
    ctx.say(`The receiver verified its signature and got: ${JSON.stringify(arrived.event)}`);
  }
}
