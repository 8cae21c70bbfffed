/**
 * The one place that calls `fetch` for a provider (bank, e-signature, phone gateway). Every call
 * gets the same transport rules, so a fix lands once:
 *
 * - a timeout covering the whole exchange, headers and body (`timeoutMs`);
 * - redirects are never followed: a 3xx is a configuration error naming the base-URL variable, so
 *   the request's credentials and personal data never reach the host in `Location`;
 * - bodies are read up to `maxBodyBytes` and the rest is dropped unread (memory stays flat);
 * - `Retry-After` parsed per RFC 9110 §10.2.3 and capped by `maxRetryAfterMs`;
 * - a short excerpt of a body for operators, with personal data masked.
 *
 * - every call counted and timed once, here (`kyc_provider_calls_total`,
 *   `kyc_provider_call_duration`; docs/observability.md), by provider, operation and outcome.
 *
 * Providers keep their own error tables: this module reports what happened on the wire
 * (`ProviderHttpError`, `ProviderAnswer`) and each client classifies it.
 */
import { recordProviderCall } from '../common/metrics';
import type { ProviderCallOutcome, ProviderLabel } from '../contracts/metrics';

/** Limits of one provider call; from PROVIDER_TIMEOUT_MS, PROVIDER_MAX_BODY_BYTES, PROVIDER_MAX_RETRY_AFTER_MS. */
export interface ProviderHttpLimits {
  /** Whole-exchange timeout, milliseconds. */
  timeoutMs: number;
  /** Largest body read, success or error, in bytes. */
  maxBodyBytes: number;
  /** Largest `Retry-After` wait honoured, milliseconds. */
  maxRetryAfterMs: number;
}

/** Defaults of the limits a configuration may leave out (common/config.ts sets all three). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** A provider configuration's limits, with the defaults filled in. */
export function providerLimits(config: {
  timeoutMs: number;
  maxBodyBytes?: number;
  maxRetryAfterMs?: number;
}): ProviderHttpLimits {
  return {
    timeoutMs: config.timeoutMs,
    maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxRetryAfterMs: config.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
  };
}

export interface ProviderRequest {
  /** Which provider, for the metrics' `provider` label. */
  provider: ProviderLabel;
  /** The call's route template or name, for the `operation` label: never a real path (it holds ids). */
  operation: string;
  /** Absolute URL; its origin comes from `urlVariable`. */
  url: string;
  /** The configuration variable holding the base URL, named in redirect errors (e.g. `BANK_BASE_URL`). */
  urlVariable: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** The caller's cancellation (e.g. the activity's); its reason is rethrown unchanged. */
  signal?: AbortSignal;
  limits: ProviderHttpLimits;
}

export interface ProviderAnswer {
  status: number;
  /** The body, decoded as UTF-8; only its first `maxBodyBytes` bytes when `bodyTooLarge`. */
  body: string;
  /** True when the body was longer than `maxBodyBytes`: the rest was not read. */
  bodyTooLarge: boolean;
  /** The server's requested wait, parsed and capped; undefined when absent or invalid. */
  retryAfterMs: number | undefined;
}

export type ProviderHttpFailure =
  /** No complete answer within `timeoutMs`. The provider may have acted on the request. */
  | 'timeout'
  /** No connection, or it dropped. The provider may have acted on the request. */
  | 'network'
  /** The provider answered 3xx: the base URL is wrong. Not followed, not retried. */
  | 'redirect';

/** A call that produced no usable answer. Its message names no header or body value. */
export class ProviderHttpError extends Error {
  override readonly name = 'ProviderHttpError';
  constructor(
    readonly failure: ProviderHttpFailure,
    message: string,
    readonly details: { httpStatus?: number; networkCode?: string } = {},
  ) {
    super(message);
  }
}

/**
 * One provider call. Resolves with any status that is not 3xx (the caller's error table decides
 * what a 4xx/5xx means); rejects with `ProviderHttpError` for a timeout, a network failure or a
 * redirect, and with the caller's own abort reason when `request.signal` fired.
 */
export async function providerFetch(request: ProviderRequest, now: () => number = Date.now): Promise<ProviderAnswer> {
  const startedAt = performance.now();
  let outcome: ProviderCallOutcome = 'error';
  let statusCode: number | undefined;
  try {
    const answer = await fetchOnce(request, now);
    outcome = 'answered';
    statusCode = answer.status;
    return answer;
  } catch (error) {
    if (error instanceof ProviderHttpError) {
      outcome = error.failure;
      statusCode = error.details.httpStatus;
    } else if (request.signal?.aborted) {
      outcome = 'cancelled';
    }
    throw error;
  } finally {
    recordProviderCall({
      provider: request.provider,
      operation: request.operation,
      outcome,
      statusCode,
      durationMs: performance.now() - startedAt,
    });
  }
}

async function fetchOnce(request: ProviderRequest, now: () => number): Promise<ProviderAnswer> {
  const { limits } = request;
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      // 'manual' hands us the 3xx itself without following it, so the error can name its status.
      // ('error' would refuse it too, but as an anonymous "fetch failed".)
      redirect: 'manual',
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new ProviderHttpError(
        'redirect',
        `the provider answered HTTP ${response.status} (a redirect), which is never followed: ` +
          `check ${request.urlVariable}, it must be the provider's final address`,
        { httpStatus: response.status },
      );
    }
    const read = await readBounded(response, limits.maxBodyBytes);
    return {
      status: response.status,
      ...read,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now(), limits.maxRetryAfterMs),
    };
  } catch (error) {
    if (error instanceof ProviderHttpError) throw error;
    if (request.signal?.aborted) throw request.signal.reason;
    if (timeout.aborted) {
      throw new ProviderHttpError('timeout', `no complete answer within ${limits.timeoutMs} ms`);
    }
    const code = networkErrorCode(error);
    throw new ProviderHttpError('network', `the connection failed or was dropped (${code})`, { networkCode: code });
  }
}

/**
 * Reads at most `maxBytes` of the body, then cancels the stream so the rest is never received
 * into memory. A `Content-Length` already over the cap is not read at all.
 */
async function readBounded(response: Response, maxBytes: number): Promise<{ body: string; bodyTooLarge: boolean }> {
  const declared = Number(response.headers.get('content-length'));
  if (!response.body) return { body: '', bodyTooLarge: false };
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    return { body: '', bodyTooLarge: true };
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let bodyTooLarge = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      size = maxBytes;
      bodyTooLarge = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { body: new TextDecoder('utf-8').decode(Buffer.concat(chunks, size)), bodyTooLarge };
}

/** The system error code behind a failed fetch (ECONNREFUSED, ECONNRESET, ...): safe to report. */
function networkErrorCode(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm, where `instanceof Error` fails.
  const cause = (error as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | null)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : 'network error';
}

// ---------------------------------------------------------------------------------------------
// Retry-After (RFC 9110 §10.2.3): `delay-seconds` or an `HTTP-date` (§5.6.7)

const DELAY_SECONDS = /^\d+$/;
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three forms a recipient must accept: IMF-fixdate, obsolete RFC 850 and asctime. */
const HTTP_DATE_FORMS: readonly RegExp[] = [
  new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`),
  new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`),
  new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`),
];

/**
 * The wait a `Retry-After` value asks for, in milliseconds, at most `maxMs`.
 *
 * - `delay-seconds` (`120`): that many seconds.
 * - `HTTP-date` (`Sun, 06 Nov 1994 08:49:37 GMT`, or the obsolete RFC 850 / asctime forms): the
 *   time from `now` to that date.
 * - Absent, empty, negative (`-5`), fractional, any other text, or a date not in the future:
 *   `undefined`, so the caller falls back to its own backoff.
 *
 * Source: RFC 9110 §10.2.3 (Retry-After) and §5.6.7 (date formats).
 */
export function parseRetryAfter(header: string | null | undefined, now: number, maxMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  let waitMs: number;
  if (DELAY_SECONDS.test(value)) {
    waitMs = Number(value) * 1000;
  } else if (HTTP_DATE_FORMS.some((form) => form.test(value))) {
    // V8 reads all three forms (RFC 850's two-digit year by its own 19xx/20xx rule) but rolls
    // an impossible day over (31 Feb becomes 3 Mar): the day must survive the round trip.
    const at = asctimeAsGmt(value);
    if (Number.isNaN(at) || new Date(at).getUTCDate() !== dayOfMonth(value)) return undefined;
    waitMs = at - now;
  } else {
    return undefined;
  }
  if (!(waitMs > 0)) return undefined;
  return Math.min(waitMs, maxMs);
}

/** The day of month as written: before the month (IMF-fixdate, RFC 850) or after it (asctime). */
function dayOfMonth(value: string): number {
  const match = new RegExp(`[ ,](\\d{2})[ -]${MONTH}|${MONTH} +(\\d{1,2}) `).exec(value);
  return Number(match?.[1] ?? match?.[2]);
}

/** asctime carries no zone but means GMT (RFC 9110 §5.6.7); Date.parse would read it as local time. */
function asctimeAsGmt(value: string): number {
  return Date.parse(/GMT$/.test(value) ? value : `${value} GMT`);
}

// ---------------------------------------------------------------------------------------------
// Excerpts for operators

/** Masks text shaped like personal data that any provider may echo: ids, phones, CPFs, e-mails. */
const PERSONAL_SHAPES: readonly RegExp[] = [
  /\d{3}\.\d{3}\.\d{3}-\d{2}/g, // formatted CPF
  /\d{9,}[\dXx]?/g, // CPF, phone, resident ID (17 digits and a check character), account numbers
  /[^\s"'<>@]+@[^\s"'<>@]+\.[A-Za-z]{2,}/g, // e-mail addresses
];

export const REDACTED = '[redacted]';

/**
 * The start of a provider's body for an operator: `redact` (the provider's own rules, e.g. the
 * request's known factors) runs first, then the shared personal-data shapes, then the text is cut
 * to `maxChars` (an ellipsis marks the cut). Redaction runs well past the cut, so a number split
 * by a first slice can never reach the excerpt in part.
 */
export function redactedExcerpt(body: string, maxChars: number, redact: (text: string) => string = (t) => t): string {
  let text = redact(body.slice(0, maxChars * 10));
  for (const shape of PERSONAL_SHAPES) text = text.replace(shape, REDACTED);
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** Escapes a literal for a RegExp source (for redacting exact known values). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
