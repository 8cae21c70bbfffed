/**
 * The e-signature identity API client: signs every request (or sends the cached token), applies
 * the configured timeout, and turns every answer into a parsed value or an `EsignError` from the
 * one error table. Never logs, and never puts the secret, the token or the body in an error.
 */
import type { z } from 'zod';
import type { EsignConfig } from '../../common/config';
import type { IdentityOutline, StartEsignFlowRequest, StartedEsignFlow } from '../../contracts/identity-flow';
import { providerFetch, ProviderHttpError, providerLimits, type ProviderAnswer } from '../http';
import { businessCodeError, EsignError, httpStatusError, transportError } from './errors';
import {
  contentMd5,
  ESIGN_ACCEPT,
  ESIGN_CONTENT_TYPE,
  ESIGN_REQUEST_HEADERS,
  signString,
  stringToSign,
  type QueryParams,
} from './signing';
import { expiryFrom, TokenCache } from './token';
import { detailWireSchema, envelopeSchema, outlineWireSchema, startFlowWireSchema, tokenWireSchema } from './wire';

export const ESIGN_PATHS = {
  token: '/v1/oauth2/access_token',
  indivAuthUrl: '/v2/identity/auth/web/indivAuthUrl',
  orgAuthUrl: '/v2/identity/auth/web/orgAuthUrl',
  outline: (flowId: string) => `/v2/identity/auth/api/common/${encodeURIComponent(flowId)}/outline`,
  detail: (flowId: string) => `/v2/identity/auth/api/common/${encodeURIComponent(flowId)}/detail`,
} as const;

export type StartFlowRequest = StartEsignFlowRequest;

export interface EsignClientOptions {
  /** Injected for token-expiry tests; defaults to Date.now. */
  now?: () => number;
}

interface CallOptions<S extends z.ZodType> {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: S;
  signal?: AbortSignal;
  authenticated?: boolean;
}

export class EsignClient {
  private readonly now: () => number;
  private readonly tokens: TokenCache | undefined;
  private readonly limits: ReturnType<typeof providerLimits>;

  constructor(
    private readonly config: EsignConfig,
    options: EsignClientOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.limits = providerLimits(config);
    this.tokens = config.authMode === 'token' ? new TokenCache(() => this.issueToken(), this.now) : undefined;
  }

  /** Starts a verification flow; the user completes it at the returned link. */
  async startFlow(request: StartFlowRequest, signal?: AbortSignal): Promise<StartedEsignFlow> {
    const contextInfo: Record<string, string> = { contextId: request.contextId };
    if (this.config.notifyUrl) contextInfo.notifyUrl = this.config.notifyUrl;
    if (request.redirectUrl) contextInfo.redirectUrl = request.redirectUrl;
    const data = await this.call({
      operation: 'start identity flow',
      method: 'POST',
      path: request.objectType === 'INDIVIDUAL' ? ESIGN_PATHS.indivAuthUrl : ESIGN_PATHS.orgAuthUrl,
      body: { contextInfo },
      schema: startFlowWireSchema,
      signal,
    });
    return { flowId: data.flowId, authUrl: data.url, shortLink: data.shortLink ?? null };
  }

  async getOutline(flowId: string, signal?: AbortSignal): Promise<IdentityOutline> {
    return this.call({
      operation: 'read flow outline',
      method: 'GET',
      path: ESIGN_PATHS.outline(flowId),
      schema: outlineWireSchema,
      signal,
    });
  }

  async getDetail(flowId: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.call({
      operation: 'read flow detail',
      method: 'GET',
      path: ESIGN_PATHS.detail(flowId),
      schema: detailWireSchema,
      signal,
    });
  }

  private async issueToken(): Promise<{ token: string; expiresAt: number }> {
    const obtainedAt = this.now();
    const data = await this.call({
      operation: 'obtain access token',
      method: 'GET',
      path: ESIGN_PATHS.token,
      query: { appId: this.config.appId, secret: this.config.appSecret, grantType: 'client_credentials' },
      schema: tokenWireSchema,
      authenticated: false,
    });
    return { token: data.token, expiresAt: expiryFrom(data.expiresIn, obtainedAt) };
  }

  private async call<S extends z.ZodType>(options: CallOptions<S>): Promise<z.output<S>> {
    try {
      return await this.attempt(options);
    } catch (error) {
      // A token can be revoked before its expiry: fetch a fresh one once, then give up.
      if (
        error instanceof EsignError &&
        error.kind === 'configuration' &&
        error.details.providerMessage === 'INVALID_TOKEN' &&
        this.tokens
      ) {
        return this.attempt(options);
      }
      throw error;
    }
  }

  private async attempt<S extends z.ZodType>(options: CallOptions<S>): Promise<z.output<S>> {
    const body = options.body === undefined ? '' : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      Accept: ESIGN_ACCEPT,
      'Content-Type': ESIGN_CONTENT_TYPE,
      [ESIGN_REQUEST_HEADERS.appId]: this.config.appId,
    };
    let token: string | undefined;
    if (options.authenticated !== false) {
      if (this.tokens) {
        token = await this.tokens.get();
        headers[ESIGN_REQUEST_HEADERS.token] = token;
      } else {
        Object.assign(headers, this.signatureHeaders(options.method, options.path, options.query ?? {}, body));
      }
    }

    let answer: ProviderAnswer;
    try {
      answer = await providerFetch({
        provider: 'esign',
        operation: options.operation,
        url: `${this.config.baseUrl}${options.path}${queryString(options.query)}`,
        urlVariable: 'ESIGN_BASE_URL',
        method: options.method,
        headers,
        body: options.method === 'GET' ? undefined : body,
        signal: options.signal,
        limits: this.limits,
      });
    } catch (error) {
      if (error instanceof ProviderHttpError) throw transportError(options.operation, error);
      throw error;
    }

    const text = answer.body;
    if (answer.status < 200 || answer.status > 299) {
      const failure = httpStatusError(options.operation, answer.status, text, answer.retryAfterMs);
      if (token && failure.details.providerMessage === 'INVALID_TOKEN') this.tokens?.invalidate(token);
      throw failure;
    }
    if (answer.bodyTooLarge) {
      throw new EsignError(
        'invalidResponse',
        `${options.operation}: the answer is over ${this.limits.maxBodyBytes} bytes (PROVIDER_MAX_BODY_BYTES)`,
        { httpStatus: answer.status },
      );
    }
    return parseAnswer(options.operation, text, options.schema);
  }

  private signatureHeaders(method: string, path: string, query: QueryParams, body: string): Record<string, string> {
    const md5 = contentMd5(body);
    const signature = signString(
      this.config.appSecret,
      stringToSign({ method, accept: ESIGN_ACCEPT, contentMd5: md5, contentType: ESIGN_CONTENT_TYPE, path, query }),
    );
    const headers: Record<string, string> = {
      [ESIGN_REQUEST_HEADERS.authMode]: 'Signature',
      [ESIGN_REQUEST_HEADERS.timestamp]: String(this.now()),
      [ESIGN_REQUEST_HEADERS.signature]: signature,
    };
    if (md5) headers[ESIGN_REQUEST_HEADERS.contentMd5] = md5;
    return headers;
  }
}

function queryString(query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return '';
  return `?${new URLSearchParams(query).toString()}`;
}

function parseAnswer<S extends z.ZodType>(operation: string, text: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Truncated or garbled answers come from proxies and restarts far more often than from a changed API.
    throw new EsignError('transient', `${operation}: the answer is not JSON`);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new EsignError('invalidResponse', `${operation}: the answer has no numeric "code" field`);
  }
  if (envelope.data.code !== 0) {
    throw businessCodeError(operation, envelope.data.code, envelope.data.message ?? '');
  }
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) {
    const fields = [...new Set(data.error.issues.map((issue) => ['data', ...issue.path.map(String)].join('.')))];
    throw new EsignError('invalidResponse', `${operation}: unexpected answer, check fields ${fields.join(', ')}`);
  }
  return data.data;
}
