/**
 * How long a provider activity may take in all, retries included: its schedule-to-close timeout.
 * Temporal does not cap an activity's `nextRetryDelay` (a provider's Retry-After) by the retry
 * policy's maximum interval (temporalio/temporal#6063), so without this bound one hint could park
 * a call for a day. Pure arithmetic: the workflows import it.
 */

export interface RetryBudget {
  /** Attempts the retry policy allows. */
  maximumAttempts: number;
  /** Start-to-close timeout of one attempt, milliseconds. */
  attemptTimeoutMs: number;
  /** The retry policy's maximum interval, milliseconds. */
  maximumIntervalMs: number;
  /** The workflow's own deadline for this call, milliseconds (e.g. the approval window). */
  deadlineMs?: number;
}

/**
 * Every attempt at its full timeout plus the longest wait between them, but never longer than the
 * workflow's deadline for the call, and never shorter than one attempt. Milliseconds.
 */
export function scheduleToCloseMs(budget: RetryBudget): number {
  const attempts = Math.max(1, budget.maximumAttempts);
  const retries = attempts * budget.attemptTimeoutMs + (attempts - 1) * budget.maximumIntervalMs;
  const bounded = budget.deadlineMs === undefined ? retries : Math.min(retries, budget.deadlineMs);
  return Math.max(budget.attemptTimeoutMs, bounded);
}
