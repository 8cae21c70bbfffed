/**
 * Human output of each flow's state. Only what the workflows expose is shown (statuses, counters,
 * opaque keys, provider codes), so nothing here can print a CPF, phone, ID number, name or token.
 */
import {
  isTerminalStatus,
  type CancelResult,
  type DeviceApprovalState,
  type ResendTokenResult,
  type SubmitTokenResult,
} from '../../contracts/device-approval';
import type { IdentityFlowResult, IdentityFlowView, StartedIdentityFlow } from '../../contracts/identity-flow';
import type { PhoneCheckWorkflowResult } from '../../contracts/phone-check';
import type { DeviceApprovalListItem } from '../device-approval';
import type { IdentityFlowListItem, StopOutcome } from '../identity-flow';
import type { PhoneCheckListItem, PhoneCheckStatus } from '../phone-check';
import type { BulkItemResult, BulkSummary } from '../bulk';
import type { StartOutcome } from '../starting';
import { relative } from './durations';
import { clock, fields, table, timestamp } from './table';

// ---------------------------------------------------------------------------------------------
// Device approval

export function approvalLine(state: DeviceApprovalState, now = Date.now()): string {
  const parts = [state.status.padEnd(17)];
  if (state.contactType !== 'liveness') parts.push(`attempts ${state.attemptsLeft} · re-sends ${state.resendsLeft}`);
  if (state.status === 'WAITING_FOR_TOKEN' || state.status === 'VALIDATING' || state.status === 'CREATING') {
    parts.push(`deadline ${relative(new Date(state.deadline), now)}`);
  }
  if (state.deadlineApproaching && !isTerminalStatus(state.status)) parts.push('DEADLINE APPROACHING');
  const detail = state.transitions.at(-1)?.detail;
  if (detail) parts.push(`(${detail})`);
  if (state.deviceDisabled !== undefined) parts.push(state.deviceDisabled ? 'device disabled' : 'device NOT disabled');
  return parts.join('  ');
}

/** "now" once the cooldown has passed, else how long to wait. */
function resendWhen(nextResendAt: string, now: number): string {
  const at = new Date(nextResendAt);
  return at.getTime() <= now ? 'now' : relative(at, now);
}

export function renderApprovalState(workflowId: string, state: DeviceApprovalState, now = Date.now()): string {
  const waiting = state.status === 'WAITING_FOR_TOKEN';
  const ended = isTerminalStatus(state.status);
  const lines = [
    `Device approval ${workflowId}`,
    fields([
      ['status', state.status],
      ['contact', state.contactType],
      ['attempts left', state.contactType === 'liveness' ? undefined : String(state.attemptsLeft)],
      ['re-sends left', state.contactType === 'liveness' ? undefined : String(state.resendsLeft)],
      [
        'deadline',
        ended ? timestamp(state.deadline) : `${timestamp(state.deadline)} (${relative(new Date(state.deadline), now)})`,
      ],
      ['next re-send', waiting && state.nextResendAt ? resendWhen(state.nextResendAt, now) : undefined],
      ['reminders sent', state.remindersSent === undefined ? undefined : String(state.remindersSent)],
      ['next reminder', waiting && state.nextReminderAt ? resendWhen(state.nextReminderAt, now) : undefined],
      [
        'deadline warning',
        state.deadlineWarningAt === undefined
          ? undefined
          : state.deadlineApproaching
            ? `deadline approaching (since ${timestamp(state.deadlineWarningAt)})`
            : `at ${timestamp(state.deadlineWarningAt)}`,
      ],
      [
        'rejection',
        state.rejection
          ? `${state.rejection.type}${state.rejection.code ? ` ${state.rejection.code}` : ''}: ${state.rejection.message}`
          : undefined,
      ],
      [
        'device disabled',
        state.deviceDisabled === undefined ? undefined : state.deviceDisabled ? 'yes' : 'NO (disable failed)',
      ],
    ]),
    '  history',
    ...state.transitions.map(
      (transition) =>
        `    ${clock(transition.at)}  ${transition.status}${transition.detail ? `  ${transition.detail}` : ''}`,
    ),
  ];
  return lines.join('\n');
}

export function renderStart(kind: string, outcome: StartOutcome): string {
  if (outcome.finished)
    return `${kind} ${outcome.workflowId} already finished (${outcome.finished}); not started again`;
  return outcome.started
    ? `Started ${kind} ${outcome.workflowId}`
    : `Attached to the running ${kind} ${outcome.workflowId}`;
}

export function renderTokenResult(result: SubmitTokenResult): string {
  switch (result.outcome) {
    case 'accepted':
      return 'Token accepted: the device is APPROVED.';
    case 'wrong':
      return `Wrong token: ${result.attemptsLeft} attempt${result.attemptsLeft === 1 ? '' : 's'} left.`;
    case 'locked':
      return 'Too many wrong tokens: the approval is LOCKED.';
  }
}

export function renderResendResult(result: ResendTokenResult, now = Date.now()): string {
  if (result.outcome === 'locked') return 'The bank locked the device: the approval is LOCKED.';
  return (
    `A new token was sent by ${result.contactType}; ${result.resendsLeft} re-send${result.resendsLeft === 1 ? '' : 's'} left, ` +
    `next allowed ${relative(new Date(result.nextResendAt), now)}.`
  );
}

export function renderCancelResult(result: CancelResult): string {
  return `Approval CANCELLED; device ${result.deviceDisabled ? 'disabled' : 'NOT disabled (the bank did not confirm)'}.`;
}

/** The dry run of a bulk action: how many, and which. */
export function renderBulkPlan(verb: 'cancel' | 'stop', workflowIds: readonly string[]): string {
  if (workflowIds.length === 0) return `Nothing to ${verb}: no running workflow matches.`;
  return [
    `${workflowIds.length} running workflow(s) match; dry run, nothing was done:`,
    ...workflowIds.map((id) => `  ${id}`),
    `Run again with --yes to ${verb} them.`,
  ].join('\n');
}

/** One progress line per workflow of a bulk action (written to stderr). */
export function bulkProgressLine(summary: BulkSummary, last: BulkItemResult): string {
  const done = summary.done + summary.alreadyEnded + summary.failed;
  return `[${done}/${summary.total}] ${last.workflowId}: ${last.outcome}${last.detail ? ` (${last.detail})` : ''}`;
}

export function renderBulkSummary(verb: 'cancelled' | 'stopped', summary: BulkSummary): string {
  return `${verb} ${summary.done}, already ended ${summary.alreadyEnded}, failed ${summary.failed} (of ${summary.total})`;
}

export function renderStopOutcome(result: StopOutcome): string {
  return result.outcome === 'stopped'
    ? `Stopped tracking ${result.workflowId}: CANCELLED (its poller was cancelled; the provider flow is untouched).`
    : `${result.workflowId} had already ended: ${result.status}.`;
}

export function renderApprovalList(items: DeviceApprovalListItem[], now = Date.now()): string {
  if (items.length === 0) return 'No device approvals match.';
  return table(
    ['STATUS', 'CONTACT', 'ACCOUNT', 'DEVICE', 'STARTED', 'RUN'],
    items.map((item) => [
      item.status ?? '-',
      item.contactType ?? '-',
      item.accountKey ?? '-',
      item.deviceKey ?? '-',
      relative(item.startTime, now),
      item.execution,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Identity flow

function subFlowSummary(view: IdentityFlowView): string | undefined {
  const subFlows = view.outline?.subFlows ?? [];
  if (subFlows.length === 0) return undefined;
  return subFlows.map((subFlow) => `${subFlow.subFlowType} ${subFlow.status}`).join(', ');
}

export function resultLine(result: IdentityFlowResult): string {
  switch (result.status) {
    case 'SUCCESS':
      return 'SUCCESS';
    case 'FAIL':
      return `FAIL: ${result.reason}${result.providerCode === null ? '' : ` (provider code ${result.providerCode})`}`;
    case 'NOT_FOUND':
      return `NOT_FOUND (provider code ${result.providerCode})`;
    case 'EXPIRED':
      return result.source === 'deadline'
        ? 'EXPIRED (our deadline passed)'
        : `EXPIRED (provider code ${result.providerCode})`;
  }
}

export function identityLine(view: IdentityFlowView): string {
  if (view.result) return `DONE  ${resultLine(view.result)}`;
  const parts = [(view.outline?.flowStatus ?? 'unread').padEnd(7)];
  const subFlows = subFlowSummary(view);
  if (subFlows) parts.push(subFlows);
  parts.push(`checks ${view.checks} · changes ${view.changes} · callbacks ${view.callbacks}`);
  return parts.join('  ');
}

export function renderIdentityView(workflowId: string, view: IdentityFlowView, now = Date.now()): string {
  const outline = view.outline;
  const related = outline?.relatedFlows ?? [];
  return [
    `Identity flow ${view.flowId} (${workflowId})`,
    fields([
      ['phase', view.phase],
      ['result', view.result ? resultLine(view.result) : undefined],
      ['flow status', outline?.flowStatus ?? 'not read yet'],
      ['verifies', outline?.objectType?.toLowerCase() ?? undefined],
      ['fail reason', outline?.failReason ?? undefined],
      ['sub-flows', subFlowSummary(view)],
      [
        'related flows',
        related.length ? related.map((flow) => `${flow.flowId} ${flow.flowStatus}`).join(', ') : undefined,
      ],
      ['last checked', view.lastCheckedAt === null ? 'never' : relative(view.lastCheckedAt, now)],
      ['last change', view.lastChangedAt === null ? undefined : relative(view.lastChangedAt, now)],
      ['reads', `${view.checks} provider reads, ${view.changes} changes, ${view.callbacks} callbacks, run ${view.run}`],
      [
        'deadline',
        view.phase === 'DONE' ? undefined : `${timestamp(view.deadlineAt)} (${relative(view.deadlineAt, now)})`,
      ],
      ['user link', view.phase === 'DONE' ? undefined : (view.shortLink ?? view.authUrl ?? undefined)],
    ]),
  ].join('\n');
}

export function renderIdentityStart(outcome: StartOutcome, flow: StartedIdentityFlow): string {
  const how = outcome.started ? 'Started' : 'Attached to';
  return [
    `${how} identity flow ${flow.flowId} (request ${outcome.workflowId})`,
    fields([
      ['tracking', flow.workflowId],
      ['user link', flow.authUrl],
      ['short link', flow.shortLink ?? undefined],
    ]),
  ].join('\n');
}

export function renderIdentityList(items: IdentityFlowListItem[], now = Date.now()): string {
  if (items.length === 0) return 'No identity flows match.';
  return table(
    ['STATUS', 'FLOW', 'STARTED', 'RUN'],
    items.map((item) => [item.status ?? '-', item.flowId, relative(item.startTime, now), item.execution]),
  );
}

// ---------------------------------------------------------------------------------------------
// Phone check

export function renderPhoneResult(workflowId: string, started: boolean, result: PhoneCheckWorkflowResult): string {
  return [
    `Phone check ${workflowId}${started ? '' : ' (answer from the earlier request)'}`,
    fields([
      ['outcome', result.outcome],
      ['factor', 'factor' in result ? result.factor : undefined],
      ['result code', String(result.resultCode)],
      ['billed', result.billed ? 'yes' : 'no'],
      // Calls that got no answer may have been billed too: shown for billing reconciliation.
      ['unanswered calls', result.unansweredCalls ? String(result.unansweredCalls) : undefined],
      ['carrier', result.carrier],
      ['trace no', result.traceNo || undefined],
      ['gateway id', result.requestId || undefined],
      ['description', result.description || undefined],
    ]),
  ].join('\n');
}

export function renderPhoneStatus(status: PhoneCheckStatus): string {
  if (!status.result) return `Phone check ${status.workflowId}\n${fields([['execution', status.execution]])}`;
  return renderPhoneResult(status.workflowId, true, status.result);
}

export function renderPhoneList(items: PhoneCheckListItem[], now = Date.now()): string {
  if (items.length === 0) return 'No phone checks match.';
  return table(
    ['OUTCOME', 'REQUEST', 'STARTED', 'RUN'],
    items.map((item) => [item.outcome ?? '-', item.requestId, relative(item.startTime, now), item.execution]),
  );
}
