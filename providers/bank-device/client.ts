/**
 * HTTP client of the banking device API. One method per call; each request is signed (ES512 JWT +
 * API-CLIENT-KEY), bounded by the configured timeout, and its answer parsed with zod. Failures
 * come out as `BankApiError` classified by the error table; Temporal concerns (retries, failure
 * types) live in the activities.
 *
 * The private key stays in a private field: never logged, never serialized with the client.
 */
import type { KeyLike } from 'jose';
import type { z } from 'zod';
import type { BankConfig } from '../../common/config';
import { BankApiError, classifyBankError, findBankErrorRule } from './errors';
import { redactBody } from './redact';
import { bankRequestClaims, importBankSigningKey, signBankRequest } from './signing';
import {
  bankPaths,
  createDeviceBodySchema,
  createDeviceResponseSchema,
  deviceStatusResponseSchema,
  disableDeviceResponseSchema,
  errorEnvelopeSchema,
  resendTokenBodySchema,
  resendTokenResponseSchema,
  validateTokenBodySchema,
  validateTokenResponseSchema,
  type CreateDeviceBody,
  type CreateDeviceResponse,
  type DeviceStatusResponse,
  type DisableDeviceResponse,
  type ResendTokenResponse,
  type ValidateTokenResponse,
} from './wire';

interface BankCall<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The path template, used in messages instead of the real path. */
  route: string;
  body?: unknown;
  response: S;
  /** Personal values of this request, masked out of any body kept for the operator. */
  secrets?: readonly string[];
}

export interface BankDeviceClientOptions {
  /** The clock of the JWT timestamps (tests pin it). */
  now?: () => Date;
}

export class BankDeviceClient {
  readonly #baseUrl: string;
  readonly #apiClientKey: string;
  readonly #privateKeyPem: string;
  readonly #timeoutMs: number;
  readonly #now: () => Date;
  #signingKey: Promise<KeyLike> | undefined;

  constructor(config: BankConfig, options: BankDeviceClientOptions = {}) {
    this.#baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.#apiClientKey = config.apiClientKey;
    this.#privateKeyPem = config.privateKeyPem;
    this.#timeoutMs = config.timeoutMs;
    this.#now = options.now ?? (() => new Date());
  }

  async createDevice(accountKey: string, body: CreateDeviceBody): Promise<CreateDeviceResponse> {
    const checked = this.checkBody(createDeviceBodySchema, body, 'create device');
    return this.send({
      method: 'POST',
      path: bankPaths.devices(accountKey),
      route: 'POST /account/{account_key}/device',
      body: checked,
      response: createDeviceResponseSchema,
      secrets: [body.tfa_info.approver_document_number],
    });
  }

  async validateToken(accountKey: string, deviceKey: string, token: string): Promise<ValidateTokenResponse> {
    return this.send({
      method: 'PUT',
      path: bankPaths.validate(accountKey, deviceKey),
      route: 'PUT /account/{account_key}/device/{device_key}/validate',
      body: this.checkBody(validateTokenBodySchema, { token }, 'validate token'),
      response: validateTokenResponseSchema,
      secrets: [token],
    });
  }

  async resendToken(
    accountKey: string,
    deviceKey: string,
    contactType?: 'sms' | 'email',
  ): Promise<ResendTokenResponse> {
    return this.send({
      method: 'PATCH',
      path: bankPaths.resend(accountKey, deviceKey),
      route: 'PATCH /account/{account_key}/device/{device_key}/resend_token',
      body: this.checkBody(resendTokenBodySchema, contactType ? { contact_type: contactType } : {}, 'resend token'),
      response: resendTokenResponseSchema,
    });
  }

  async getDevice(accountKey: string, deviceKey: string): Promise<DeviceStatusResponse> {
    return this.send({
      method: 'GET',
      path: bankPaths.device(accountKey, deviceKey),
      route: 'GET /account/{account_key}/device/{device_key}',
      response: deviceStatusResponseSchema,
    });
  }

  async disableDevice(accountKey: string, deviceKey: string): Promise<DisableDeviceResponse> {
    return this.send({
      method: 'DELETE',
      path: bankPaths.disable(accountKey, deviceKey),
      route: 'DELETE /account/{account_key}/device/{device_key}/disable',
      response: disableDeviceResponseSchema,
    });
  }

  /** Refuses to send a body the bank would refuse: names the fields, never their values. */
  private checkBody<S extends z.ZodType>(schema: S, body: unknown, label: string): z.output<S> {
    const result = schema.safeParse(body);
    if (!result.success) {
      const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'} ${issue.message}`);
      throw new BankApiError('invalid_request', `${label}: request not sent, ${fields.join('; ')}`);
    }
    return result.data;
  }

  private signingKey(): Promise<KeyLike> {
    this.#signingKey ??= importBankSigningKey(this.#privateKeyPem).catch(() => {
      this.#signingKey = undefined;
      throw new BankApiError('configuration', 'the bank private key (BANK_PRIVATE_KEY_PEM) is not an ES512 PKCS#8 key');
    });
    return this.#signingKey;
  }

  private async send<S extends z.ZodType>(call: BankCall<S>): Promise<z.output<S>> {
    const bodyText = call.body === undefined ? undefined : JSON.stringify(call.body);
    const claims = bankRequestClaims({ method: call.method, uri: call.path, body: bodyText, now: this.#now() });
    const jwt = await signBankRequest(claims, await this.signingKey());
    const headers: Record<string, string> = { AUTHORIZATION: jwt, 'API-CLIENT-KEY': this.#apiClientKey };
    if (bodyText !== undefined) headers['content-type'] = 'application/json';

    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(`${this.#baseUrl}${call.path}`, {
        method: call.method,
        headers,
        body: bodyText,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      // Checked by name: the abort reason is a DOMException, which may come from another realm.
      const timedOut = typeof error === 'object' && error !== null && 'name' in error && error.name === 'TimeoutError';
      throw new BankApiError(
        'unavailable',
        `${call.route}: ${timedOut ? `no answer within ${this.#timeoutMs} ms` : 'connection failed or was dropped'}`,
      );
    }

    const secrets = call.secrets ?? [];
    if (status >= 200 && status < 300) {
      const parsed = call.response.safeParse(parseJson(text));
      if (!parsed.success) {
        throw new BankApiError('unexpected_response', `${call.route}: answered ${status} with an undocumented body`, {
          httpStatus: status,
          rawBody: redactBody(text, secrets),
        });
      }
      return parsed.data;
    }

    const envelope = errorEnvelopeSchema.safeParse(parseJson(text));
    const code = envelope.success ? envelope.data.code : undefined;
    const kind = classifyBankError(status, code);
    const meaning = findBankErrorRule(status, code)?.meaning ?? 'not in the error table';
    throw new BankApiError(kind, `${call.route}: answered ${status}${code ? ` ${code}` : ''} (${meaning})`, {
      httpStatus: status,
      code,
      rawBody: redactBody(text, secrets),
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
