/**
 * Completion notifications (docs/notifications.md), the zod-free half: the `notifyUrl` rule, the
 * event a receiver gets, the records the flows' results and queries show, the delivery workflow's
 * query and the activities' interface. The workflows import this module; `notification.ts` adds
 * the callers' zod schema (see checks.ts for why the two halves).
 *
 * Events carry ids and statuses only: never a CPF, name, phone, ID number or token.
 */
import { defineQuery } from '@temporalio/workflow';

// ---------------------------------------------------------------------------------------------
// Where to send

export const NOTIFY_URL_MAX_LENGTH = 2048;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A loopback host name as `URL.hostname` spells it: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export const NOTIFY_URL_MESSAGE =
  'must be an absolute https URL, or an http URL on a loopback host (127.0.0.1, ::1, localhost)';

/**
 * Why `value` cannot be a notification URL, or `undefined` when it can: an absolute `https:` URL
 * (any host), or `http:` on a loopback host only (plain HTTP would expose the signed events on a
 * network); no user name or password (the receiver authenticates us by the signature), no
 * fragment. Whether a non-loopback host may be called at all is the worker's setting
 * (KYC_ALLOW_REMOTE_PROVIDERS), checked before delivery.
 */
export function notifyUrlProblem(value: string): string | undefined {
  if (value.length > NOTIFY_URL_MAX_LENGTH) return `must be at most ${NOTIFY_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return NOTIFY_URL_MESSAGE;
  }
  const secure = url.protocol === 'https:' && url.hostname.length > 0;
  const loopbackHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (!secure && !loopbackHttp) return NOTIFY_URL_MESSAGE;
  if (url.username || url.password) {
    return 'must not carry a user name or password (receivers check the signature instead)';
  }
  if (url.hash) return 'must not have a #fragment';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What is sent

export const NOTIFICATION_FLOWS = ['device-approval', 'identity-flow', 'phone-check'] as const;
export type NotificationFlow = (typeof NOTIFICATION_FLOWS)[number];

/** Facts a flow adds to its event: ids, statuses, codes and counts only (never personal data). */
export type NotificationFacts = Record<string, string | number | boolean>;

/**
 * The JSON body of a notification. `id` is also the `webhook-id` header: the same for every
 * delivery attempt of one event, so a receiver de-duplicates by it.
 */
export type CompletionEvent = {
  id: string;
  /** `<flow>.completed`. */
  type: `${NotificationFlow}.completed`;
  /** ISO-8601 workflow time at which the flow reached `status`. */
  occurredAt: string;
  workflowId: string;
  flow: NotificationFlow;
  /** The flow's final status, e.g. APPROVED, SUCCESS, VERIFIED, FAILED, CANCELLED. */
  status: string;
} & NotificationFacts;

/**
 * The event id: `msg_` (Standard Webhooks' convention), the run chain's first run id (stable
 * across continue-as-new, retries and replays) and the status. One flow reaches one final status,
 * so the id names one event; a retried delivery carries the same id.
 */
export function notificationEventId(firstExecutionRunId: string, status: string): string {
  return `msg_${firstExecutionRunId.replace(/-/g, '')}_${status.toLowerCase()}`;
}

/** The delivery workflow's id (not encrypted: ids and statuses only). */
export function notificationWorkflowId(eventId: string): string {
  return `notification/${eventId}`;
}

// ---------------------------------------------------------------------------------------------
// What the flows' results and queries show

/**
 * - `NONE`: no `notifyUrl` in the input and no KYC_NOTIFY_URL: nothing is sent.
 * - `NOT_SENT`: the worker refused the destination (`reason`: not loopback while remote calls are
 *   off, or no signing secret for its origin); nothing is sent.
 * - `SCHEDULED`: the delivery workflow `deliveryWorkflowId` runs (its `delivery` query and result
 *   say DELIVERED, GONE, REJECTED or FAILED).
 */
export interface NotificationRecord {
  eventId: string;
  status: 'NONE' | 'NOT_SENT' | 'SCHEDULED';
  deliveryWorkflowId?: string;
  reason?: string;
}

/**
 * - `SENDING`: attempts go on (retries with exponential backoff within the retry window);
 * - `DELIVERED`: the receiver answered 2xx;
 * - `GONE`: it answered 410 (it wants no more events): not retried;
 * - `REJECTED`: it answered another 4xx than 408/429, or a redirect (never followed): not retried;
 * - `FAILED`: no 2xx before the retry window ended (5xx, 408, 429, timeouts, no connection).
 */
export const DELIVERY_STATUSES = ['SENDING', 'DELIVERED', 'GONE', 'REJECTED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The delivery workflow's query answer and result. */
export interface DeliveryState {
  eventId: string;
  /** The parent flow's workflow id. */
  workflowId: string;
  status: DeliveryStatus;
  /** The receiver's origin (scheme, host, port). */
  destination: string;
  /** Attempts made, when known (the last answer's attempt number). */
  attempts?: number;
  /** The last HTTP status the receiver answered. */
  httpStatus?: number;
  /** Why it ended other than DELIVERED, without personal data. */
  reason?: string;
  /** ISO-8601 workflow time at which the delivery settled. */
  settledAt?: string;
}

export const deliveryStateQuery = defineQuery<DeliveryState>('delivery');

// ---------------------------------------------------------------------------------------------
// Activities (activities/notification.ts implements them)

/** The retry policy of one delivery, from the worker's configuration (milliseconds). */
export interface NotificationRetry {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** Attempts stop this long after the first one: then the delivery is FAILED. */
  windowMs: number;
}

export type NotificationTarget =
  | { kind: 'none' }
  | { kind: 'refused'; reason: string }
  | { kind: 'send'; url: string; retry: NotificationRetry; attemptTimeoutMs: number };

export interface DeliveryOutcome {
  outcome: 'delivered' | 'gone' | 'rejected';
  httpStatus: number;
  /** The activity attempt that got this answer (1 = the first). */
  attempt: number;
  reason?: string;
}

/** Input of the delivery workflow (started by the flows, never by callers). */
export interface CompletionNotificationInput {
  event: CompletionEvent;
  url: string;
  retry: NotificationRetry;
  attemptTimeoutMs: number;
}

export interface NotificationActivities {
  /** Local activity: the flow's `notifyUrl`, else KYC_NOTIFY_URL, checked against the worker's settings. */
  notificationTarget(request: { notifyUrl?: string }): Promise<NotificationTarget>;
  /** One signed POST; throws a retryable failure for 408, 429, 5xx, timeouts and network errors. */
  deliverNotification(request: { url: string; event: CompletionEvent }): Promise<DeliveryOutcome>;
}

/** The retryable failure of a delivery attempt; details: `{ httpStatus?, attempt }`. */
export const NOTIFICATION_RECEIVER_UNAVAILABLE = 'NotificationReceiverUnavailable';
