/**
 * The one error table of the phone gateway: what each failed call means, whether it is worth
 * repeating, and under which failure type it surfaces. HTTP statuses come first (the transport),
 * then the envelope's `errcode` (the gateway refused the transaction).
 *
 * The gateway's page only says "errcode 0 = success, anything else = an error"; the non-zero
 * codes below are assumptions mirroring HTTP meanings (the simulator answers them). Should the
 * real gateway use other numbers, this table is the one place to change.
 */
import {
  PHONE_GATEWAY_FAILURE,
  PHONE_GATEWAY_RETRYABLE_FAILURES,
  type PhoneGatewayFailureDetails,
  type PhoneGatewayFailureType,
} from '../../contracts/phone-check';

/** A failed gateway call, carrying only operator-safe details (never personal data). */
export class PhoneGatewayError extends Error {
  override readonly name = 'PhoneGatewayError';
  readonly retryable: boolean;

  constructor(
    readonly failureType: PhoneGatewayFailureType,
    message: string,
    readonly details: PhoneGatewayFailureDetails = {},
    /** The gateway's own wait (Retry-After), when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.retryable = PHONE_GATEWAY_RETRYABLE_FAILURES.has(failureType);
  }
}

interface ErrorTableRow {
  failureType: PhoneGatewayFailureType;
  meaning: string;
}

const AUTH: ErrorTableRow = {
  failureType: PHONE_GATEWAY_FAILURE.authRejected,
  meaning: 'refused the token (missing, wrong or expired): fix PHONE_TOKEN',
};
const RATE_LIMITED: ErrorTableRow = { failureType: PHONE_GATEWAY_FAILURE.rateLimited, meaning: 'is rate limiting us' };
const UNAVAILABLE: ErrorTableRow = { failureType: PHONE_GATEWAY_FAILURE.unavailable, meaning: 'is unavailable' };
const REJECTED: ErrorTableRow = { failureType: PHONE_GATEWAY_FAILURE.rejected, meaning: 'refused the request' };

/** HTTP statuses other than 2xx. */
export function httpStatusMeaning(status: number): ErrorTableRow {
  if (status === 401 || status === 403) return AUTH;
  if (status === 429) return RATE_LIMITED;
  if (status === 408 || status >= 500) return UNAVAILABLE;
  return REJECTED;
}

/** Non-zero `errcode` values of an answered call (assumed, see the module comment). */
const ERRCODE_TABLE: ReadonlyMap<number, ErrorTableRow> = new Map([
  [401, AUTH],
  [403, AUTH],
  [429, RATE_LIMITED],
  [500, UNAVAILABLE],
  [502, UNAVAILABLE],
  [503, UNAVAILABLE],
  [504, UNAVAILABLE],
]);

export function errcodeMeaning(errcode: number): ErrorTableRow {
  return ERRCODE_TABLE.get(errcode) ?? REJECTED;
}
