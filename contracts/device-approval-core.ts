/**
 * The zod-free half of the device approval's vocabulary: what the workflow bundle needs at run
 * time (message definitions, statuses, failure types, search attribute keys, policy defaults and
 * bounds) and the plain types they carry. `device-approval.ts` re-exports all of it next to the
 * callers' zod schemas; the workflow imports this module so that zod is never evaluated per
 * cached workflow (see checks.ts).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NotificationRecord } from './notification-core';

// ---------------------------------------------------------------------------------------------
// Input vocabulary

export const CONTACT_TYPES = ['sms', 'email', 'liveness'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

/** The contact types a token can be (re)sent through; liveness approves with a face image instead. */
export const TOKEN_CONTACT_TYPES = ['sms', 'email'] as const;
export type TokenContactType = (typeof TOKEN_CONTACT_TYPES)[number];

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Bounds and defaults of the approval policy (see `approvalPolicySchema` for what each field
 * means). The bank documents neither token lifetime nor attempt limits, so the workflow owns them.
 */
export const APPROVAL_POLICY_LIMITS = {
  approvalDeadlineMs: { max: 30 * DAY_MS, default: 15 * 60 * 1000 },
  maxTokenAttempts: { min: 1, max: 20, default: 3 },
  maxResends: { min: 0, max: 20, default: 3 },
  resendCooldownMs: { min: 0, max: DAY_MS, default: 60 * 1000 },
  /** Reminders (automatic re-sends) and the deadline warning are off unless set: no defaults. */
  remindAfterMs: { max: 30 * DAY_MS },
  deadlineWarningPercent: { min: 1, max: 99 },
  bankCallTimeoutMs: { max: 10 * 60 * 1000, default: 30 * 1000 },
  bankRetry: {
    initialIntervalMs: { max: 10 * 60 * 1000, default: 1000 },
    maximumIntervalMs: { max: 60 * 60 * 1000, default: 30 * 1000 },
    maximumAttempts: { min: 1, max: 50, default: 5 },
  },
} as const;

export const DEVICE_APPROVAL_INPUT_LABEL = 'device approval input';

export const IMAGE_KEY_REQUIRED = 'is required when contactType is liveness';
export const IMAGE_KEY_REFUSED = 'is only allowed when contactType is liveness';

/** Shown in the state's transitions: keep personal data out of it. */
export const CANCEL_REASON_MAX_LENGTH = 200;

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
  /**
   * ISO-8601: when the next automatic re-send (reminder) is due, while waiting for a token with
   * `policy.remindAfterMs` set and re-sends left.
   */
  nextReminderAt?: string;
  /** Automatic re-sends made so far; present when `policy.remindAfterMs` is set. */
  remindersSent?: number;
  /** ISO-8601: the "deadline approaching" point (`policy.deadlineWarningPercent` of the deadline), when set. */
  deadlineWarningAt?: string;
  /** True once the "deadline approaching" point passed while the approval was still open. */
  deadlineApproaching?: boolean;
  rejection?: ApprovalRejection;
  /** Set once the device was disabled as compensation (true) or the attempt failed (false). */
  deviceDisabled?: boolean;
  transitions: StatusTransition[];
  /** The completion notification, once the approval ended (docs/notifications.md). */
  notification?: NotificationRecord;
}

// ---------------------------------------------------------------------------------------------
// Updates and query

export interface SubmitTokenArgs {
  token: string;
}
export type SubmitTokenResult =
  { outcome: 'accepted' } | { outcome: 'wrong'; attemptsLeft: number } | { outcome: 'locked' };

export interface ResendTokenArgs {
  contactType?: TokenContactType | undefined;
}
export type ResendTokenResult =
  { outcome: 'sent'; contactType: TokenContactType; resendsLeft: number; nextResendAt: string } | { outcome: 'locked' };

export interface CancelArgs {
  reason: string;
}
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
// Search attributes

export const DEVICE_APPROVAL_STATUS_KEY = defineSearchAttributeKey('DeviceApprovalStatus', SearchAttributeType.KEYWORD);
export const DEVICE_APPROVAL_CONTACT_TYPE_KEY = defineSearchAttributeKey(
  'DeviceApprovalContactType',
  SearchAttributeType.KEYWORD,
);
export const DEVICE_APPROVAL_ACCOUNT_KEY = defineSearchAttributeKey(
  'DeviceApprovalAccountKey',
  SearchAttributeType.KEYWORD,
);

/**
 * Set to true when an open approval passes its "deadline approaching" point
 * (`policy.deadlineWarningPercent`); absent otherwise. A Bool: no personal data, no Keyword slot.
 */
export const DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY = defineSearchAttributeKey(
  'DeviceApprovalDeadlineApproaching',
  SearchAttributeType.BOOL,
);

export const DEVICE_APPROVAL_SEARCH_ATTRIBUTES: ReadonlyArray<SearchAttributePair['key']> = [
  DEVICE_APPROVAL_STATUS_KEY,
  DEVICE_APPROVAL_CONTACT_TYPE_KEY,
  DEVICE_APPROVAL_ACCOUNT_KEY,
  DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY,
];

export function deviceApprovalSearchAttributes(
  request: { accountKey: string; contactType: ContactType },
  status: DeviceApprovalStatus,
): SearchAttributePair[] {
  return [
    { key: DEVICE_APPROVAL_STATUS_KEY, value: status },
    { key: DEVICE_APPROVAL_CONTACT_TYPE_KEY, value: request.contactType },
    { key: DEVICE_APPROVAL_ACCOUNT_KEY, value: request.accountKey },
  ];
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

/** Carried as the first detail of every bank `ApplicationFailure`, for the workflow and the operator. */
export interface BankFailureDetails {
  code?: string;
  httpStatus?: number;
  /** The bank's answer, truncated and with personal data masked. */
  rawBody?: string;
}

/** The bank's error code from a failure's first detail, when it has a readable one. */
export function bankFailureCode(detail: unknown): string | undefined {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return undefined;
  const { code, httpStatus, rawBody } = detail as Record<string, unknown>;
  // As the zod schema reads it: one field of the wrong type makes the whole detail unreadable.
  if (httpStatus !== undefined && typeof httpStatus !== 'number') return undefined;
  if (rawBody !== undefined && typeof rawBody !== 'string') return undefined;
  return typeof code === 'string' ? code : undefined;
}
