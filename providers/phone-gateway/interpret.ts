/**
 * Reads one HTTP answer of the gateway: a typed result, or a `PhoneGatewayError` from the error
 * table. Pure (no I/O), so every row of the tables is unit-tested without a server.
 */
import type { z } from 'zod';
import { PHONE_GATEWAY_FAILURE, type Carrier, type PhoneCheckResult } from '../../contracts/phone-check';
import { DEFAULT_MAX_BODY_BYTES, type ProviderAnswer } from '../http';
import { PhoneGatewayError, errcodeMeaning, httpStatusMeaning } from './errors';
import { bodyExcerpt, type Redactor } from './redact';
import { resultCodeMeaning } from './result-codes';
import { gatewayEnvelopeSchema, gatewayVerificationSchema } from './wire';

/** One HTTP answer as the shared HTTP layer read it (providers/http.ts). */
export type GatewayHttpAnswer = ProviderAnswer;

const CARRIERS: Readonly<Record<string, Carrier>> = {
  移动: 'CHINA_MOBILE',
  电信: 'CHINA_TELECOM',
  联通: 'CHINA_UNICOM',
};

export function carrierOf(isp: string): Carrier {
  return Object.hasOwn(CARRIERS, isp) ? CARRIERS[isp]! : 'UNKNOWN';
}

/** Paths of the fields that did not match, without their values. */
function problemPaths(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
}

function malformed(
  reason: string,
  answer: GatewayHttpAnswer,
  redact: Redactor,
  problems?: string[],
): PhoneGatewayError {
  return new PhoneGatewayError(PHONE_GATEWAY_FAILURE.malformed, `phone gateway answer unreadable: ${reason}`, {
    httpStatus: answer.status,
    bodyExcerpt: bodyExcerpt(answer.body, redact),
    ...(problems ? { problems } : {}),
  });
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Throws `PhoneGatewayError` for every answer that is not a final result. `limits.maxBodyBytes` is
 * only named in the message of an answer cut short (PROVIDER_MAX_BODY_BYTES).
 */
export function interpretGatewayAnswer(
  answer: GatewayHttpAnswer,
  redact: Redactor,
  limits: { maxBodyBytes: number } = { maxBodyBytes: DEFAULT_MAX_BODY_BYTES },
): PhoneCheckResult {
  if (answer.status < 200 || answer.status > 299) {
    const row = httpStatusMeaning(answer.status);
    const retryable =
      row.failureType === PHONE_GATEWAY_FAILURE.rateLimited || row.failureType === PHONE_GATEWAY_FAILURE.unavailable;
    throw new PhoneGatewayError(
      row.failureType,
      `phone gateway ${row.meaning} (HTTP ${answer.status})`,
      { httpStatus: answer.status, bodyExcerpt: bodyExcerpt(answer.body, redact) },
      // RFC 9110 §10.2.3: Retry-After means something on 429 and 503 (and on other 5xx, harmlessly).
      retryable ? answer.retryAfterMs : undefined,
    );
  }
  // A 2xx answer may have been billed: an answer cut short is unreadable, never retried.
  if (answer.bodyTooLarge) {
    throw malformed(`the answer is over ${limits.maxBodyBytes} bytes (PROVIDER_MAX_BODY_BYTES)`, answer, redact);
  }

  const json = parseJson(answer.body);
  if (!json.ok) throw malformed('not JSON', answer, redact);
  const envelope = gatewayEnvelopeSchema.safeParse(json.value);
  if (!envelope.success) throw malformed('no usable errcode', answer, redact, problemPaths(envelope.error));

  const { errcode, errmsg } = envelope.data;
  if (errcode !== 0) {
    const row = errcodeMeaning(errcode);
    const message = errmsg ? `: ${redact(errmsg).slice(0, 200)}` : '';
    throw new PhoneGatewayError(row.failureType, `phone gateway ${row.meaning} (errcode ${errcode})${message}`, {
      httpStatus: answer.status,
      errcode,
    });
  }

  const verification = gatewayVerificationSchema.safeParse(envelope.data.data);
  if (!verification.success) {
    throw malformed(
      'the verification result does not match the contract',
      answer,
      redact,
      problemPaths(verification.error).map((p) => `data.${p}`),
    );
  }
  const { traceNo } = verification.data;
  const response = verification.data.result.responseJson.Response;
  const resultCode = response.Result;
  const reference = {
    requestId: response.RequestId,
    traceNo,
    isp: response.Isp ?? '',
    carrier: carrierOf(response.Isp ?? ''),
    description: redact(response.Description ?? '').slice(0, 200),
  };
  const meaning = resultCodeMeaning(resultCode);

  if (!meaning) {
    throw new PhoneGatewayError(
      PHONE_GATEWAY_FAILURE.unknownResult,
      `phone gateway answered Result ${resultCode}, which is not in the result table`,
      { httpStatus: answer.status, resultCode, requestId: reference.requestId, traceNo },
    );
  }
  if (meaning.kind === 'busy') {
    throw new PhoneGatewayError(PHONE_GATEWAY_FAILURE.busy, 'phone gateway verification centre is busy (Result -11)', {
      resultCode,
      requestId: reference.requestId,
      traceNo,
    });
  }
  return { ...reference, ...meaning.answer };
}
