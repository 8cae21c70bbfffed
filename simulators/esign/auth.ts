/**
 * The gateway's checks on every identity API request: the signed-request mode (README 4.2:
 * Content-MD5, string to sign, HMAC-SHA256, 15-minute timestamp window) or the token mode.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
  contentMd5,
  ESIGN_REQUEST_HEADERS,
  ESIGN_TIMESTAMP_WINDOW_MS,
  signString,
  stringToSign,
  type QueryParams,
} from '../../providers/esign/signing';

export type AuthRejection =
  'INVALID_APP_ID' | 'INVALID_TIMESTAMP' | 'INVALID_SIGNATURE' | 'INVALID_TOKEN' | 'INVALID_AUTH_MODE';

export interface GatewayCredentials {
  appId: string;
  appSecret: string;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class TokenIssuer {
  private readonly tokens = new Map<string, number>();
  lifetimeMs = 120 * 60_000;

  issue(now: number): { token: string; expiresAt: number } {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = now + this.lifetimeMs;
    this.tokens.set(token, expiresAt);
    return { token, expiresAt };
  }

  valid(token: string, now: number): boolean {
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }

  revokeAll(): void {
    this.tokens.clear();
  }
}

/** Checks one request; returns the gateway's rejection, or undefined when it passes. */
export function checkRequest(
  request: FastifyRequest,
  rawBody: Buffer,
  credentials: GatewayCredentials,
  tokens: TokenIssuer,
  now: number,
): AuthRejection | undefined {
  if (header(request, ESIGN_REQUEST_HEADERS.appId) !== credentials.appId) return 'INVALID_APP_ID';

  const token = header(request, ESIGN_REQUEST_HEADERS.token);
  if (token !== undefined) return tokens.valid(token, now) ? undefined : 'INVALID_TOKEN';

  if (header(request, ESIGN_REQUEST_HEADERS.authMode) !== 'Signature') return 'INVALID_AUTH_MODE';
  const timestamp = Number(header(request, ESIGN_REQUEST_HEADERS.timestamp) ?? NaN);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > ESIGN_TIMESTAMP_WINDOW_MS) return 'INVALID_TIMESTAMP';

  const sentMd5 = header(request, ESIGN_REQUEST_HEADERS.contentMd5) ?? '';
  if (rawBody.length > 0 && sentMd5 !== contentMd5(rawBody)) return 'INVALID_SIGNATURE';

  const signedHeaderNames = (header(request, ESIGN_REQUEST_HEADERS.signatureHeaders) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const expected = signString(
    credentials.appSecret,
    stringToSign({
      method: request.method,
      accept: header(request, 'accept') ?? '',
      contentMd5: sentMd5,
      contentType: header(request, 'content-type') ?? '',
      date: header(request, 'date') ?? '',
      signedHeaders: signedHeaderNames.map((name) => [name, header(request, name) ?? ''] as const),
      path: request.url.split('?')[0] ?? '',
      query: request.query as QueryParams,
    }),
  );
  const given = header(request, ESIGN_REQUEST_HEADERS.signature) ?? '';
  return sameText(given, expected) ? undefined : 'INVALID_SIGNATURE';
}
