/**
 * The completion-notification activities. `notificationTarget` (a local activity) decides where a
 * flow's event goes under the worker's settings; `deliverNotification` makes one signed attempt
 * and leaves retrying to the delivery workflow's retry policy: final answers (2xx, 410, other 4xx,
 * a redirect) return as outcomes, transient ones throw a retryable failure.
 */
import { activityInfo, Context, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { notifyDestinationProblem, type NotificationConfig } from '../common/config';
import {
  NOTIFICATION_RECEIVER_UNAVAILABLE,
  type CompletionEvent,
  type DeliveryOutcome,
  type NotificationActivities,
  type NotificationTarget,
} from '../contracts/notification';
import { deliverOnce } from '../providers/notification';

/** The attempt's own timeout plus this margin is the activity's start-to-close timeout. */
const ATTEMPT_MARGIN_MS = 5_000;

export function createNotificationActivities(config: NotificationConfig): NotificationActivities {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- the activity interface is async
    async notificationTarget({ notifyUrl }: { notifyUrl?: string }): Promise<NotificationTarget> {
      const url = notifyUrl ?? config.defaultUrl;
      if (!url) return { kind: 'none' };
      const reason = notifyDestinationProblem(url, config);
      if (reason) {
        log.warn('completion notification not sent', { reason });
        return { kind: 'refused', reason: `notifyUrl ${reason}` };
      }
      return { kind: 'send', url, retry: { ...config.retry }, attemptTimeoutMs: config.timeoutMs + ATTEMPT_MARGIN_MS };
    },

    async deliverNotification({ url, event }: { url: string; event: CompletionEvent }): Promise<DeliveryOutcome> {
      const { attempt } = activityInfo();
      // Checked again: the settings may have changed (a restart) since the target was chosen.
      const refusal = notifyDestinationProblem(url, config);
      if (refusal) return { outcome: 'rejected', httpStatus: 0, attempt, reason: `notifyUrl ${refusal}` };
      const answer = await deliverOnce({
        url,
        event,
        secrets: config.secrets.get(new URL(url).origin) ?? [],
        timeoutMs: config.timeoutMs,
        maxRetryAfterMs: config.retry.maximumIntervalMs,
        signal: Context.current().cancellationSignal,
      });
      if (answer.kind === 'retry') {
        log.info('completion notification not delivered yet', { eventId: event.id, attempt, reason: answer.reason });
        throw ApplicationFailure.create({
          type: NOTIFICATION_RECEIVER_UNAVAILABLE,
          message: `${answer.reason} (attempt ${attempt})`,
          details: [{ attempt, ...(answer.httpStatus === undefined ? {} : { httpStatus: answer.httpStatus }) }],
          // A receiver's Retry-After, capped at KYC_NOTIFY_MAX_INTERVAL_MS by deliverOnce.
          ...(answer.retryAfterMs === undefined ? {} : { nextRetryDelay: answer.retryAfterMs }),
          // A receiver being down is expected: keep it out of error logs and metrics.
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      log.info('completion notification answered', { eventId: event.id, attempt, outcome: answer.kind });
      return {
        outcome: answer.kind,
        httpStatus: answer.httpStatus,
        attempt,
        ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      };
    },
  };
}
