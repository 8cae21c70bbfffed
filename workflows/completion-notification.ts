/**
 * Completion notifications (docs/notifications.md). A flow that reaches a final state calls
 * `notifyCompletion`: a local activity picks the destination under the worker's settings, then
 * the flow starts `completionNotificationWorkflow` as an abandoned child and returns at once. The
 * flow's result never waits for, or depends on, the receiver: a caller awaiting `result()` (the
 * `kyc phone check` command does) is not held up by a receiver that is down for hours. The
 * delivery runs durably in its own workflow (retries with exponential backoff within the retry
 * window, surviving worker crashes and server restarts) and reports DELIVERED, GONE, REJECTED or
 * FAILED through its `delivery` query and its result.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  TimeoutFailure,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  deliveryStateQuery,
  notificationEventId,
  notificationWorkflowId,
  type CompletionEvent,
  type CompletionNotificationInput,
  type DeliveryState,
  type NotificationActivities,
  type NotificationFacts,
  type NotificationFlow,
  type NotificationRecord,
} from '../contracts/notification-core';

const { notificationTarget } = proxyLocalActivities<NotificationActivities>({
  startToCloseTimeout: 10_000,
  retry: { maximumAttempts: 3 },
});

/** The HTTP status and attempt a failed delivery attempt reported (its failure's first detail). */
function lastAttempt(error: unknown): { attempt?: number; httpStatus?: number } {
  for (let cause: unknown = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    if (cause instanceof ApplicationFailure) {
      const detail = cause.details?.[0];
      if (typeof detail === 'object' && detail !== null) {
        const { attempt, httpStatus } = detail as Record<string, unknown>;
        return {
          ...(typeof attempt === 'number' ? { attempt } : {}),
          ...(typeof httpStatus === 'number' ? { httpStatus } : {}),
        };
      }
    }
  }
  return {};
}

const NO_ANSWER = 'no 2xx answer within the retry window';

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) return NO_ANSWER;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Delivers one completion event: signed POSTs until a final answer or the end of the retry window. */
export async function completionNotificationWorkflow(input: CompletionNotificationInput): Promise<DeliveryState> {
  const { event, url, retry, attemptTimeoutMs } = input;
  const state: DeliveryState = {
    eventId: event.id,
    workflowId: event.workflowId,
    status: 'SENDING',
    destination: new URL(url).origin,
  };
  setHandler(deliveryStateQuery, () => ({ ...state }));

  const { deliverNotification } = proxyActivities<NotificationActivities>({
    startToCloseTimeout: attemptTimeoutMs,
    // The whole retry window: past it the delivery is FAILED.
    scheduleToCloseTimeout: retry.windowMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      maximumInterval: retry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  });
  try {
    const outcome = await deliverNotification({ url, event });
    state.status = outcome.outcome === 'delivered' ? 'DELIVERED' : outcome.outcome === 'gone' ? 'GONE' : 'REJECTED';
    state.attempts = outcome.attempt;
    if (outcome.httpStatus) state.httpStatus = outcome.httpStatus;
    if (outcome.reason) state.reason = outcome.reason;
  } catch (error) {
    state.status = 'FAILED';
    const last = lastAttempt(error);
    if (last.attempt !== undefined) state.attempts = last.attempt;
    if (last.httpStatus !== undefined) state.httpStatus = last.httpStatus;
    // Retries end when the window does: the server reports its timeout or the last attempt's failure.
    const message = failureMessage(error);
    state.reason = message.startsWith(NO_ANSWER) ? message : `${NO_ANSWER}; last attempt: ${message}`;
  }
  state.settledAt = new Date().toISOString();
  if (state.status !== 'DELIVERED') {
    log.warn('completion notification not delivered', { eventId: event.id, status: state.status });
  }
  return { ...state };
}

export interface CompletionNotice {
  flow: NotificationFlow;
  /** The flow's `notifyUrl`, if its input had one (else the worker's KYC_NOTIFY_URL applies). */
  notifyUrl: string | undefined;
  status: string;
  /** ISO-8601 workflow time of the final state (default: now). */
  occurredAt?: string;
  /** Ids, statuses, codes and counts only. */
  facts?: NotificationFacts;
}

/**
 * Sends the flow's completion event, without ever failing or cancelling the flow: a problem is
 * recorded in the returned record (NOT_SENT with a reason). Runs in a non-cancellable scope, so a
 * cancelled flow still reports its CANCELLED state.
 */
export function notifyCompletion(notice: CompletionNotice): Promise<NotificationRecord> {
  const info = workflowInfo();
  const eventId = notificationEventId(info.firstExecutionRunId, notice.status);
  return CancellationScope.nonCancellable(async (): Promise<NotificationRecord> => {
    let target;
    try {
      target = await notificationTarget(notice.notifyUrl === undefined ? {} : { notifyUrl: notice.notifyUrl });
    } catch (error) {
      log.warn('completion notification: no destination could be chosen', { eventId });
      return { eventId, status: 'NOT_SENT', reason: failureMessage(error) };
    }
    if (target.kind === 'none') return { eventId, status: 'NONE' };
    if (target.kind === 'refused') return { eventId, status: 'NOT_SENT', reason: target.reason };

    const event: CompletionEvent = {
      ...notice.facts,
      id: eventId,
      type: `${notice.flow}.completed`,
      occurredAt: notice.occurredAt ?? new Date().toISOString(),
      workflowId: info.workflowId,
      flow: notice.flow,
      status: notice.status,
    };
    const deliveryWorkflowId = notificationWorkflowId(eventId);
    try {
      await startChild(completionNotificationWorkflow, {
        workflowId: deliveryWorkflowId,
        args: [{ event, url: target.url, retry: target.retry, attemptTimeoutMs: target.attemptTimeoutMs }],
        // The flow ends now; the delivery goes on (and is not cancelled) without it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Deliver ${event.type} (${notice.status}) of ${info.workflowId}`,
      });
    } catch (error) {
      // Already started for this event (a reset replays the completion): that delivery stands.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        log.warn('completion notification: the delivery could not be started', { eventId });
        return { eventId, status: 'NOT_SENT', reason: failureMessage(error) };
      }
    }
    return { eventId, status: 'SCHEDULED', deliveryWorkflowId };
  });
}
