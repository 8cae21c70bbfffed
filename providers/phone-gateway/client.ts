/**
 * The phone gateway's HTTP client: one POST per check, the token in `Authorization` (the gateway
 * signs nothing), the body validated against the wire contract before it leaves, and every
 * answer read through the result and error tables.
 */
import type { PhoneConfig } from '../../common/config';
import { PHONE_GATEWAY_FAILURE, type PhoneCheckResult, type PhoneFactors } from '../../contracts/phone-check';
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

/** The system error code behind a failed fetch (ECONNREFUSED, ECONNRESET, ...): safe to report. */
function networkErrorCode(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm, where `instanceof Error` fails.
  const cause = (error as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | null)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : 'network error';
}

export class PhoneGatewayClient {
  constructor(readonly config: PhoneConfig) {}

  get url(): string {
    return `${this.config.baseUrl}${PHONE_VERIFICATION_PATH}`;
  }

  /** One gateway call. Returns a final result, or throws `PhoneGatewayError` (see errors.ts). */
  async verify(factors: PhoneFactors, options: VerifyOptions = {}): Promise<PhoneCheckResult> {
    const body = JSON.stringify(buildGatewayRequest(factors));
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;

    let answer: { status: number; retryAfter: string | null; body: string };
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: this.config.token, 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal,
        redirect: 'error',
      });
      answer = {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.text(),
      };
    } catch (error) {
      if (timeout.aborted) {
        throw new PhoneGatewayError(
          PHONE_GATEWAY_FAILURE.timeout,
          `phone gateway did not answer within ${this.config.timeoutMs} ms`,
        );
      }
      if (options.signal?.aborted) throw error;
      throw new PhoneGatewayError(
        PHONE_GATEWAY_FAILURE.unavailable,
        `phone gateway unreachable (${networkErrorCode(error)})`,
      );
    }
    return interpretGatewayAnswer(answer, createRedactor(factors), Date.now());
  }
}
