/**
 * The `notifyUrl` check for the workflow side, without zod (see checks.ts): the same rule and
 * messages as `notifyUrlSchema` in `notification.ts`.
 */
import { number, object, ruleWithProblem, string, type Checker } from './checks';
import { notifyUrlProblem, type NotificationRetry } from './notification-core';

/** A flow's optional `notifyUrl` (wrap in `optional`). */
export const notifyUrlCheck: Checker<string> = string({ rules: [ruleWithProblem(notifyUrlProblem)] });

const millis = number({ int: true, gt: 0 });

/** The delivery workflow's retry policy (set by the worker's configuration, carried in its input). */
export const notificationRetryCheck: Checker<NotificationRetry> = object({
  initialIntervalMs: millis,
  maximumIntervalMs: millis,
  windowMs: millis,
});
