/**
 * The device approval's input and update checks for the workflow side, without zod (see
 * checks.ts): the same fields, bounds, defaults and messages as the schemas in
 * `device-approval.ts`, built from the same constants.
 */
import {
  boolean,
  maxLength,
  minLength,
  number,
  object,
  oneOf,
  optional,
  prefault,
  string,
  withDefault,
  type Checker,
} from './checks';
import {
  APPROVAL_POLICY_LIMITS as LIMITS,
  CANCEL_REASON_MAX_LENGTH,
  CONTACT_TYPES,
  IMAGE_KEY_REFUSED,
  IMAGE_KEY_REQUIRED,
  TOKEN_CONTACT_TYPES,
  type CancelArgs,
  type ResendTokenArgs,
  type SubmitTokenArgs,
} from './device-approval-core';
import type { DeviceApprovalRequest } from './device-approval';
import { cpfCheck, deviceTokenCheck, uuidV4Key } from './identifier-rules';
import { notifyUrlCheck } from './notification-checks';

const durationMs = (limit: { max: number; default: number }) =>
  withDefault(number({ int: true, gt: 0, max: limit.max }), limit.default);
const count = (limit: { min: number; max: number; default: number }) =>
  withDefault(number({ int: true, min: limit.min, max: limit.max }), limit.default);

const approvalPolicy = object(
  {
    approvalDeadlineMs: durationMs(LIMITS.approvalDeadlineMs),
    maxTokenAttempts: count(LIMITS.maxTokenAttempts),
    maxResends: count(LIMITS.maxResends),
    resendCooldownMs: count(LIMITS.resendCooldownMs),
    remindAfterMs: optional(number({ int: true, gt: 0, max: LIMITS.remindAfterMs.max })),
    deadlineWarningPercent: optional(
      number({ int: true, min: LIMITS.deadlineWarningPercent.min, max: LIMITS.deadlineWarningPercent.max }),
    ),
    disableOnExpiry: withDefault(boolean(), true),
    disableOnCancel: withDefault(boolean(), true),
    disableOnLock: withDefault(boolean(), true),
    bankCallTimeoutMs: durationMs(LIMITS.bankCallTimeoutMs),
    bankRetry: prefault(
      object(
        {
          initialIntervalMs: durationMs(LIMITS.bankRetry.initialIntervalMs),
          maximumIntervalMs: durationMs(LIMITS.bankRetry.maximumIntervalMs),
          maximumAttempts: count(LIMITS.bankRetry.maximumAttempts),
        },
        { strict: true },
      ),
      {},
    ),
  },
  { strict: true },
);

/** The workflow's input: keys lower-cased, every policy field filled in (as `deviceApprovalInputSchema`). */
export const deviceApprovalInputCheck: Checker<DeviceApprovalRequest> = object(
  {
    accountKey: uuidV4Key,
    deviceKey: uuidV4Key,
    sessionId: uuidV4Key,
    approverCpf: cpfCheck,
    contactType: oneOf(CONTACT_TYPES),
    imageKey: optional(uuidV4Key),
    policy: prefault(approvalPolicy, {}),
    notifyUrl: optional(notifyUrlCheck),
  },
  {
    strict: true,
    refine: (input, add) => {
      if (input.contactType === 'liveness' && input.imageKey === undefined) add('imageKey', IMAGE_KEY_REQUIRED);
      if (input.contactType !== 'liveness' && input.imageKey !== undefined) add('imageKey', IMAGE_KEY_REFUSED);
    },
  },
);

export const submitTokenArgsCheck: Checker<SubmitTokenArgs> = object({ token: deviceTokenCheck }, { strict: true });

export const resendTokenArgsCheck: Checker<ResendTokenArgs> = object(
  { contactType: optional(oneOf(TOKEN_CONTACT_TYPES)) },
  { strict: true },
);

export const cancelArgsCheck: Checker<CancelArgs> = object(
  {
    reason: string({
      before: (value) => value.trim(),
      rules: [minLength(1, 'must not be empty'), maxLength(CANCEL_REASON_MAX_LENGTH)],
    }),
  },
  { strict: true },
);
