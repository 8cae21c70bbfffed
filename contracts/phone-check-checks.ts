/**
 * The phone check's input check for the workflow side, without zod (see checks.ts): the same
 * fields, bounds, defaults and messages as `phoneCheckInputSchema`.
 */
import {
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
import { notifyUrlCheck } from './notification-checks';
import { chineseMobileCheck, residentIdCheck } from './identifier-rules';
import {
  PERSON_NAME_MAX_LENGTH,
  PHONE_CHECK_RETRY_LIMITS as LIMITS,
  UNANSWERED_CALL_POLICIES,
} from './phone-check-core';
import type { PhoneCheckParsedInput } from './phone-check';

const bounded = (limit: { min: number; max: number; default: number }) =>
  withDefault(number({ int: true, min: limit.min, max: limit.max }), limit.default);

export const phoneCheckInputCheck: Checker<PhoneCheckParsedInput> = object(
  {
    phone: chineseMobileCheck,
    idCard: residentIdCheck,
    name: string({
      before: (value) => value.trim(),
      rules: [
        minLength(1, 'must not be empty'),
        maxLength(PERSON_NAME_MAX_LENGTH, `must be at most ${PERSON_NAME_MAX_LENGTH} characters`),
      ],
    }),
    retry: prefault(
      object(
        {
          initialIntervalMs: bounded(LIMITS.initialIntervalMs),
          maximumIntervalMs: bounded(LIMITS.maximumIntervalMs),
          maximumAttempts: bounded(LIMITS.maximumAttempts),
        },
        { strict: true },
      ),
      {},
    ),
    unansweredCall: withDefault(oneOf(UNANSWERED_CALL_POLICIES), 'retry'),
    notifyUrl: optional(notifyUrlCheck),
  },
  { strict: true },
);
