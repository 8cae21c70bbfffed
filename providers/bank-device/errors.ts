/**
 * The one table from the banking API's answers to typed outcomes. Each documented error is matched
 * on HTTP status AND code together: the documentation spells the incorrect-token code two ways,
 * and one of them equals "device not found" at another status. If the real bank differs, this
 * table is the only place to change.
 */

export type BankErrorKind =
  /** Our request broke the schema: a bug or input that slipped past validation. */
  | 'invalid_request'
  | 'account_refused'
  | 'approver_refused'
  /** Our requester key, permissions or credentials: fix the configuration, retrying cannot help. */
  | 'configuration'
  /** OBD000097: the bank failed to send the token; documented as worth retrying. */
  | 'token_send_failed'
  | 'wrong_token'
  /** OBD000099: the bank locked the device after too many wrong tokens; final. */
  | 'token_attempts_exhausted'
  | 'device_not_found'
  | 'rate_limited'
  /** 5xx, a timeout or a dropped connection: the outcome is unknown, read the status before redoing. */
  | 'unavailable'
  /** A 2xx answer whose body is not what the documentation promises. */
  | 'unexpected_response'
  /** A 4xx with a code (or status) the table does not know. */
  | 'unknown_error';

export interface BankErrorRule {
  httpStatus: number;
  code: string;
  kind: BankErrorKind;
  meaning: string;
  /** Where the pair comes from: the original page, or public documentation outside it. */
  source: 'page' | 'public-docs';
}

export const BANK_ERROR_TABLE: readonly BankErrorRule[] = [
  { httpStatus: 400, code: 'QIT000001', kind: 'invalid_request', meaning: 'schema error', source: 'page' },
  { httpStatus: 404, code: 'OBD000002', kind: 'account_refused', meaning: 'bank account not found', source: 'page' },
  { httpStatus: 400, code: 'OBD000088', kind: 'account_refused', meaning: 'account blocked or closed', source: 'page' },
  {
    httpStatus: 400,
    code: 'OBD000089',
    kind: 'account_refused',
    meaning: 'hub account cannot do this',
    source: 'page',
  },
  {
    httpStatus: 403,
    code: 'OBD000090',
    kind: 'approver_refused',
    meaning: 'document number is not an approver of this account',
    source: 'page',
  },
  { httpStatus: 400, code: 'OBD000091', kind: 'invalid_request', meaning: 'tfa_info is required', source: 'page' },
  {
    httpStatus: 400,
    code: 'OBD000092',
    kind: 'invalid_request',
    meaning: 'session_id and device_key must be UUID v4',
    source: 'page',
  },
  {
    httpStatus: 404,
    code: 'OBD000093',
    kind: 'configuration',
    meaning: 'no requester configuration for this requester key',
    source: 'page',
  },
  {
    httpStatus: 403,
    code: 'OBD000094',
    kind: 'configuration',
    meaning: 'requester not allowed to create a device',
    source: 'page',
  },
  {
    httpStatus: 400,
    code: 'OBD000097',
    kind: 'token_send_failed',
    meaning: 'error while sending the token',
    source: 'page',
  },
  {
    httpStatus: 400,
    code: 'OBD000099',
    kind: 'token_attempts_exhausted',
    meaning: 'too many failed token attempts',
    source: 'public-docs',
  },
  { httpStatus: 404, code: 'OBD000100', kind: 'device_not_found', meaning: 'device not found', source: 'public-docs' },
  // The incorrect token: documented as 400 "OBD0000100"; the same page uses OBD000100 (at 404) for
  // "device not found", so a 400 OBD000100 is read as the incorrect token too.
  { httpStatus: 400, code: 'OBD0000100', kind: 'wrong_token', meaning: 'incorrect token', source: 'public-docs' },
  { httpStatus: 400, code: 'OBD000100', kind: 'wrong_token', meaning: 'incorrect token', source: 'public-docs' },
  {
    httpStatus: 400,
    code: 'GDF000003',
    kind: 'configuration',
    meaning: 'no API client key received',
    source: 'public-docs',
  },
  {
    httpStatus: 401,
    code: 'GDF000014',
    kind: 'configuration',
    meaning: 'authentication token rejected (signature, claims or endpoint not allowed)',
    source: 'public-docs',
  },
  {
    httpStatus: 404,
    code: 'GDF000018',
    kind: 'configuration',
    meaning: 'unknown API client key',
    source: 'public-docs',
  },
];

export function findBankErrorRule(httpStatus: number, code: string | undefined): BankErrorRule | undefined {
  if (code === undefined) return undefined;
  return BANK_ERROR_TABLE.find((rule) => rule.httpStatus === httpStatus && rule.code === code);
}

/** Classifies a non-2xx answer: the table first, then the HTTP status for transient failures. */
export function classifyBankError(httpStatus: number, code: string | undefined): BankErrorKind {
  const rule = findBankErrorRule(httpStatus, code);
  if (rule) return rule.kind;
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus >= 500) return 'unavailable';
  return 'unknown_error';
}

/** A failed bank call, classified. Its message names the route template and code, never personal data. */
export class BankApiError extends Error {
  override readonly name = 'BankApiError';
  constructor(
    readonly kind: BankErrorKind,
    message: string,
    readonly details: {
      httpStatus?: number;
      code?: string;
      /** Truncated, personal data masked. */
      rawBody?: string;
      /** From Retry-After (429 or 503), parsed and capped by providers/http.ts. */
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
  }
}
