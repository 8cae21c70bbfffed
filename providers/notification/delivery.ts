/**
 * One delivery attempt of a completion notification: a signed JSON POST through the shared
 * provider transport (providers/http.ts: whole-exchange timeout, redirects never followed, bounded
 * body), and what the answer means (docs/notifications.md):
 *
 *   2xx → delivered · 410 → gone (stop) · 408, 429, 5xx, timeout, no connection → retry
 *   3xx → rejected (a redirect is never followed) · any other 4xx → rejected (give up, record)
 */
import type { CompletionEvent } from '../../contracts/notification-core';
import { ProviderHttpError, providerFetch, type ProviderHttpLimits } from '../http';
import { signNotification } from './signing';

export type DeliveryAnswer =
  | { kind: 'delivered' | 'gone' | 'rejected'; httpStatus: number; reason?: string }
  | { kind: 'retry'; httpStatus?: number; retryAfterMs?: number; reason: string };

/** Receivers' answers are not used: read only this much of them. */
const ANSWER_BYTES = 4096;

export interface DeliveryRequest {
  url: string;
  event: CompletionEvent;
  secrets: readonly string[];
  timeoutMs: number;
  /** Longest Retry-After honoured (the retry policy does not cap it). */
  maxRetryAfterMs: number;
  signal?: AbortSignal;
  now?: () => Date;
}

/** Classifies one receiver status code (RFC 9110 §15; 408 and 429 are worth a retry). */
export function classifyStatus(status: number): DeliveryAnswer['kind'] {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

export async function deliverOnce(request: DeliveryRequest): Promise<DeliveryAnswer> {
  const body = JSON.stringify(request.event);
  const limits: ProviderHttpLimits = {
    timeoutMs: request.timeoutMs,
    maxBodyBytes: ANSWER_BYTES,
    maxRetryAfterMs: request.maxRetryAfterMs,
  };
  let answer;
  try {
    answer = await providerFetch({
      url: request.url,
      urlVariable: 'notifyUrl',
      provider: 'notification_receiver',
      operation: 'POST notifyUrl',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'kyc-temporal-notifications',
        ...signNotification(request.secrets, request.event.id, body, (request.now ?? (() => new Date()))()),
      },
      body,
      signal: request.signal,
      limits,
    });
  } catch (error) {
    if (!(error instanceof ProviderHttpError)) throw error;
    if (error.failure === 'redirect') {
      return {
        kind: 'rejected',
        httpStatus: error.details.httpStatus ?? 0,
        reason: `the receiver answered HTTP ${error.details.httpStatus ?? '3xx'} (a redirect), which is never followed`,
      };
    }
    return { kind: 'retry', reason: error.message };
  }
  const kind = classifyStatus(answer.status);
  if (kind === 'retry') {
    return {
      kind,
      httpStatus: answer.status,
      ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
      reason: `the receiver answered HTTP ${answer.status}`,
    };
  }
  return kind === 'delivered'
    ? { kind, httpStatus: answer.status }
    : { kind, httpStatus: answer.status, reason: `the receiver answered HTTP ${answer.status}` };
}
