/**
 * The phone gateway's HTTP client: one POST per check, the token in `Authorization` (the gateway
 * signs nothing), the body validated against the wire contract before it leaves, and every
 * answer read through the result and error tables.
 */
import type { PhoneConfig } from '../../common/config';
import { PHONE_GATEWAY_FAILURE, type PhoneCheckResult, type PhoneFactors } from '../../contracts/phone-check';
import { providerFetch, ProviderHttpError, providerLimits, type ProviderAnswer } from '../http';
import { PhoneGatewayError } from './errors';
import { interpretGatewayAnswer } from './interpret';
import { createRedactor } from './redact';
import {
  PHONE_VERIFICATION_BUSCODE,
  PHONE_VERIFICATION_PATH,
  REAL_NAME_GROUP,
  gatewayRequestSchema,
  type GatewayRequest,
} from './wire';

export interface VerifyOptions {
  /** Aborts the call early, e.g. when the activity is cancelled. */
  signal?: AbortSignal;
}

export function buildGatewayRequest(factors: PhoneFactors): GatewayRequest {
  const body = {
    async: false,
    buscode: PHONE_VERIFICATION_BUSCODE,
    group: REAL_NAME_GROUP,
    data: { IdCard: factors.idCard, Name: factors.name, Phone: factors.phone },
  };
  const parsed = gatewayRequestSchema.safeParse(body);
  if (!parsed.success) {
    // Field paths only: the values are personal data.
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new PhoneGatewayError(
      PHONE_GATEWAY_FAILURE.rejected,
      `phone check request does not match the gateway contract: ${fields}`,
      {
        problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      },
    );
  }
  return parsed.data;
}

/**
 * Network error codes that mean no connection was ever made, so the gateway cannot have seen the
 * request (safe to retry as unavailable). Any other failure after connecting is an unanswered call.
 */
const NEVER_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class PhoneGatewayClient {
  constructor(readonly config: PhoneConfig) {}

  get url(): string {
    return `${this.config.baseUrl}${PHONE_VERIFICATION_PATH}`;
  }

  /** One gateway call. Returns a final result, or throws `PhoneGatewayError` (see errors.ts). */
  async verify(factors: PhoneFactors, options: VerifyOptions = {}): Promise<PhoneCheckResult> {
    const body = JSON.stringify(buildGatewayRequest(factors));
    const limits = providerLimits(this.config);
    let answer: ProviderAnswer;
    try {
      answer = await providerFetch({
        provider: 'phone_gateway',
        operation: `POST ${PHONE_VERIFICATION_PATH}`,
        url: this.url,
        urlVariable: 'PHONE_BASE_URL',
        method: 'POST',
        headers: { authorization: this.config.token, 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: options.signal,
        limits,
      });
    } catch (error) {
      if (!(error instanceof ProviderHttpError)) throw error;
      if (error.failure === 'timeout') {
        throw new PhoneGatewayError(PHONE_GATEWAY_FAILURE.timeout, `phone gateway: ${error.message}`);
      }
      if (error.failure === 'redirect') {
        throw new PhoneGatewayError(PHONE_GATEWAY_FAILURE.misconfigured, `phone gateway: ${error.message}`, {
          httpStatus: error.details.httpStatus,
        });
      }
      const code = error.details.networkCode ?? 'network error';
      if (!NEVER_CONNECTED.has(code)) {
        // The request went out and the connection died before the answer: the gateway may have
        // answered, and billed, exactly as after a timeout. It is an unanswered call, counted and
        // decided on by the check's unansweredCall policy (found by npm run chaos: a dropped
        // connection was retried as "unavailable" and the check paid twice with unansweredCalls 0).
        throw new PhoneGatewayError(
          PHONE_GATEWAY_FAILURE.timeout,
          `phone gateway: the connection dropped before the answer (${code}); the call may have been answered and billed`,
        );
      }
      throw new PhoneGatewayError(PHONE_GATEWAY_FAILURE.unavailable, `phone gateway unreachable (${code})`);
    }
    return interpretGatewayAnswer(answer, createRedactor(factors), limits);
  }
}
