/**
 * The device two-factor approval's shared vocabulary: input and update schemas, the state the
 * query returns, the workflow id and start policies, message definitions, search attribute keys,
 * the activity interface and the failure types activities raise. The caller, the workflow, the
 * activities and the simulator all read these, so they cannot drift apart.
 *
 * Pure (zod and the Temporal SDK only): the workflow bundle imports this module.
 */
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type SearchAttributePair,
} from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { cpf, deviceToken, uuidV4 } from './identifiers';
import { parseInput } from './validation';

// ---------------------------------------------------------------------------------------------
// Input

export const CONTACT_TYPES = ['sms', 'email', 'liveness'] as const;
export const contactTypeSchema = z.enum(CONTACT_TYPES);
export type ContactType = z.output<typeof contactTypeSchema>;

/** The contact types a token can be (re)sent through; liveness approves with a face image instead. */
export const tokenContactTypeSchema = z.enum(['sms', 'email']);
export type TokenContactType = z.output<typeof tokenContactTypeSchema>;

/** UUIDs compare case-insensitively; lower-casing them makes one device map to one workflow id. */
const key = uuidV4.transform((value) => value.toLowerCase());

const DAY_MS = 24 * 60 * 60 * 1000;
const durationMs = (max: number) => z.number().int().positive().max(max);

/**
 * The bank documents neither token lifetime nor attempt limits, so the workflow owns them. Every
 * field has a safe default; tests pass milliseconds. The parsed policy travels in the workflow's
 * input, so a later change of a default never changes a run already started.
 */
export const approvalPolicySchema = z.strictObject({
  /** How long the approver has to type the token, from the start of the run. */
  approvalDeadlineMs: durationMs(30 * DAY_MS).default(15 * 60 * 1000),
  /** Wrong tokens allowed before the approval is LOCKED on our side. */
  maxTokenAttempts: z.number().int().min(1).max(20).default(3),
  /** Token re-sends allowed per approval. */
  maxResends: z.number().int().min(0).max(20).default(3),
  /** Minimum time between two tokens sent to the approver. */
  resendCooldownMs: z
    .number()
    .int()
    .min(0)
    .max(DAY_MS)
    .default(60 * 1000),
  /** Disable the pending device when the deadline passes, so it can never be approved later. */
  disableOnExpiry: z.boolean().default(true),
  /** Disable the pending device when the approval is cancelled. */
  disableOnCancel: z.boolean().default(true),
  /** Disable the pending device when too many wrong tokens were typed. */
  disableOnLock: z.boolean().default(true),
  /** How long one bank call may run before Temporal retries it (must exceed PROVIDER_TIMEOUT_MS). */
  bankCallTimeoutMs: durationMs(10 * 60 * 1000).default(30 * 1000),
  /** Retries of transient bank failures (5xx, 429, timeouts, OBD000097): bounded, exponential. */
  bankRetry: z
    .strictObject({
      initialIntervalMs: durationMs(10 * 60 * 1000).default(1000),
      maximumIntervalMs: durationMs(60 * 60 * 1000).default(30 * 1000),
      maximumAttempts: z.number().int().min(1).max(50).default(5),
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
  })
  .superRefine((input, context) => {
    if (input.contactType === 'liveness' && input.imageKey === undefined) {
      context.addIssue({ code: 'custom', path: ['imageKey'], message: 'is required when contactType is liveness' });
    }
    if (input.contactType !== 'liveness' && input.imageKey !== undefined) {
      context.addIssue({ code: 'custom', path: ['imageKey'], message: 'is only allowed when contactType is liveness' });
    }
  });

/** What a caller passes (policy fields optional). */
export type DeviceApprovalInput = z.input<typeof deviceApprovalInputSchema>;
/** The input after validation: keys lower-cased, every policy field filled in. */
export type DeviceApprovalRequest = z.output<typeof deviceApprovalInputSchema>;

export const DEVICE_APPROVAL_INPUT_LABEL = 'device approval input';

// ---------------------------------------------------------------------------------------------
// Status and state

export const DEVICE_APPROVAL_STATUSES = [
  'CREATING',
  'WAITING_FOR_TOKEN',
  'VALIDATING',
  'APPROVED',
  'REJECTED',
  'LOCKED',
  'EXPIRED',
  'CANCELLED',
] as const;
export type DeviceApprovalStatus = (typeof DEVICE_APPROVAL_STATUSES)[number];

const TERMINAL_STATUSES: readonly DeviceApprovalStatus[] = ['APPROVED', 'REJECTED', 'LOCKED', 'EXPIRED', 'CANCELLED'];
export function isTerminalStatus(status: DeviceApprovalStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface StatusTransition {
  status: DeviceApprovalStatus;
  /** ISO-8601 workflow time. */
  at: string;
  /** Why, without personal data: an error code, "wrong token", a cancel reason, a re-send. */
  detail?: string;
}

/** Why the bank (or our handling of it) ended an approval; never carries personal data. */
export interface ApprovalRejection {
  /** The failure type, e.g. `BankApproverRefused` (see BANK_FAILURE). */
  type: string;
  /** The bank's error code when it gave one, e.g. `OBD000090`. */
  code?: string;
  message: string;
}

/** What the `state` query and the workflow result report. No personal data. */
export interface DeviceApprovalState {
  accountKey: string;
  deviceKey: string;
  status: DeviceApprovalStatus;
  contactType: ContactType;
  attemptsLeft: number;
  resendsLeft: number;
  /** ISO-8601: when the approval expires if no right token arrives. */
  deadline: string;
  /** ISO-8601: the earliest time a token re-send is allowed, while waiting for a token. */
  nextResendAt?: string;
  rejection?: ApprovalRejection;
  /** Set once the device was disabled as compensation (true) or the attempt failed (false). */
  deviceDisabled?: boolean;
  transitions: StatusTransition[];
}

// ---------------------------------------------------------------------------------------------
// Updates and query

export const submitTokenArgsSchema = z.strictObject({ token: deviceToken });
export type SubmitTokenArgs = z.input<typeof submitTokenArgsSchema>;
export type SubmitTokenResult =
  { outcome: 'accepted' } | { outcome: 'wrong'; attemptsLeft: number } | { outcome: 'locked' };

export const resendTokenArgsSchema = z.strictObject({ contactType: tokenContactTypeSchema.optional() });
export type ResendTokenArgs = z.input<typeof resendTokenArgsSchema>;
export type ResendTokenResult =
  { outcome: 'sent'; contactType: TokenContactType; resendsLeft: number; nextResendAt: string } | { outcome: 'locked' };

export const cancelArgsSchema = z.strictObject({
  /** Shown in the state's transitions: keep personal data out of it. */
  reason: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
});
export type CancelArgs = z.input<typeof cancelArgsSchema>;
export interface CancelResult {
  status: 'CANCELLED';
  deviceDisabled: boolean;
}

export const submitTokenUpdate = defineUpdate<SubmitTokenResult, [SubmitTokenArgs]>('submitToken');
export const resendTokenUpdate = defineUpdate<ResendTokenResult, [ResendTokenArgs]>('resendToken');
export const cancelApprovalUpdate = defineUpdate<CancelResult, [CancelArgs]>('cancel');
export const approvalStateQuery = defineQuery<DeviceApprovalState>('state');

/** Failure types the workflow's validators and update handlers throw (all non-retryable). */
export const APPROVAL_FAILURE = {
  /** The approval is not in a state that allows this update. */
  invalidState: 'InvalidState',
  deadlinePassed: 'DeadlinePassed',
  resendLimitReached: 'ResendLimitReached',
  resendCooldown: 'ResendCooldown',
  /** The bank could not be reached after bounded retries; nothing was consumed, try again. */
  bankUnavailable: 'BankUnavailable',
  /** The bank refused: the approval is now REJECTED. */
  rejected: 'ApprovalRejected',
} as const;

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

export const DEVICE_APPROVAL_STATUS_KEY = defineSearchAttributeKey('DeviceApprovalStatus', SearchAttributeType.KEYWORD);
export const DEVICE_APPROVAL_CONTACT_TYPE_KEY = defineSearchAttributeKey(
  'DeviceApprovalContactType',
  SearchAttributeType.KEYWORD,
);
export const DEVICE_APPROVAL_ACCOUNT_KEY = defineSearchAttributeKey(
  'DeviceApprovalAccountKey',
  SearchAttributeType.KEYWORD,
);

export const DEVICE_APPROVAL_SEARCH_ATTRIBUTES: ReadonlyArray<SearchAttributePair['key']> = [
  DEVICE_APPROVAL_STATUS_KEY,
  DEVICE_APPROVAL_CONTACT_TYPE_KEY,
  DEVICE_APPROVAL_ACCOUNT_KEY,
];

/** Visibility query, e.g. every approval waiting for a token: `temporal workflow list --query "<this>"`. */
export function deviceApprovalListQuery(status: DeviceApprovalStatus, accountKey?: string): string {
  // Both values are checked against closed shapes, so nothing a caller passes can change the query.
  parseInput(z.enum(DEVICE_APPROVAL_STATUSES), status, 'status');
  const account = accountKey === undefined ? undefined : parseInput(uuidV4, accountKey, 'accountKey').toLowerCase();
  const byAccount = account ? ` AND ${DEVICE_APPROVAL_ACCOUNT_KEY.name} = '${account}'` : '';
  return `${DEVICE_APPROVAL_STATUS_KEY.name} = '${status}'${byAccount}`;
}

export function deviceApprovalSearchAttributes(
  request: Pick<DeviceApprovalRequest, 'accountKey' | 'contactType'>,
  status: DeviceApprovalStatus,
): SearchAttributePair[] {
  return [
    { key: DEVICE_APPROVAL_STATUS_KEY, value: status },
    { key: DEVICE_APPROVAL_CONTACT_TYPE_KEY, value: request.contactType },
    { key: DEVICE_APPROVAL_ACCOUNT_KEY, value: request.accountKey },
  ];
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

// ---------------------------------------------------------------------------------------------
// Activities: the interface the workflow calls (activities/device-approval.ts implements it)

export interface CreateDeviceRequest {
  accountKey: string;
  deviceKey: string;
  sessionId: string;
  approverCpf: string;
  contactType: ContactType;
  imageKey?: string;
}

export interface DeviceRef {
  accountKey: string;
  deviceKey: string;
}

export interface CreateDeviceOutcome {
  /** `created`: approved at once (liveness); `pending_2fa_approval`: a token went to the approver. */
  deviceStatus: 'created' | 'pending_2fa_approval';
  /** True when a retry found the device already created by an earlier attempt (read, not created). */
  foundExisting: boolean;
}

export type ValidateTokenOutcome =
  | { outcome: 'accepted'; foundApproved: boolean }
  | { outcome: 'wrong'; code: string }
  | { outcome: 'locked'; code: string };

export type ResendTokenOutcome = { outcome: 'sent' } | { outcome: 'locked'; code: string };

export interface DisableDeviceOutcome {
  /** `not_found`: the bank has no such device any more, which is as good as disabled. */
  outcome: 'disabled' | 'not_found';
}

export interface DeviceApprovalActivities {
  bankCreateDevice(request: CreateDeviceRequest): Promise<CreateDeviceOutcome>;
  bankValidateToken(request: DeviceRef & { token: string }): Promise<ValidateTokenOutcome>;
  bankResendToken(request: DeviceRef & { contactType: TokenContactType }): Promise<ResendTokenOutcome>;
  bankDisableDevice(request: DeviceRef): Promise<DisableDeviceOutcome>;
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

/** Carried as the first detail of every bank `ApplicationFailure`, for the workflow and the operator. */
export const bankFailureDetailsSchema = z.object({
  code: z.string().optional(),
  httpStatus: z.number().optional(),
  /** The bank's answer, truncated and with personal data masked. */
  rawBody: z.string().optional(),
});
export type BankFailureDetails = z.output<typeof bankFailureDetailsSchema>;
