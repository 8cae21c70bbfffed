/**
 * Every way an e-signature call can fail, decided in one table: business codes (decide on `code`,
 * never on `message`), HTTP statuses and transport failures. Activities turn these kinds into
 * Temporal failures; the poller turns the "flow gone" kinds into final results.
 */
import type { FlowGoneReason } from '../../contracts/identity-flow';
import type { ProviderHttpError } from '../http';

export type EsignErrorKind =
  /** The flow cannot be polled any more: not found, ended, expired, attempt limit. Final for polling. */
  | 'flowGone'
  /** Our credentials, signature, clock or app configuration are wrong: retrying cannot help. */
  | 'configuration'
  /** The provider refused this request for a reason retrying will not change. */
  | 'rejected'
  /** The answer did not have the fields we rely on. */
  | 'invalidResponse'
  /** Network errors, timeouts, 5xx, 429, truncated answers: retried with backoff. */
  | 'transient';

export interface BusinessCodeEntry {
  kind: EsignErrorKind;
  gone?: FlowGoneReason;
  meaning: string;
}

/**
 * Business codes. 30500001 is "flow does not exist" on the page we received and "verification
 * failed" in public documentation: both readings end polling, so it maps to NOT_FOUND and the
 * provider's code and message are kept in the result for whoever reads it.
 */
export const ESIGN_BUSINESS_CODES: Readonly<Record<number, BusinessCodeEntry>> = {
  30500001: {
    kind: 'flowGone',
    gone: 'NOT_FOUND',
    meaning: 'flow does not exist (page) / verification failed (public docs)',
  },
  30500002: { kind: 'flowGone', gone: 'ENDED', meaning: 'flow already ended' },
  30500003: { kind: 'flowGone', gone: 'EXPIRED', meaning: 'flow expired' },
  30500004: { kind: 'flowGone', gone: 'NOT_FOUND', meaning: 'flow does not exist' },
  30500052: { kind: 'flowGone', gone: 'ATTEMPT_LIMIT', meaning: 'verification attempt limit reached' },
};

/** Gateway messages on 401/403 that mean our signing or credentials are wrong. */
const CONFIGURATION_MARKERS = [
  'INVALID_SIGNATURE',
  'INVALID_TIMESTAMP',
  'INVALID_APP_ID',
  'INVALID_TOKEN',
  'INVALID_AUTH_MODE',
];

export class EsignError extends Error {
  override readonly name = 'EsignError';
  constructor(
    readonly kind: EsignErrorKind,
    message: string,
    readonly details: {
      httpStatus?: number;
      providerCode?: number;
      providerMessage?: string;
      gone?: FlowGoneReason;
      /** A server-suggested wait (Retry-After), when there was one. */
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }
}

/** A business code other than 0, from an answer whose envelope parsed. */
export function businessCodeError(operation: string, code: number, providerMessage: string): EsignError {
  const entry = ESIGN_BUSINESS_CODES[code];
  if (entry) {
    return new EsignError(entry.kind, `${operation}: ${entry.meaning} (provider code ${code})`, {
      providerCode: code,
      providerMessage,
      gone: entry.gone,
    });
  }
  return new EsignError('rejected', `${operation}: the provider refused the request (provider code ${code})`, {
    providerCode: code,
    providerMessage,
  });
}

/** An HTTP status other than 2xx. `bodyText` is only searched for gateway markers, never echoed whole. */
export function httpStatusError(
  operation: string,
  status: number,
  bodyText: string,
  /** The parsed, capped Retry-After (providers/http.ts `parseRetryAfter`). */
  retryAfterMs: number | undefined,
): EsignError {
  if (status === 401 || status === 403) {
    const marker = CONFIGURATION_MARKERS.find((candidate) => bodyText.includes(candidate));
    const why = marker ? `the gateway answered ${marker}` : `the gateway refused our credentials (HTTP ${status})`;
    return new EsignError(
      'configuration',
      `${operation}: ${why}; check ESIGN_APP_ID, ESIGN_APP_SECRET, ESIGN_AUTH_MODE and the host clock`,
      { httpStatus: status, providerMessage: marker },
    );
  }
  if (status === 429 || status >= 500 || status === 408) {
    return new EsignError('transient', `${operation}: the provider answered HTTP ${status}`, {
      httpStatus: status,
      retryAfterMs,
    });
  }
  if (status === 404) {
    return new EsignError(
      'configuration',
      `${operation}: HTTP 404, the endpoint does not exist; check ESIGN_BASE_URL`,
      {
        httpStatus: status,
      },
    );
  }
  return new EsignError('rejected', `${operation}: the provider answered HTTP ${status}`, { httpStatus: status });
}

/** A call without a usable answer: a redirect is configuration, a timeout or lost connection is transient. */
export function transportError(operation: string, error: ProviderHttpError): EsignError {
  if (error.failure === 'redirect') {
    return new EsignError('configuration', `${operation}: ${error.message}`, { httpStatus: error.details.httpStatus });
  }
  return new EsignError('transient', `${operation}: ${error.message}`);
}
