/**
 * The bank's request authentication as the simulator enforces it (README §4.1): `API-CLIENT-KEY`
 * must be the registered key, and `AUTHORIZATION` an ES512 JWT by the client's key whose claims
 * match this very request: MD5 of the raw body (of `{}` for GET/DELETE), method, path, and a
 * timestamp within the tolerance window. Failures use the documented GDF codes.
 */
import { createHash } from 'node:crypto';
import { jwtVerify, type KeyLike } from 'jose';
import { z } from 'zod';

const claimsSchema = z.object({
  payload_md5: z.string(),
  timestamp: z.iso.datetime({ offset: true }),
  method: z.string(),
  uri: z.string(),
});

export type AuthVerdict = { ok: true } | { ok: false; code: 'GDF000003' | 'GDF000014' | 'GDF000018'; reason: string };

export interface SignedRequest {
  apiClientKey: string | undefined;
  authorization: string | undefined;
  method: string;
  /** The path, without query. */
  uri: string;
  /** The body exactly as received; undefined when there was none. */
  rawBody: string | undefined;
}

export interface AuthExpectations {
  apiClientKey: string;
  clientPublicKey: KeyLike;
  toleranceMs: number;
  now: Date;
}

export async function verifyBankRequest(request: SignedRequest, expected: AuthExpectations): Promise<AuthVerdict> {
  if (!request.apiClientKey) return { ok: false, code: 'GDF000003', reason: 'no API-CLIENT-KEY header' };
  if (request.apiClientKey !== expected.apiClientKey)
    return { ok: false, code: 'GDF000018', reason: 'unknown API client key' };
  if (!request.authorization) return { ok: false, code: 'GDF000014', reason: 'no AUTHORIZATION header' };

  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(request.authorization, expected.clientPublicKey, { algorithms: ['ES512'] }));
  } catch {
    return { ok: false, code: 'GDF000014', reason: 'signature does not verify with the client key' };
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, code: 'GDF000014', reason: 'claims missing or malformed' };

  const method = request.method.toUpperCase();
  const signedBody = method === 'GET' || method === 'DELETE' ? '{}' : (request.rawBody ?? '');
  const md5 = createHash('md5').update(signedBody, 'utf8').digest('hex');
  if (claims.data.payload_md5 !== md5)
    return { ok: false, code: 'GDF000014', reason: 'payload_md5 does not match the body' };
  if (claims.data.method.toUpperCase() !== method)
    return { ok: false, code: 'GDF000014', reason: 'method claim mismatch' };
  if (claims.data.uri !== request.uri) return { ok: false, code: 'GDF000014', reason: 'uri claim mismatch' };
  const skew = Math.abs(Date.parse(claims.data.timestamp) - expected.now.getTime());
  if (!(skew <= expected.toleranceMs)) return { ok: false, code: 'GDF000014', reason: 'timestamp outside the window' };
  return { ok: true };
}
