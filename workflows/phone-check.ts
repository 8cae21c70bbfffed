/**
 * The phone three-factor check: validate, make one gateway call (retried only while the gateway
 * has not given a final answer), record the outcome as a search attribute, return the result.
 *
 * A call that got no answer within PROVIDER_TIMEOUT_MS may have been billed, so asking again is
 * the caller's choice (`unansweredCall`: `retry` or `fail`) and the result counts such calls.
 *
 * The input holds personal data; it stays in this workflow's history (until payloads are
 * encrypted) and is never logged, put in the workflow id or in a search attribute.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PhoneCheckActivities } from '../activities';
import { scheduleToCloseMs } from '../contracts/activity-budget';
import {
  PHONE_CHECK_UNANSWERED_FAILURE,
  PHONE_GATEWAY_FAILURE,
  PHONE_GATEWAY_RETRYABLE_FAILURES,
  PhoneCheckOutcomeKey,
  phoneGatewayTaskQueue,
  type PhoneCheckOutcomeAttribute,
  type PhoneCheckWorkflowResult,
} from '../contracts/phone-check-core';
import { phoneCheckInputCheck } from '../contracts/phone-check-checks';
import type { PhoneCheckInput, PhoneCheckParsedInput, PhoneCheckRetry } from '../contracts/phone-check';
import { INVALID_INPUT_FAILURE, checkInputOrFail } from '../contracts/validation';
import { firstStartedAtAttribute } from '../contracts/first-started-at';
import { countFlowEnd } from './flow-metrics';
import type { NotificationFacts, NotificationRecord } from '../contracts/notification-core';
import { notifyCompletion } from './completion-notification';

/** Longer than any sensible PROVIDER_TIMEOUT_MS, so the client's own timeout is what normally fires. */
const CALL_TIMEOUT_MS = 30_000;

/**
 * Checks started with this patch surface an unanswered call to the workflow (instead of Temporal
 * retrying it inside the activity), apply the caller's policy and count such calls.
 */
export const UNANSWERED_CALL_PATCH = 'phone-check-unanswered-call-policy';

/**
 * Patch id of the handling of workflow cancellation: a call in flight is waited for (its answer is
 * kept), and a check cancelled before any answer is recorded as CANCELLED. Runs recorded before it
 * abandoned the call at once and recorded FAILED.
 */
export const CANCEL_OUTCOME_PATCH = 'phone-check-cancel-outcome';

/** Patch id of the completion notification sent when the check ends (docs/notifications.md). */
export const PHONE_CHECK_NOTIFICATION_PATCH = 'phone-check-completion-notification';

/** Every failure type that must end the check at once (the activity marks them too; this is the backstop). */
const NON_RETRYABLE_TYPES = [
  INVALID_INPUT_FAILURE,
  ...Object.values(PHONE_GATEWAY_FAILURE).filter((type) => !PHONE_GATEWAY_RETRYABLE_FAILURES.has(type)),
];

function recordOutcome(value: PhoneCheckOutcomeAttribute): void {
  upsertSearchAttributes([{ key: PhoneCheckOutcomeKey, value }, firstStartedAtAttribute(workflowInfo().startTime)]);
}

/** Bad input ends the check before any gateway call, as a non-retryable `InvalidInput` naming the field. */
function parseOrReject(input: PhoneCheckInput): PhoneCheckParsedInput {
  try {
    return checkInputOrFail(phoneCheckInputCheck, input, 'phone check input');
  } catch (error) {
    recordOutcome('INPUT_REJECTED');
    throw error;
  }
}

function isUnanswered(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === PHONE_GATEWAY_FAILURE.timeout
  );
}

/** The failure type behind a failed gateway call, for the notification (types carry no personal data). */
function failureTypeOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)
    return error.cause.type ?? 'Failed';
  return error instanceof ActivityFailure ? 'PhoneGatewayCallFailed' : 'Failed';
}

/** The retry policy's backoff before the n-th repeat of an unanswered call (n from 1). */
function backoffMs(retry: PhoneCheckRetry, n: number): number {
  return Math.min(retry.initialIntervalMs * 2 ** (n - 1), Math.max(retry.maximumIntervalMs, retry.initialIntervalMs));
}

export async function phoneCheckWorkflow(input: PhoneCheckInput): Promise<PhoneCheckWorkflowResult> {
  return countFlowEnd(
    () => runPhoneCheck(input),
    (result) => result.outcome,
  );
}

async function runPhoneCheck(input: PhoneCheckInput): Promise<PhoneCheckWorkflowResult> {
  const { retry, unansweredCall, notifyUrl, ...factors } = parseOrReject(input);
  /** The check's completion notification: gateway codes and counts only, never the factors. */
  const notifyEnd = async (status: string, facts: NotificationFacts): Promise<NotificationRecord | undefined> =>
    patched(PHONE_CHECK_NOTIFICATION_PATCH)
      ? await notifyCompletion({ flow: 'phone-check', notifyUrl, status, facts })
      : undefined;
  const withPolicy = patched(UNANSWERED_CALL_PATCH);
  const waitsForCallOnCancel = patched(CANCEL_OUTCOME_PATCH);

  const { checkPhoneThreeFactors } = proxyActivities<PhoneCheckActivities>({
    // The worker rate-limits this queue to the gateway's allowed rate.
    taskQueue: phoneGatewayTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: CALL_TIMEOUT_MS,
    // A gateway call cannot be recalled and may be billed: on workflow cancellation the call in
    // flight finishes and its answer is kept; only a call not yet started (retry backoff) is dropped.
    cancellationType: waitsForCallOnCancel
      ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
      : ActivityCancellationType.TRY_CANCEL,
    ...(withPolicy
      ? {
          // Bounds every attempt and wait, including a gateway's Retry-After (temporalio/temporal#6063).
          scheduleToCloseTimeout: scheduleToCloseMs({
            maximumAttempts: retry.maximumAttempts,
            attemptTimeoutMs: CALL_TIMEOUT_MS,
            maximumIntervalMs: retry.maximumIntervalMs,
          }),
        }
      : {}),
    retry: {
      initialInterval: retry.initialIntervalMs,
      maximumInterval: Math.max(retry.maximumIntervalMs, retry.initialIntervalMs),
      backoffCoefficient: 2,
      maximumAttempts: retry.maximumAttempts,
      // With the policy, an unanswered call comes back here to be counted and decided on.
      nonRetryableErrorTypes: withPolicy
        ? [...NON_RETRYABLE_TYPES, PHONE_GATEWAY_FAILURE.timeout]
        : NON_RETRYABLE_TYPES,
    },
  });

  let unansweredCalls = 0;
  for (;;) {
    try {
      const result = await checkPhoneThreeFactors(factors);
      recordOutcome(result.outcome);
      if (CancellationScope.current().consideredCancelled) {
        log.info('cancellation requested while the gateway call was in flight: the answer is kept', {
          outcome: result.outcome,
          billed: result.billed,
        });
      }
      const notification = await notifyEnd(result.outcome, {
        resultCode: result.resultCode,
        billed: result.billed,
        unansweredCalls,
      });
      return {
        ...result,
        ...(withPolicy ? { unansweredCalls } : {}),
        ...(notification ? { notification } : {}),
      };
    } catch (error) {
      if (waitsForCallOnCancel && (isCancellation(error) || CancellationScope.current().consideredCancelled)) {
        // No gateway answer was received (the call had not started, or its attempt failed).
        recordOutcome('CANCELLED');
        log.info('cancelled before the gateway answered', { unansweredCalls });
        await notifyEnd('CANCELLED', { unansweredCalls });
        throw new CancelledFailure('the phone check was cancelled before the gateway answered');
      }
      if (withPolicy && isUnanswered(error)) {
        unansweredCalls += 1;
        if (unansweredCall === 'retry' && unansweredCalls < retry.maximumAttempts) {
          await sleep(backoffMs(retry, unansweredCalls));
          continue;
        }
        recordOutcome('FAILED');
        await notifyEnd('FAILED', { failureType: PHONE_CHECK_UNANSWERED_FAILURE, unansweredCalls });
        throw ApplicationFailure.create({
          type: PHONE_CHECK_UNANSWERED_FAILURE,
          message:
            `the phone gateway did not answer ${unansweredCalls} call(s) (unanswered-call policy: ${unansweredCall}); ` +
            'each may have been billed',
          nonRetryable: true,
          details: [{ unansweredCalls }],
          cause: error instanceof Error ? error : undefined,
        });
      }
      // Billing reconciliation needs the count even when the check ends another way.
      if (unansweredCalls > 0) log.warn('phone check failed after unanswered gateway calls', { unansweredCalls });
      recordOutcome('FAILED');
      await notifyEnd('FAILED', { failureType: failureTypeOf(error), unansweredCalls });
      throw error;
    }
  }
}
