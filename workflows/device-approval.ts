/**
 * Device two-factor approval: asks the bank to create a device, then waits (durably, up to the
 * policy's deadline) for the approver's token, delivered through the `submitToken` update.
 *
 *   CREATING → WAITING_FOR_TOKEN ⇄ VALIDATING → APPROVED      (liveness: CREATING → APPROVED)
 *   final: REJECTED (bank refusal, with code), LOCKED (too many wrong tokens, ours or the bank's
 *   OBD000099), EXPIRED (deadline), CANCELLED (`cancel` update, or a workflow cancellation from
 *   the Temporal UI, `temporal workflow cancel` or `handle.cancel()`; the device is disabled).
 *
 * Everything that calls the bank (creation, token checks, re-sends, disabling) runs one at a
 * time through `serialized`, so a deadline or a cancel never interleaves with a token check in
 * flight. Validators are synchronous and throw; handlers throw `ApplicationFailure`s only.
 */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { scheduleToCloseMs } from '../contracts/activity-budget';
import {
  APPROVAL_FAILURE,
  approvalStateQuery,
  bankFailureCode,
  cancelApprovalUpdate,
  DEVICE_APPROVAL_CONTACT_TYPE_KEY,
  DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY,
  DEVICE_APPROVAL_INPUT_LABEL,
  DEVICE_APPROVAL_STATUS_KEY,
  deviceApprovalSearchAttributes,
  isTerminalStatus,
  resendTokenUpdate,
  submitTokenUpdate,
  type ApprovalRejection,
  type CancelResult,
  type DeviceApprovalActivities,
  type DeviceApprovalState,
  type DeviceApprovalStatus,
  type ResendTokenResult,
  type SubmitTokenResult,
  type TokenContactType,
} from '../contracts/device-approval-core';
import {
  cancelArgsCheck,
  deviceApprovalInputCheck,
  resendTokenArgsCheck,
  submitTokenArgsCheck,
} from '../contracts/device-approval-checks';
import type { DeviceApprovalInput } from '../contracts/device-approval';
import { checkInputOrFail } from '../contracts/validation';
import { firstStartedAtAttribute } from '../contracts/first-started-at';
import { countFlowEnd, countTokenAttempt } from './flow-metrics';
import { notifyCompletion } from './completion-notification';

/**
 * Patch id of the clean-up on workflow cancellation. Runs recorded before it ended as a bare
 * Temporal cancellation with the device left pending; they replay down that old path.
 */
export const CANCEL_SCOPE_PATCH = 'device-approval-cancel-scope';

/**
 * Patch id of reminders (automatic re-sends) and the "deadline approaching" point. Only runs whose
 * policy sets `remindAfterMs` or `deadlineWarningPercent` take the new waiting loop; every other
 * run waits exactly as before, so histories recorded earlier replay unchanged.
 */
export const REMINDERS_PATCH = 'device-approval-reminders';

/**
 * Patch id of the clean-up after a creation the bank never answered (every attempt timed out or
 * failed transiently): an attempt may still have created the device, so it is disabled, and a
 * creation cut short by the approval deadline ends EXPIRED rather than REJECTED. Runs recorded
 * before it ended REJECTED with the device left as the bank had it.
 */
export const CREATE_UNANSWERED_PATCH = 'device-approval-create-unanswered';

/**
 * Patch id of ending an unanswered creation EXPIRED when its retries stopped at the deadline's
 * bound (retry state TIMEOUT) slightly before the deadline itself; before, that ended REJECTED.
 */
export const CREATE_RETRY_DEADLINE_PATCH = 'device-approval-create-retry-deadline';

/** The transition detail recorded when the "deadline approaching" point passes. */
export const DEADLINE_APPROACHING_DETAIL = 'deadline approaching';
/** Patch id of the completion notification sent when the approval ends (docs/notifications.md). */
export const DEVICE_APPROVAL_NOTIFICATION_PATCH = 'device-approval-completion-notification';

/** The transition detail of an approval cancelled through Temporal rather than the `cancel` update. */
export const WORKFLOW_CANCELLATION_DETAIL = 'workflow cancellation requested';

/** A bank failure as the workflow sees it: transient ones (retries ran out) leave the approval open. */
interface BankProblem extends ApprovalRejection {
  transient: boolean;
}

function describeBankFailure(error: unknown): BankProblem {
  if (!(error instanceof ActivityFailure)) throw error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    return {
      type: cause.type ?? 'ApplicationFailure',
      code: bankFailureCode(cause.details?.[0]),
      message: cause.message,
      transient: !cause.nonRetryable,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: 'BankTimeout', message: 'the bank call timed out on every attempt', transient: true };
  }
  return { type: 'BankCallFailed', message: error.message, transient: true };
}

function refuse(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** One-at-a-time execution of the steps that call the bank, in arrival order (replay-safe: plain promises). */
function createSerializer(): <T>(step: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(step: () => Promise<T>): Promise<T> => {
    const run = tail.then(step);
    tail = run.catch(() => undefined);
    return run;
  };
}

export async function deviceApprovalWorkflow(input: DeviceApprovalInput): Promise<DeviceApprovalState> {
  return countFlowEnd(
    () => runDeviceApproval(input),
    (state) => state.status,
  );
}

async function runDeviceApproval(input: DeviceApprovalInput): Promise<DeviceApprovalState> {
  const request = checkInputOrFail(deviceApprovalInputCheck, input, DEVICE_APPROVAL_INPUT_LABEL);
  const { policy } = request;
  const device = { accountKey: request.accountKey, deviceKey: request.deviceKey };

  const bank = proxyActivities<DeviceApprovalActivities>({
    startToCloseTimeout: policy.bankCallTimeoutMs,
    // Retries (and a bank's Retry-After) never outlast the approval window.
    scheduleToCloseTimeout: scheduleToCloseMs({
      maximumAttempts: policy.bankRetry.maximumAttempts,
      attemptTimeoutMs: policy.bankCallTimeoutMs,
      maximumIntervalMs: policy.bankRetry.maximumIntervalMs,
      deadlineMs: policy.approvalDeadlineMs,
    }),
    retry: {
      initialInterval: policy.bankRetry.initialIntervalMs,
      maximumInterval: policy.bankRetry.maximumIntervalMs,
      backoffCoefficient: 2,
      maximumAttempts: policy.bankRetry.maximumAttempts,
    },
  });
  const serialized = createSerializer();

  const startedMs = Date.now();
  const deadlineMs = startedMs + policy.approvalDeadlineMs;
  let lastTokenSentMs: number | undefined;
  /** When the approver last typed a token: a reminder waits `remindAfterMs` from this too. */
  let lastTokenTypedMs: number | undefined;
  // Decided once, from the input: runs without these policy fields never reach patched().
  const withReminders =
    (policy.remindAfterMs !== undefined || policy.deadlineWarningPercent !== undefined) && patched(REMINDERS_PATCH);
  const warningMs =
    withReminders && policy.deadlineWarningPercent !== undefined
      ? startedMs + Math.round((policy.approvalDeadlineMs * policy.deadlineWarningPercent) / 100)
      : undefined;
  const state: DeviceApprovalState = {
    ...device,
    status: 'CREATING',
    contactType: request.contactType,
    attemptsLeft: policy.maxTokenAttempts,
    resendsLeft: policy.maxResends,
    deadline: new Date(deadlineMs).toISOString(),
    transitions: [{ status: 'CREATING', at: new Date().toISOString() }],
    ...(withReminders && policy.remindAfterMs !== undefined ? { remindersSent: 0 } : {}),
    ...(warningMs === undefined ? {} : { deadlineWarningAt: new Date(warningMs).toISOString() }),
  };
  upsertSearchAttributes([
    ...deviceApprovalSearchAttributes(request, 'CREATING'),
    firstStartedAtAttribute(workflowInfo().startTime),
  ]);

  const nextResendMs = (): number => (lastTokenSentMs ?? 0) + policy.resendCooldownMs;

  /**
   * When the next reminder is due: `remindAfterMs` after the last token sent or typed, never
   * before the re-send cool-down ends; `undefined` when reminders are off, none are left or the
   * approval is not waiting for a token.
   */
  function nextReminderMs(): number | undefined {
    if (!withReminders || policy.remindAfterMs === undefined) return undefined;
    if (state.status !== 'WAITING_FOR_TOKEN' || state.resendsLeft <= 0 || state.contactType === 'liveness') {
      return undefined;
    }
    const quietSince = Math.max(lastTokenSentMs ?? 0, lastTokenTypedMs ?? 0);
    return Math.max(quietSince + policy.remindAfterMs, nextResendMs());
  }

  /** The reminder fields of the state and the run's current details (Temporal UI), after any change. */
  function showReminders(): void {
    if (!withReminders) return;
    const reminderMs = nextReminderMs();
    if (reminderMs === undefined) delete state.nextReminderAt;
    else state.nextReminderAt = new Date(reminderMs).toISOString();
    const lines = [`**${state.status}**`];
    const open = !isTerminalStatus(state.status);
    if (open && state.deadlineApproaching) {
      lines.push(`- Deadline approaching: the approval expires at ${state.deadline}`);
    } else if (open && state.deadlineWarningAt) {
      lines.push(`- Deadline warning at ${state.deadlineWarningAt}; expires at ${state.deadline}`);
    }
    if (state.remindersSent !== undefined) {
      lines.push(
        `- Reminders sent: ${state.remindersSent}; re-sends left: ${state.resendsLeft}` +
          (state.nextReminderAt ? `; next reminder at ${state.nextReminderAt}` : ''),
      );
    }
    setCurrentDetails(lines.join('\n'));
  }

  function moveTo(status: DeviceApprovalStatus, detail?: string): void {
    state.status = status;
    state.transitions.push({ status, at: new Date().toISOString(), ...(detail === undefined ? {} : { detail }) });
    if (status === 'WAITING_FOR_TOKEN') state.nextResendAt = new Date(nextResendMs()).toISOString();
    else delete state.nextResendAt;
    upsertSearchAttributes([{ key: DEVICE_APPROVAL_STATUS_KEY, value: status }]);
    showReminders();
  }

  function reject(problem: BankProblem): void {
    state.rejection = { type: problem.type, message: problem.message, ...(problem.code ? { code: problem.code } : {}) };
    moveTo('REJECTED', problem.code ?? problem.type);
  }

  /** Set when a workflow cancellation cut a disable short: the clean-up disables again. */
  let disableInterrupted = false;

  /** Compensation: make sure a device left pending can never be approved later. */
  async function disableDevice(): Promise<void> {
    try {
      await bank.bankDisableDevice(device);
      state.deviceDisabled = true;
      disableInterrupted = false;
    } catch (error) {
      if (isCancellation(error)) disableInterrupted = true;
      const problem = describeBankFailure(error);
      state.deviceDisabled = false;
      log.error('could not disable the device', { type: problem.type, code: problem.code });
    }
  }

  async function lock(detail: string): Promise<void> {
    state.attemptsLeft = 0;
    moveTo('LOCKED', detail);
    if (policy.disableOnLock) await disableDevice();
  }

  function requireWaitingForToken(): void {
    if (state.status !== 'WAITING_FOR_TOKEN') {
      throw refuse(APPROVAL_FAILURE.invalidState, `the approval is ${state.status}, not WAITING_FOR_TOKEN`);
    }
    requireBeforeDeadline();
  }

  function requireBeforeDeadline(): void {
    if (Date.now() >= deadlineMs) {
      throw refuse(APPROVAL_FAILURE.deadlinePassed, `the deadline ${state.deadline} has passed`);
    }
  }

  function requireResendAllowed(): void {
    requireWaitingForToken();
    if (state.resendsLeft <= 0) throw refuse(APPROVAL_FAILURE.resendLimitReached, 'no token re-sends left');
    if (Date.now() < nextResendMs()) {
      throw refuse(
        APPROVAL_FAILURE.resendCooldown,
        `the next re-send is allowed at ${new Date(nextResendMs()).toISOString()}`,
      );
    }
  }

  setHandler(approvalStateQuery, () => snapshot(state));

  /** Sends the final state's notification (never fails the approval); recorded in the state. */
  async function notifyEnd(): Promise<void> {
    if (!patched(DEVICE_APPROVAL_NOTIFICATION_PATCH)) return;
    const code = state.rejection?.code;
    state.notification = await notifyCompletion({
      flow: 'device-approval',
      notifyUrl: request.notifyUrl,
      status: state.status,
      occurredAt: state.transitions[state.transitions.length - 1]?.at,
      facts: {
        ...device,
        ...(code === undefined ? {} : { code }),
        ...(state.deviceDisabled === undefined ? {} : { deviceDisabled: state.deviceDisabled }),
      },
    });
  }

  setHandler(
    submitTokenUpdate,
    (args) =>
      countTokenAttempt(
        serialized(async (): Promise<SubmitTokenResult> => {
          // Checked again: the state may have moved while this update waited for its turn.
          requireWaitingForToken();
          const { token } = checkInputOrFail(submitTokenArgsCheck, args, 'submitToken');
          lastTokenTypedMs = Date.now();
          moveTo('VALIDATING');
          let outcome;
          try {
            outcome = await bank.bankValidateToken({ ...device, token });
          } catch (error) {
            if (isCancellation(error) && patched(CANCEL_SCOPE_PATCH)) {
              // The workflow is being cancelled: its clean-up (next in turn) disables the device.
              throw refuse(APPROVAL_FAILURE.invalidState, 'the approval is being cancelled; the token was not used');
            }
            const problem = describeBankFailure(error);
            if (problem.transient) {
              moveTo('WAITING_FOR_TOKEN', `token not checked: ${problem.type}`);
              throw refuse(
                APPROVAL_FAILURE.bankUnavailable,
                'the bank could not check the token now; no attempt was used, try again',
              );
            }
            reject(problem);
            throw refuse(APPROVAL_FAILURE.rejected, `the bank refused: ${problem.code ?? problem.type}`);
          }
          switch (outcome.outcome) {
            case 'accepted':
              moveTo('APPROVED', outcome.foundApproved ? 'approval confirmed by a status read' : undefined);
              return { outcome: 'accepted' };
            case 'locked':
              await lock(`bank locked the device (${outcome.code})`);
              return { outcome: 'locked' };
            case 'wrong':
              state.attemptsLeft -= 1;
              if (state.attemptsLeft <= 0) {
                await lock('too many wrong tokens');
                return { outcome: 'locked' };
              }
              moveTo('WAITING_FOR_TOKEN', 'wrong token');
              return { outcome: 'wrong', attemptsLeft: state.attemptsLeft };
          }
        }),
      ),
    {
      validator: (args) => {
        checkInputOrFail(submitTokenArgsCheck, args, 'submitToken');
        // The bank sends the token while it creates the device, so an approver can type it before
        // the creation call has returned: accept it then, and the handler checks it once creation
        // has finished (it waits its turn behind the creation step).
        if (state.status === 'CREATING') requireBeforeDeadline();
        else requireWaitingForToken();
      },
    },
  );

  /**
   * One re-send at the bank, for the `resendToken` update and for reminders: counts it, or locks
   * or rejects the approval as the bank says. A transient failure (retries ran out) changes
   * nothing and is returned for the caller to report.
   */
  async function resendAtBank(
    via: TokenContactType,
    detail: string,
  ): Promise<{ outcome: 'sent' | 'locked' } | { outcome: 'failed'; problem: BankProblem }> {
    let outcome;
    try {
      outcome = await bank.bankResendToken({ ...device, contactType: via });
    } catch (error) {
      const problem = describeBankFailure(error);
      if (!problem.transient) reject(problem);
      return { outcome: 'failed', problem };
    }
    if (outcome.outcome === 'locked') {
      await lock(`bank locked the device (${outcome.code})`);
      return { outcome: 'locked' };
    }
    state.resendsLeft -= 1;
    lastTokenSentMs = Date.now();
    state.contactType = via;
    upsertSearchAttributes([{ key: DEVICE_APPROVAL_CONTACT_TYPE_KEY, value: via }]);
    moveTo('WAITING_FOR_TOKEN', detail);
    return { outcome: 'sent' };
  }

  setHandler(
    resendTokenUpdate,
    (args) =>
      serialized(async (): Promise<ResendTokenResult> => {
        requireResendAllowed();
        const { contactType } = checkInputOrFail(resendTokenArgsCheck, args, 'resendToken');
        const via = contactType ?? (request.contactType === 'email' ? 'email' : 'sms');
        const sent = await resendAtBank(via, `token re-sent by ${via}`);
        if (sent.outcome === 'failed') {
          const { problem } = sent;
          if (problem.transient) {
            throw refuse(APPROVAL_FAILURE.bankUnavailable, 'the bank could not re-send the token now; try again');
          }
          throw refuse(APPROVAL_FAILURE.rejected, `the bank refused: ${problem.code ?? problem.type}`);
        }
        if (sent.outcome === 'locked') return { outcome: 'locked' };
        return {
          outcome: 'sent',
          contactType: via,
          resendsLeft: state.resendsLeft,
          nextResendAt: state.nextResendAt ?? '',
        };
      }),
    {
      validator: (args) => {
        checkInputOrFail(resendTokenArgsCheck, args, 'resendToken');
        // Asked while the bank is still answering the creation call (the approver may already have
        // the first token): accepted like an early token, and the handler applies the re-send
        // rules once creation has finished (it waits its turn behind the creation step). Only the
        // validator changed: a refused update leaves no history, so no patch is needed.
        if (state.status === 'CREATING') requireBeforeDeadline();
        else requireResendAllowed();
      },
    },
  );

  setHandler(
    cancelApprovalUpdate,
    (args) =>
      serialized(async (): Promise<CancelResult> => {
        // An approval still CREATING reaches this after creation (the step holds the turn).
        if (isTerminalStatus(state.status)) {
          throw refuse(APPROVAL_FAILURE.invalidState, `the approval already ended as ${state.status}`);
        }
        const { reason } = checkInputOrFail(cancelArgsCheck, args, 'cancel');
        moveTo('CANCELLED', reason);
        if (policy.disableOnCancel) await disableDevice();
        return { status: 'CANCELLED', deviceDisabled: state.deviceDisabled ?? false };
      }),
    {
      validator: (args) => {
        checkInputOrFail(cancelArgsCheck, args, 'cancel');
        if (isTerminalStatus(state.status)) {
          throw refuse(APPROVAL_FAILURE.invalidState, `the approval already ended as ${state.status}`);
        }
      },
    },
  );

  /**
   * Workflow cancellation (Temporal UI "Cancel", `temporal workflow cancel`, `handle.cancel()`)
   * ends the approval as the `cancel` update does: CANCELLED, device disabled, the state as the
   * result. Runs in a non-cancellable scope so the compensation itself cannot be cancelled, and
   * after any bank step in flight (`serialized`), so a token the bank accepted first still wins.
   */
  const cleanUpAfterCancellation = (): Promise<DeviceApprovalState> =>
    CancellationScope.nonCancellable(async () => {
      await serialized(async () => {
        if (!isTerminalStatus(state.status)) {
          moveTo('CANCELLED', WORKFLOW_CANCELLATION_DETAIL);
          if (policy.disableOnCancel) await disableDevice();
        } else if (disableInterrupted) {
          await disableDevice();
        }
      });
      await condition(allHandlersFinished);
      await notifyEnd();
      return snapshot(state);
    });

  /** True when the approval ended before `untilMs`, false when that time came first. */
  async function waitUntilEnded(untilMs: number): Promise<boolean> {
    const remainingMs = untilMs - Date.now();
    return remainingMs > 0 && (await condition(() => isTerminalStatus(state.status), remainingMs));
  }

  /** Reminder: a new token by the approval's current channel, when one is due. */
  async function remind(): Promise<void> {
    const dueMs = nextReminderMs();
    if (dueMs === undefined || Date.now() < dueMs || state.contactType === 'liveness') return;
    const sent = await resendAtBank(state.contactType, `reminder: token re-sent by ${state.contactType}`);
    if (sent.outcome === 'sent') state.remindersSent = (state.remindersSent ?? 0) + 1;
    if (sent.outcome === 'failed' && sent.problem.transient) {
      // Nothing was used; the next reminder comes one full interval later rather than at once.
      lastTokenTypedMs = Date.now();
      log.warn('reminder not sent: the bank was unavailable', { type: sent.problem.type });
    }
    showReminders();
  }

  function warnOfDeadline(): void {
    if (warningMs === undefined || state.deadlineApproaching || Date.now() < warningMs) return;
    state.deadlineApproaching = true;
    state.transitions.push({ status: state.status, at: new Date().toISOString(), detail: DEADLINE_APPROACHING_DETAIL });
    upsertSearchAttributes([{ key: DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY, value: true }]);
    showReminders();
  }

  /**
   * The wait for the end with reminders and the deadline warning (REMINDERS_PATCH): sleeps until
   * the next of the deadline, the warning point and the next reminder, then acts in turn with the
   * other bank steps (`serialized`), and waits again. True when the approval ended in time.
   */
  async function waitWithReminders(): Promise<boolean> {
    for (;;) {
      const wakeMs = Math.min(
        deadlineMs,
        warningMs !== undefined && !state.deadlineApproaching ? warningMs : deadlineMs,
        nextReminderMs() ?? deadlineMs,
      );
      if (await waitUntilEnded(wakeMs)) return true;
      if (isTerminalStatus(state.status)) return true;
      if (Date.now() >= deadlineMs) return false;
      await serialized(async () => {
        if (isTerminalStatus(state.status)) return;
        warnOfDeadline();
        await remind();
      });
    }
  }

  try {
    await serialized(async () => {
      try {
        const created = await bank.bankCreateDevice({
          ...device,
          sessionId: request.sessionId,
          approverCpf: request.approverCpf,
          contactType: request.contactType,
          ...(request.imageKey === undefined ? {} : { imageKey: request.imageKey }),
        });
        const detail = created.foundExisting ? 'device found by a status read after a retry' : undefined;
        if (created.deviceStatus === 'created') {
          moveTo('APPROVED', detail ?? 'approved at creation');
        } else {
          lastTokenSentMs = Date.now();
          moveTo('WAITING_FOR_TOKEN', detail);
        }
      } catch (error) {
        // Cancelled while the bank was creating it: the device may exist, so the clean-up disables it.
        if (isCancellation(error) && patched(CANCEL_SCOPE_PATCH)) throw error;
        const problem = describeBankFailure(error);
        if (problem.transient && patched(CREATE_UNANSWERED_PATCH)) {
          // No answer is not a refusal: a lost attempt may have created the device at the bank.
          // The retries are bounded by the deadline (schedule-to-close), and the server ends them
          // with the last failure (retry state TIMEOUT) once the next backoff would pass it, a
          // little before the deadline itself: that is the deadline too (patched: older runs
          // ended REJECTED there, the device disabled either way).
          const retriesRanIntoDeadline =
            error instanceof ActivityFailure &&
            error.retryState === RetryState.TIMEOUT &&
            patched(CREATE_RETRY_DEADLINE_PATCH);
          if (Date.now() >= deadlineMs || retriesRanIntoDeadline) {
            moveTo('EXPIRED', `the bank did not answer the creation before the deadline (${problem.type})`);
            if (policy.disableOnExpiry) await disableDevice();
          } else {
            reject(problem);
            await disableDevice();
          }
          return;
        }
        reject(problem);
      }
    });

    const ended = withReminders ? await waitWithReminders() : await waitUntilEnded(deadlineMs);
    if (!ended) {
      // Waits for a token check in flight: a token the bank accepts just in time still approves.
      await serialized(async () => {
        if (isTerminalStatus(state.status)) return;
        moveTo('EXPIRED');
        if (policy.disableOnExpiry) await disableDevice();
      });
    }

    await condition(allHandlersFinished);
    await notifyEnd();
    return snapshot(state);
  } catch (error) {
    if (isCancellation(error) && patched(CANCEL_SCOPE_PATCH)) return await cleanUpAfterCancellation();
    throw error;
  }
}

/** Queries and the result get a copy, so nothing outside can alias the live state. */
function snapshot(state: DeviceApprovalState): DeviceApprovalState {
  return {
    ...state,
    transitions: state.transitions.map((transition) => ({ ...transition })),
    ...(state.notification ? { notification: { ...state.notification } } : {}),
  };
}
