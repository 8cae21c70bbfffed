/**
 * The zod-free half of the phone check's contract: what the workflow bundle needs at run time
 * (the gateway's queue, failure types, the search attribute, retry bounds) and the result types.
 * `phone-check.ts` re-exports it next to the callers' zod schemas (see checks.ts for why).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { NotificationRecord } from './notification-core';

/** The phone gateway's activity runs on its own queue so the worker can rate-limit it across every process. */
export const phoneGatewayTaskQueue = (taskQueue: string): string => `${taskQueue}-phone-gateway`;

/** Bounds and defaults of the gateway call's retries (milliseconds; tests shrink them). */
export const PHONE_CHECK_RETRY_LIMITS = {
  initialIntervalMs: { min: 10, max: 60_000, default: 1_000 },
  maximumIntervalMs: { min: 10, max: 600_000, default: 60_000 },
  maximumAttempts: { min: 1, max: 50, default: 8 },
} as const;

/** A person's name as the carrier registered it: only emptiness and absurd lengths are refused. */
export const PERSON_NAME_MAX_LENGTH = 64;

/**
 * What to do after a gateway call that got no answer within PROVIDER_TIMEOUT_MS. Such a call may
 * still have been answered, and billed, at the gateway, so asking again may pay twice:
 *
 * - `retry` (the default): ask again, with the retry policy's backoff, up to `retry.maximumAttempts`
 *   unanswered calls. The caller gets an answer; the result's `unansweredCalls` tells billing
 *   reconciliation how many calls may have been charged without one.
 * - `fail`: end the check with `PhoneGatewayUnanswered` after the first unanswered call; the
 *   caller decides (a start with the same request id is allowed after a failure).
 */
export const UNANSWERED_CALL_POLICIES = ['retry', 'fail'] as const;
export type UnansweredCallPolicy = (typeof UNANSWERED_CALL_POLICIES)[number];

// ---------------------------------------------------------------------------------------------
// Results

export const PHONE_CHECK_OUTCOMES = [
  'VERIFIED',
  'MISMATCH',
  'INVALID_INPUT',
  'NO_RECORD',
  'DAILY_LIMIT',
  'UNSUPPORTED_NUMBER',
] as const;
export type PhoneCheckOutcome = (typeof PHONE_CHECK_OUTCOMES)[number];

/** Which factor the gateway refused for an INVALID_INPUT answer. */
export type PhoneFactor = 'phone' | 'idCard' | 'name';

export type Carrier = 'CHINA_MOBILE' | 'CHINA_TELECOM' | 'CHINA_UNICOM' | 'UNKNOWN';

/** What identifies one gateway answer when reporting a problem to the gateway's owner. */
export interface GatewayReference {
  /** Upstream request id (`RequestId`). */
  requestId: string;
  /** The gateway's own id of the call (`traceNo`). */
  traceNo: string;
  /** The carrier as the gateway spelled it (`Isp`): "", 移动, 电信 or 联通. */
  isp: string;
  carrier: Carrier;
  /** The gateway's description of the result, with anything resembling personal data removed. */
  description: string;
}

interface Answer<O extends PhoneCheckOutcome, C extends number, B extends boolean> extends GatewayReference {
  outcome: O;
  /** The gateway's `Result` code. */
  resultCode: C;
  /** Whether the gateway charges for this answer (0 and -4): such a call is never repeated. */
  billed: B;
}

export type PhoneCheckResult =
  | Answer<'VERIFIED', 0, true>
  | Answer<'MISMATCH', -4, true>
  | (Answer<'INVALID_INPUT', -6 | -7 | -8, false> & { factor: PhoneFactor })
  | Answer<'NO_RECORD', -9, false>
  | Answer<'DAILY_LIMIT', -12, false>
  | Answer<'UNSUPPORTED_NUMBER', -13, false>;

/** What the workflow returns: the gateway's answer and how many calls before it went unanswered. */
export type PhoneCheckWorkflowResult = PhoneCheckResult & {
  /**
   * Gateway calls of this check that got no answer within PROVIDER_TIMEOUT_MS (each may have been
   * billed). Absent only for checks started before this was recorded.
   */
  unansweredCalls?: number;
  /** The completion notification (docs/notifications.md); absent for checks started before it. */
  notification?: NotificationRecord;
};

// ---------------------------------------------------------------------------------------------
// Failures (the ApplicationFailure types the activity throws)

/**
 * The workflow's own failure when the unanswered-call policy stops the check: `fail` after one
 * unanswered call, or `retry` after `retry.maximumAttempts` of them. Details: `{ unansweredCalls }`.
 */
export const PHONE_CHECK_UNANSWERED_FAILURE = 'PhoneGatewayUnanswered';

export const PHONE_GATEWAY_FAILURE = {
  /** Result -11: the verification centre is busy. Retried with backoff. */
  busy: 'PhoneGatewayBusy',
  /** HTTP 429: retried after the gateway's Retry-After. */
  rateLimited: 'PhoneGatewayRateLimited',
  /** HTTP 5xx, a transient errcode, or no connection. Retried. */
  unavailable: 'PhoneGatewayUnavailable',
  /**
   * An unanswered call: no answer within the configured timeout, or the connection dropped after
   * the request was sent. The gateway may have billed it; the check's `unansweredCall` policy decides.
   */
  timeout: 'PhoneGatewayTimeout',
  /** The token was refused: configuration, not retried. */
  authRejected: 'PhoneGatewayAuthRejected',
  /** The gateway answered a redirect: PHONE_BASE_URL is wrong. Never followed, not retried. */
  misconfigured: 'PhoneGatewayMisconfigured',
  /** Any other refusal of the request (other 4xx, unknown errcode). Not retried. */
  rejected: 'PhoneGatewayRejected',
  /** An answer that cannot be read. Not retried: it may have been billed. */
  malformed: 'PhoneGatewayMalformedResponse',
  /** A `Result` code outside the table. Not retried: it may have been billed. */
  unknownResult: 'PhoneGatewayUnknownResult',
} as const;
export type PhoneGatewayFailureType = (typeof PHONE_GATEWAY_FAILURE)[keyof typeof PHONE_GATEWAY_FAILURE];

export const PHONE_GATEWAY_RETRYABLE_FAILURES: ReadonlySet<PhoneGatewayFailureType> = new Set([
  PHONE_GATEWAY_FAILURE.busy,
  PHONE_GATEWAY_FAILURE.rateLimited,
  PHONE_GATEWAY_FAILURE.unavailable,
  PHONE_GATEWAY_FAILURE.timeout,
]);

/** Operator-facing facts about a failed gateway call; never personal data. */
export interface PhoneGatewayFailureDetails {
  httpStatus?: number;
  errcode?: number;
  resultCode?: string;
  requestId?: string;
  traceNo?: string;
  /** The start of the raw body, with personal data removed. */
  bodyExcerpt?: string;
  /** Which fields of the body did not match the contract (paths only). */
  problems?: string[];
}

// ---------------------------------------------------------------------------------------------
// Search attributes (not encrypted by any codec: outcome words only)

export const PhoneCheckOutcomeKey = defineSearchAttributeKey('PhoneCheckOutcome', SearchAttributeType.KEYWORD);

/** Values of `PhoneCheckOutcome`: a result's outcome, or how the check ended without one. */
/** `CANCELLED`: the workflow was cancelled before the gateway answered (a call in flight is waited for). */
export type PhoneCheckOutcomeAttribute = PhoneCheckOutcome | 'INPUT_REJECTED' | 'FAILED' | 'CANCELLED';

export const PHONE_CHECK_SEARCH_ATTRIBUTES: ReadonlyArray<SearchAttributePair['key']> = [PhoneCheckOutcomeKey];
