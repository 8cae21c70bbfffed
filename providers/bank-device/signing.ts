/**
 * Request signing of the banking API (README §4.1): every request carries an ES512 JWT whose
 * claims bind it to the exact body (`payload_md5`), the method, the path and the time.
 */
import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { importPKCS8, SignJWT, type KeyLike } from 'jose';

export const BANK_JWT_ALGORITHM = 'ES512';

/** GET and DELETE carry no body; their `payload_md5` is the MD5 of this text. */
export const EMPTY_BODY_FOR_SIGNING = '{}';

export interface BankRequestClaims {
  payload_md5: string;
  timestamp: string;
  method: string;
  uri: string;
}

/** Hex MD5 of the body's UTF-8 bytes, exactly as sent. */
export function payloadMd5(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

export function bankRequestClaims(request: {
  method: string;
  uri: string;
  /** The exact text sent, or undefined when the request has no body. */
  body: string | undefined;
  now: Date;
}): BankRequestClaims {
  return {
    payload_md5: payloadMd5(request.body ?? EMPTY_BODY_FOR_SIGNING),
    timestamp: request.now.toISOString(),
    method: request.method.toUpperCase(),
    uri: request.uri,
  };
}

/** PKCS#8 only; the client reads keys with `parseBankPrivateKey` (common/config), which also takes SEC1. */
export function importBankSigningKey(privateKeyPem: string): Promise<KeyLike> {
  return importPKCS8(privateKeyPem, BANK_JWT_ALGORITHM);
}

/** Signs with a P-521 key: a `KeyObject` (SEC1 or PKCS#8 read by Node) or a jose `KeyLike`. */
export function signBankRequest(claims: BankRequestClaims, privateKey: KeyObject | KeyLike): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: BANK_JWT_ALGORITHM, typ: 'JWT' }).sign(privateKey);
}
