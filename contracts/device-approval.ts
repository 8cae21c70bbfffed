/**
 * The device two-factor approval's shared vocabulary: input and update schemas, the state the
 * query returns, the workflow id and start policies, message definitions, search attribute keys,
 * the activity interface and the failure types activities raise. The caller, the workflow, the
 * activities and the simulator all read these, so they cannot drift apart.
 *
 * The zod-free part lives in `device-approval-core.ts` (re-exported here) and the workflow's
 * zod-free checks in `device-approval-checks.ts`: the workflow bundle never imports this module's
 * values, only its types.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import {
  APPROVAL_POLICY_LIMITS as LIMITS,
  CANCEL_REASON_MAX_LENGTH,
  CONTACT_TYPES,
  DEVICE_APPROVAL_ACCOUNT_KEY,
  DEVICE_APPROVAL_INPUT_LABEL,
  DEVICE_APPROVAL_STATUSES,
  DEVICE_APPROVAL_STATUS_KEY,
  IMAGE_KEY_REFUSED,
  IMAGE_KEY_REQUIRED,
  TOKEN_CONTACT_TYPES,
  deviceApprovalSearchAttributes,
  type DeviceApprovalStatus,
} from './device-approval-core';
import { cpf, deviceToken, uuidV4 } from './identifiers';
import { notifyUrlSchema } from './notification';
import { parseInput } from './validation';

export * from './device-approval-core';

// ---------------------------------------------------------------------------------------------
// Input

export const contactTypeSchema = z.enum(CONTACT_TYPES);

export const tokenContactTypeSchema = z.enum(TOKEN_CONTACT_TYPES);

/** UUIDs compare case-insensitively; lower-casing them makes one device map to one workflow id. */
const key = uuidV4.transform((value) => value.toLowerCase());

const durationMs = (max: number) => z.number().int().positive().max(max);

/**
 * Every field has a safe default (APPROVAL_POLICY_LIMITS); tests pass milliseconds. The parsed
 * policy travels in the workflow's input, so a later change of a default never changes a run
 * already started.
 */
export const approvalPolicySchema = z.strictObject({
  /** How long the approver has to type the token, from the start of the run. */
  approvalDeadlineMs: durationMs(LIMITS.approvalDeadlineMs.max).default(LIMITS.approvalDeadlineMs.default),
  /** Wrong tokens allowed before the approval is LOCKED on our side. */
  maxTokenAttempts: z
    .number()
    .int()
    .min(LIMITS.maxTokenAttempts.min)
    .max(LIMITS.maxTokenAttempts.max)
    .default(LIMITS.maxTokenAttempts.default),
  /** Token re-sends allowed per approval. */
  maxResends: z.number().int().min(LIMITS.maxResends.min).max(LIMITS.maxResends.max).default(LIMITS.maxResends.default),
  /** Minimum time between two tokens sent to the approver. */
  resendCooldownMs: z
    .number()
    .int()
    .min(LIMITS.resendCooldownMs.min)
    .max(LIMITS.resendCooldownMs.max)
    .default(LIMITS.resendCooldownMs.default),
  /**
   * Reminders: when no token was submitted this long after the last one was sent (or the last
   * attempt typed), the workflow re-sends the token by itself. Each reminder uses one of
   * `maxResends` and waits out `resendCooldownMs`; off when absent.
   */
  remindAfterMs: durationMs(LIMITS.remindAfterMs.max).optional(),
  /**
   * The "deadline approaching" point, in percent of `approvalDeadlineMs` from the start (80: at
   * 80 % of the window): shown in the state, the UI's current details and the
   * `DeviceApprovalDeadlineApproaching` search attribute; off when absent.
   */
  deadlineWarningPercent: z
    .number()
    .int()
    .min(LIMITS.deadlineWarningPercent.min)
    .max(LIMITS.deadlineWarningPercent.max)
    .optional(),
  /** Disable the pending device when the deadline passes, so it can never be approved later. */
  disableOnExpiry: z.boolean().default(true),
  /** Disable the pending device when the approval is cancelled. */
  disableOnCancel: z.boolean().default(true),
  /** Disable the pending device when too many wrong tokens were typed. */
  disableOnLock: z.boolean().default(true),
  /** How long one bank call may run before Temporal retries it (must exceed PROVIDER_TIMEOUT_MS). */
  bankCallTimeoutMs: durationMs(LIMITS.bankCallTimeoutMs.max).default(LIMITS.bankCallTimeoutMs.default),
  /** Retries of transient bank failures (5xx, 429, timeouts, OBD000097): bounded, exponential. */
  bankRetry: z
    .strictObject({
      initialIntervalMs: durationMs(LIMITS.bankRetry.initialIntervalMs.max).default(
        LIMITS.bankRetry.initialIntervalMs.default,
      ),
      maximumIntervalMs: durationMs(LIMITS.bankRetry.maximumIntervalMs.max).default(
        LIMITS.bankRetry.maximumIntervalMs.default,
      ),
      maximumAttempts: z
        .number()
        .int()
        .min(LIMITS.bankRetry.maximumAttempts.min)
        .max(LIMITS.bankRetry.maximumAttempts.max)
        .default(LIMITS.bankRetry.maximumAttempts.default),
    })
    .prefault({}),
});
export type ApprovalPolicy = z.output<typeof approvalPolicySchema>;

export const deviceApprovalInputSchema = z
  .strictObject({
    accountKey: key,
    deviceKey: key,
    sessionId: key,
    /** The approver's CPF: personal data, sent to the bank only, never logged or indexed. */
    approverCpf: cpf,
    contactType: contactTypeSchema,
    /** The face image key from a liveness check: required for liveness, refused otherwise. */
    imageKey: key.optional(),
    policy: approvalPolicySchema.prefault({}),
    /** Where the completion notification goes (docs/notifications.md); default: the worker's KYC_NOTIFY_URL. */
    notifyUrl: notifyUrlSchema.optional(),
  })
  .superRefine((input, context) => {
    if (input.contactType === 'liveness' && input.imageKey === undefined) {
      context.addIssue({ code: 'custom', path: ['imageKey'], message: IMAGE_KEY_REQUIRED });
    }
    if (input.contactType !== 'liveness' && input.imageKey !== undefined) {
      context.addIssue({ code: 'custom', path: ['imageKey'], message: IMAGE_KEY_REFUSED });
    }
  });

/** What a caller passes (policy fields optional). */
export type DeviceApprovalInput = z.input<typeof deviceApprovalInputSchema>;
/** The input after validation: keys lower-cased, every policy field filled in. */
export type DeviceApprovalRequest = z.output<typeof deviceApprovalInputSchema>;

// ---------------------------------------------------------------------------------------------
// Update arguments (the types are in device-approval-core.ts)

export const submitTokenArgsSchema = z.strictObject({ token: deviceToken });

export const resendTokenArgsSchema = z.strictObject({ contactType: tokenContactTypeSchema.optional() });

export const cancelArgsSchema = z.strictObject({
  /** Shown in the state's transitions: keep personal data out of it. */
  reason: z.string().trim().min(1, { message: 'must not be empty' }).max(CANCEL_REASON_MAX_LENGTH),
});

// ---------------------------------------------------------------------------------------------
// Ids, start policies, search attributes

export const DEVICE_APPROVAL_WORKFLOW_TYPE = 'deviceApprovalWorkflow';

/** One workflow per device on an account: a repeated start finds the same id. Keys are not personal data. */
export function deviceApprovalWorkflowId(accountKey: string, deviceKey: string): string {
  return `device-approval/${accountKey.toLowerCase()}/${deviceKey.toLowerCase()}`;
}

/**
 * A repeated start while the approval runs attaches to it (no second device creation); once it
 * has completed, the same device cannot be approved again (a new device_scan gives a new key),
 * but a run that failed (a bug, bad input) may be started again.
 */
export const DEVICE_APPROVAL_ID_POLICIES = {
  workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
} as const;

/** Visibility query, e.g. every approval waiting for a token: `temporal workflow list --query "<this>"`. */
export function deviceApprovalListQuery(status: DeviceApprovalStatus, accountKey?: string): string {
  // Both values are checked against closed shapes, so nothing a caller passes can change the query.
  parseInput(z.enum(DEVICE_APPROVAL_STATUSES), status, 'status');
  const account = accountKey === undefined ? undefined : parseInput(uuidV4, accountKey, 'accountKey').toLowerCase();
  const byAccount = account ? ` AND ${DEVICE_APPROVAL_ACCOUNT_KEY.name} = '${account}'` : '';
  return `${DEVICE_APPROVAL_STATUS_KEY.name} = '${status}'${byAccount}`;
}

/**
 * Validates the input in the caller's process (throws `InvalidInputError` naming each bad field,
 * before anything reaches Temporal or the bank) and returns the options for
 * `client.workflow.start(deviceApprovalWorkflow, options)`.
 */
export function deviceApprovalStartOptions(rawInput: unknown, taskQueue: string) {
  const request = parseInput(deviceApprovalInputSchema, rawInput, DEVICE_APPROVAL_INPUT_LABEL);
  return {
    workflowId: deviceApprovalWorkflowId(request.accountKey, request.deviceKey),
    taskQueue,
    args: [request] as [DeviceApprovalInput],
    ...DEVICE_APPROVAL_ID_POLICIES,
    typedSearchAttributes: deviceApprovalSearchAttributes(request, 'CREATING'),
  };
}

/** `ApplicationFailure` types the bank activities raise; `retryable` ones are retried with bounds. */
export const BANK_FAILURE = {
  invalidRequest: { type: 'BankInvalidRequest', retryable: false },
  accountRefused: { type: 'BankAccountRefused', retryable: false },
  approverRefused: { type: 'BankApproverRefused', retryable: false },
  configuration: { type: 'BankConfigurationError', retryable: false },
  deviceNotFound: { type: 'BankDeviceNotFound', retryable: false },
  deviceDeactivated: { type: 'BankDeviceDeactivated', retryable: false },
  unknownError: { type: 'BankUnknownError', retryable: false },
  tokenSendFailed: { type: 'BankTokenSendFailed', retryable: true },
  rateLimited: { type: 'BankRateLimited', retryable: true },
  unavailable: { type: 'BankUnavailable', retryable: true },
  unexpectedResponse: { type: 'BankUnexpectedResponse', retryable: true },
} as const;
export type BankFailureName = keyof typeof BANK_FAILURE;

/** The zod form of `BankFailureDetails`, for the activities' side. */
export const bankFailureDetailsSchema = z.object({
  code: z.string().optional(),
  httpStatus: z.number().optional(),
  rawBody: z.string().optional(),
});
