/**
 * The phone three-factor check as the rest of the project sees it: its input, its typed results,
 * its failure types, its search attribute, and how callers name and start it. Pure (zod and the
 * Temporal common package only), so the activity, the client and the tests share one definition;
 * the workflow bundle reads the zod-free half (`phone-check-core.ts`, re-exported here) and its
 * own checks (`phone-check-checks.ts`).
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { chineseMobile, notPersonalDataShaped, residentId } from './identifiers';
import { parseInput } from './validation';
import { notifyUrlSchema } from './notification';
import {
  PERSON_NAME_MAX_LENGTH,
  PHONE_CHECK_RETRY_LIMITS as LIMITS,
  UNANSWERED_CALL_POLICIES,
} from './phone-check-core';

export * from './phone-check-core';

export const PHONE_CHECK_WORKFLOW_TYPE = 'phoneCheckWorkflow';

// ---------------------------------------------------------------------------------------------
// Ids and start policies

/**
 * A caller's request id: what makes a repeated start the same check. Workflow ids are visible to
 * every operator, so ids shaped like a phone, CPF or resident ID number are refused outright.
 */
export const phoneCheckRequestId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
    message: 'must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  })
  .pipe(notPersonalDataShaped);

export const PHONE_CHECK_WORKFLOW_ID_PREFIX = 'phone-check/';

/** `phone-check/<requestId>`; throws `InvalidInputError` for an unusable request id. */
export function phoneCheckWorkflowId(requestId: string): string {
  return `${PHONE_CHECK_WORKFLOW_ID_PREFIX}${parseInput(phoneCheckRequestId, requestId, 'phone check request id')}`;
}

/**
 * How callers start a check. A start while the same check runs joins it (USE_EXISTING); a start
 * after it completed is refused, because its answer was billed and must not be bought twice. A
 * check that failed (no billed answer came back) may be started again under the same id.
 */
export const PHONE_CHECK_ID_CONFLICT_POLICY = WorkflowIdConflictPolicy.USE_EXISTING;
export const PHONE_CHECK_ID_REUSE_POLICY = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;

// ---------------------------------------------------------------------------------------------
// Input

/** A person's name as the carrier registered it: only emptiness and absurd lengths are refused here. */
export const personName = z
  .string()
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(PERSON_NAME_MAX_LENGTH, { message: `must be at most ${PERSON_NAME_MAX_LENGTH} characters` });

/** The three factors the gateway compares. Personal data: never log them or put them in ids. */
export const phoneFactorsSchema = z.strictObject({
  phone: chineseMobile,
  idCard: residentId,
  name: personName,
});

/** Retry bounds of the gateway call; tests shrink them to milliseconds. */
export const phoneCheckRetrySchema = z.strictObject({
  initialIntervalMs: z
    .number()
    .int()
    .min(LIMITS.initialIntervalMs.min)
    .max(LIMITS.initialIntervalMs.max)
    .default(LIMITS.initialIntervalMs.default),
  maximumIntervalMs: z
    .number()
    .int()
    .min(LIMITS.maximumIntervalMs.min)
    .max(LIMITS.maximumIntervalMs.max)
    .default(LIMITS.maximumIntervalMs.default),
  maximumAttempts: z
    .number()
    .int()
    .min(LIMITS.maximumAttempts.min)
    .max(LIMITS.maximumAttempts.max)
    .default(LIMITS.maximumAttempts.default),
});

export const phoneCheckInputSchema = z.strictObject({
  ...phoneFactorsSchema.shape,
  retry: phoneCheckRetrySchema.prefault({}),
  unansweredCall: z.enum(UNANSWERED_CALL_POLICIES).default('retry'),
  /** Where the completion notification goes (docs/notifications.md); default: the worker's KYC_NOTIFY_URL. */
  notifyUrl: notifyUrlSchema.optional(),
});

export type PhoneFactors = z.output<typeof phoneFactorsSchema>;
/** What a caller passes to the workflow. */
export type PhoneCheckInput = z.input<typeof phoneCheckInputSchema>;
export type PhoneCheckParsedInput = z.output<typeof phoneCheckInputSchema>;
export type PhoneCheckRetry = z.output<typeof phoneCheckRetrySchema>;
