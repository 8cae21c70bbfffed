/**
 * Signature of the platform's callbacks (README section 4.2): lowercase hex HMAC-SHA256 of
 * timestamp + query values sorted by parameter name + raw body. The only module that knows the
 * scheme; the header names are defaults that configuration may override.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { QueryParams } from './signing';

export interface CallbackHeaderNames {
  signature: string;
  timestamp: string;
  algorithm: string;
}

export const DEFAULT_CALLBACK_HEADERS: CallbackHeaderNames = {
  signature: 'X-Tsign-Open-SIGNATURE',
  timestamp: 'X-Tsign-Open-TIMESTAMP',
  algorithm: 'X-Tsign-Open-SIGNATURE-ALGORITHM',
};

export const CALLBACK_SIGNATURE_ALGORITHM = 'hmac-sha256';

export function callbackSignedString(timestamp: string, query: QueryParams, rawBody: string | Buffer): Buffer {
  const values = Object.keys(query)
    .sort()
    .flatMap((name) => {
      const value = query[name];
      if (value === undefined) return [];
      return typeof value === 'string' ? [value] : [...value];
    })
    .join('');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return Buffer.concat([Buffer.from(`${timestamp}${values}`, 'utf8'), body]);
}

export function signCallback(secret: string, timestamp: string, query: QueryParams, rawBody: string | Buffer): string {
  return createHmac('sha256', secret)
    .update(callbackSignedString(timestamp, query, rawBody))
    .digest('hex');
}

export type CallbackVerification =
  | { ok: true; timestamp: number; signature: string }
  | {
      ok: false;
      reason: 'missing-timestamp' | 'missing-signature' | 'stale-timestamp' | 'bad-signature' | 'bad-algorithm';
    };

export interface VerifyCallbackOptions {
  secret: string;
  /** Header lookup; names are matched case-insensitively by the caller's HTTP framework. */
  header(name: string): string | undefined;
  query: QueryParams;
  rawBody: Buffer;
  now: number;
  toleranceMs: number;
  headerNames?: Partial<CallbackHeaderNames>;
}

export function verifyCallback(options: VerifyCallbackOptions): CallbackVerification {
  const names = { ...DEFAULT_CALLBACK_HEADERS, ...options.headerNames };
  const timestampText = options.header(names.timestamp)?.trim();
  if (!timestampText || !/^\d{1,16}$/.test(timestampText)) return { ok: false, reason: 'missing-timestamp' };
  const signature = options.header(names.signature)?.trim().toLowerCase();
  if (!signature) return { ok: false, reason: 'missing-signature' };
  const algorithm = options.header(names.algorithm)?.trim().toLowerCase();
  if (algorithm && algorithm !== CALLBACK_SIGNATURE_ALGORITHM) return { ok: false, reason: 'bad-algorithm' };

  const timestamp = Number(timestampText);
  if (Math.abs(options.now - timestamp) > options.toleranceMs) return { ok: false, reason: 'stale-timestamp' };

  const expected = Buffer.from(signCallback(options.secret, timestampText, options.query, options.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad-signature' };
  return { ok: true, timestamp, signature };
}
