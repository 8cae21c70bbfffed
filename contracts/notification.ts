/**
 * Completion notifications for callers: the zod schema of a flow's `notifyUrl` (the same rule as
 * the workflows' `notifyUrlCheck`), and everything in `notification-core.ts`.
 */
import { z } from 'zod';
import { notifyUrlProblem } from './notification-core';

export * from './notification-core';

/**
 * Where a flow's completion notification goes: an absolute https URL, or http on a loopback host.
 * Optional in every flow's input; without it the worker's KYC_NOTIFY_URL applies, if set.
 */
export const notifyUrlSchema = z.string().superRefine((value, context) => {
  const problem = notifyUrlProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
