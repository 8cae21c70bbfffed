/** Signing and callback verification against the independently computed vectors in vectors.json. */
import { readFileSync } from 'node:fs';
import { PROVIDER_VECTORS_FILE } from '../support/vectors';
import { z } from 'zod';
import {
  callbackSignedString,
  contentMd5,
  signCallback,
  signedResource,
  signString,
  stringToSign,
  verifyCallback,
} from '../../providers/esign';

const VECTORS_FILE = PROVIDER_VECTORS_FILE;

const vectors = z
  .object({
    esign_request: z
      .array(
        z.object({
          label: z.string(),
          secret: z.string(),
          method: z.string(),
          accept: z.string(),
          contentType: z.string(),
          body: z.string(),
          path: z.string(),
          query: z.record(z.string(), z.string()),
          contentMd5: z.string(),
          stringToSign: z.string(),
          signature: z.string(),
        }),
      )
      .min(1),
    esign_callback: z.object({
      secret: z.string(),
      timestamp: z.string(),
      query: z.record(z.string(), z.string()),
      body: z.string(),
      signedString: z.string(),
      signatureHex: z.string(),
    }),
  })
  .parse(JSON.parse(readFileSync(VECTORS_FILE, 'utf8')));

const requestVectors = vectors.esign_request;
const callback = vectors.esign_callback;

describe('e-signature request signing (README 4.2 vectors)', () => {
  it.each(requestVectors.map((vector) => [vector.label, vector] as const))('%s', (_label, vector) => {
    const md5 = contentMd5(vector.body);
    expect(md5).toBe(vector.contentMd5);
    const text = stringToSign({
      method: vector.method,
      accept: vector.accept,
      contentMd5: md5,
      contentType: vector.contentType,
      path: vector.path,
      query: vector.query,
    });
    expect(text).toBe(vector.stringToSign);
    expect(signString(vector.secret, text)).toBe(vector.signature);
  });

  it('signs a different string when anything signed changes', () => {
    const vector = requestVectors[0]!;
    const base = { method: 'GET', accept: '*/*', contentMd5: '', contentType: vector.contentType, path: vector.path };
    const signature = signString(vector.secret, stringToSign(base));
    expect(signString(vector.secret, stringToSign({ ...base, path: `${vector.path}x` }))).not.toBe(signature);
    expect(signString(vector.secret, stringToSign({ ...base, contentType: 'application/json' }))).not.toBe(signature);
    expect(signString('another-secret', stringToSign(base))).not.toBe(signature);
  });

  it('sorts query parameters by name and leaves an empty body without Content-MD5', () => {
    expect(signedResource('/p', { b: '2', a: '1' })).toBe('/p?a=1&b=2');
    expect(signedResource('/p', {})).toBe('/p');
    expect(contentMd5('')).toBe('');
  });
});

describe('e-signature callback signature (README 4.2 vector)', () => {
  const headers =
    (signature: string, timestamp = callback.timestamp) =>
    (name: string) =>
      ({ 'x-tsign-open-signature': signature, 'x-tsign-open-timestamp': timestamp })[name.toLowerCase()];

  it('builds the signed string as timestamp + sorted query values + raw body', () => {
    expect(callbackSignedString(callback.timestamp, callback.query, callback.body).toString('utf8')).toBe(
      callback.signedString,
    );
    expect(signCallback(callback.secret, callback.timestamp, callback.query, callback.body)).toBe(
      callback.signatureHex,
    );
  });

  const verify = (overrides: Partial<Parameters<typeof verifyCallback>[0]> = {}) =>
    verifyCallback({
      secret: callback.secret,
      header: headers(callback.signatureHex),
      query: callback.query,
      rawBody: Buffer.from(callback.body, 'utf8'),
      now: Number(callback.timestamp) + 1_000,
      toleranceMs: 15 * 60_000,
      ...overrides,
    });

  it('accepts the vector, also with an upper-case signature', () => {
    expect(verify()).toEqual({ ok: true, timestamp: Number(callback.timestamp), signature: callback.signatureHex });
    expect(verify({ header: headers(callback.signatureHex.toUpperCase()) }).ok).toBe(true);
  });

  it('refuses a changed body, query, secret or signature', () => {
    expect(verify({ rawBody: Buffer.from(callback.body.replace('SUCCESS', 'FAIL')) })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ query: { a: '1', b: '3' } })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ secret: 'wrong' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ header: headers('00' + callback.signatureHex.slice(2)) })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ header: headers('abc') })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses stale or future timestamps and missing headers', () => {
    expect(verify({ now: Number(callback.timestamp) + 16 * 60_000 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify({ now: Number(callback.timestamp) - 16 * 60_000 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify({ header: () => undefined })).toEqual({ ok: false, reason: 'missing-timestamp' });
    expect(verify({ header: headers('', callback.timestamp) })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verify({ header: headers(callback.signatureHex, 'yesterday') })).toEqual({
      ok: false,
      reason: 'missing-timestamp',
    });
  });

  it('reads configured header names', () => {
    const custom = (name: string) =>
      ({ 'x-sig': callback.signatureHex, 'x-ts': callback.timestamp })[name.toLowerCase()];
    expect(verify({ header: custom }).ok).toBe(false);
    expect(verify({ header: custom, headerNames: { signature: 'X-Sig', timestamp: 'X-Ts' } }).ok).toBe(true);
  });
});
