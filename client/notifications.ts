/**
 * Receiving completion notifications (docs/notifications.md): `verifyNotification` checks a
 * request's Standard Webhooks signature and timestamp with the maintained `standardwebhooks`
 * package and returns the event. Use it on the raw body, before any JSON parsing or re-encoding.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { CompletionEvent } from '../contracts/notification';

export type { CompletionEvent, DeliveryState, NotificationRecord } from '../contracts/notification';

/** A notification that must be refused (answer 401/400 and drop it). */
export class NotificationVerificationError extends Error {
  override readonly name = 'NotificationVerificationError';
}

/** Node's `IncomingHttpHeaders`, a fetch `Headers`, or a plain record of header values. */
export type NotificationHeaders = Headers | Record<string, string | string[] | undefined>;

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function headerRecord(headers: NotificationHeaders): Record<string, string> {
  const read = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(found) ? found.join(' ') : found;
  };
  const record: Record<string, string> = {};
  for (const name of SIGNED_HEADERS) {
    const value = read(name);
    if (value !== undefined) record[name] = value;
  }
  return record;
}

/**
 * Verifies one notification and returns its event.
 *
 * - `headers`: the request's headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`);
 * - `rawBody`: the body exactly as received (string or bytes);
 * - `secrets`: this receiver's `whsec_…` secret(s); during a rotation give both, new and old:
 *   a request is accepted when any `v1,` signature matches any secret.
 *
 * Throws `NotificationVerificationError` when a header is missing, no signature matches, or the
 * timestamp is more than 5 minutes from now either way (the package's tolerance, which
 * Standard Webhooks recommends against replays). The event's `id` equals `webhook-id`: keep the
 * ids you processed and ignore a repeat (a retried delivery carries the same id).
 */
export function verifyNotification(
  headers: NotificationHeaders,
  rawBody: string | Uint8Array,
  secrets: string | readonly string[],
): CompletionEvent {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  if (keys.length === 0) throw new NotificationVerificationError('no secret to verify the notification with');
  const signed = headerRecord(headers);
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let problem = 'no matching signature';
  for (const secret of keys) {
    try {
      const event = new Webhook(secret).verify(body, signed) as CompletionEvent;
      if (typeof event !== 'object' || event === null || event.id !== signed['webhook-id']) {
        throw new NotificationVerificationError('the event id does not match the webhook-id header');
      }
      return event;
    } catch (error) {
      if (error instanceof NotificationVerificationError) throw error;
      if (!(error instanceof WebhookVerificationError)) {
        throw new NotificationVerificationError(`cannot verify the notification: ${(error as Error).message}`);
      }
      problem = error.message;
      // A missing header or a stale timestamp is the same for every secret.
      if (problem !== 'No matching signature found') break;
    }
  }
  throw new NotificationVerificationError(`notification refused: ${problem}`);
}
