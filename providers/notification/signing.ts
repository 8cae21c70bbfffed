/**
 * Signing of completion notifications per Standard Webhooks (https://www.standardwebhooks.com,
 * spec "Signature scheme"), with its maintained package: HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<body>` keyed with the base64 bytes of a `whsec_` secret,
 * sent as `v1,<base64>`; one signature per secret, space-separated, while secrets rotate.
 */
import { Webhook } from 'standardwebhooks';

export type SignedHeaders = {
  'webhook-id': string;
  /** Unix seconds of this attempt: receivers refuse stale ones (replay protection). */
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three Standard Webhooks headers for one attempt of `body` (the exact bytes sent). */
export function signNotification(
  secrets: readonly string[],
  messageId: string,
  body: string,
  at: Date = new Date(),
): SignedHeaders {
  if (secrets.length === 0) throw new Error('no signing secret: notifications are never sent unsigned');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}
