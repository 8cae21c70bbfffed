/**
 * HTTP client of the banking device API. One method per call; each request is signed (ES512 JWT +
 * API-CLIENT-KEY), bounded by the configured timeout, and its answer parsed with zod. Failures
 * come out as `BankApiError` classified by the error table; Temporal concerns (retries, failure
 * types) live in the activities.
 *
 * The private key stays in a private field: never logged, never serialized with the client.
 */
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { parseBankPrivateKey, type BankConfig } from '../../common/config';
import { providerFetch, ProviderHttpError, providerLimits, type ProviderAnswer } from '../http';
import { BankApiError, classifyBankError, findBankErrorRule } from './errors';
import { redactBody } from './redact';
import { bankRequestClaims, signBankRequest } from './signing';
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
  readonly #signingKey: KeyObject;
  readonly #limits: ReturnType<typeof providerLimits>;
  readonly #now: () => Date;

  /**
   * Parses the private key now, so a wrong key stops the worker at start (throws `ConfigError`
   * naming BANK_PRIVATE_KEY_PEM) instead of failing every call later as if the bank were down.
   */
  constructor(config: BankConfig, options: BankDeviceClientOptions = {}) {
    this.#baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.#apiClientKey = config.apiClientKey;
    this.#signingKey = parseBankPrivateKey(config.privateKeyPem);
    this.#limits = providerLimits(config);
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

  private async send<S extends z.ZodType>(call: BankCall<S>): Promise<z.output<S>> {
    const bodyText = call.body === undefined ? undefined : JSON.stringify(call.body);
    const claims = bankRequestClaims({ method: call.method, uri: call.path, body: bodyText, now: this.#now() });
    const jwt = await signBankRequest(claims, this.#signingKey);
    const headers: Record<string, string> = { AUTHORIZATION: jwt, 'API-CLIENT-KEY': this.#apiClientKey };
    if (bodyText !== undefined) headers['content-type'] = 'application/json';

    let answer: ProviderAnswer;
    try {
      answer = await providerFetch({
        provider: 'bank',
        operation: call.route,
        url: `${this.#baseUrl}${call.path}`,
        urlVariable: 'BANK_BASE_URL',
        method: call.method,
        headers,
        body: bodyText,
        limits: this.#limits,
      });
    } catch (error) {
      if (!(error instanceof ProviderHttpError)) throw error;
      // A redirect means the base URL is wrong: configuration, never retried.
      const kind = error.failure === 'redirect' ? 'configuration' : 'unavailable';
      throw new BankApiError(kind, `${call.route}: ${error.message}`, { httpStatus: error.details.httpStatus });
    }

    const { status, body: text } = answer;
    const secrets = call.secrets ?? [];
    const rawBody = redactBody(text, secrets);
    if (status >= 200 && status < 300) {
      if (answer.bodyTooLarge) {
        throw new BankApiError(
          'unexpected_response',
          `${call.route}: answered ${status} with a body over ${this.#limits.maxBodyBytes} bytes (PROVIDER_MAX_BODY_BYTES)`,
          { httpStatus: status, rawBody },
        );
      }
      const parsed = call.response.safeParse(parseJson(text));
      if (!parsed.success) {
        throw new BankApiError('unexpected_response', `${call.route}: answered ${status} with an undocumented body`, {
          httpStatus: status,
          rawBody,
        });
      }
      return parsed.data;
    }

    // An error body past the cap is cut short; its status still classifies it.
    const envelope = answer.bodyTooLarge ? undefined : errorEnvelopeSchema.safeParse(parseJson(text));
    const code = envelope?.success ? envelope.data.code : undefined;
    const kind = classifyBankError(status, code);
    const meaning = findBankErrorRule(status, code)?.meaning ?? 'not in the error table';
    throw new BankApiError(kind, `${call.route}: answered ${status}${code ? ` ${code}` : ''} (${meaning})`, {
      httpStatus: status,
      code,
      rawBody,
      retryAfterMs: answer.retryAfterMs,
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
