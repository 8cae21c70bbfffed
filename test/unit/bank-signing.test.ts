/**
 * Request signing of the banking API against the independent vectors (vectors.json `bank_jwt`):
 * the vector JWT verifies with jose and its public key, the tampered one does not, our claims and
 * payload_md5 match the vector's, our own JWTs verify, and the simulator's verifier accepts only
 * requests whose claims match the request.
 */
import { readFileSync } from 'node:fs';
import { PROVIDER_VECTORS_FILE } from '../support/vectors';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importSPKI,
  jwtVerify,
} from 'jose';
import { z } from 'zod';
import {
  EMPTY_BODY_FOR_SIGNING,
  bankRequestClaims,
  importBankSigningKey,
  payloadMd5,
  signBankRequest,
} from '../../providers/bank-device';
import { verifyBankRequest } from '../../simulators/bank-device/auth';

const VECTORS_FILE = PROVIDER_VECTORS_FILE;

const vector = z
  .object({
    bank_jwt: z.object({
      publicKeyPem: z.string(),
      body: z.string(),
      claims: z.object({ payload_md5: z.string(), timestamp: z.string(), method: z.string(), uri: z.string() }),
      payload_md5_of_empty_body: z.string(),
      validJwt: z.string(),
      tamperedJwt: z.string(),
    }),
  })
  .parse(JSON.parse(readFileSync(VECTORS_FILE, 'utf8'))).bank_jwt;

describe('bank request signing (vectors)', () => {
  it('verifies the vector JWT with jose and the vector public key, with the vector claims', async () => {
    const key = await importSPKI(vector.publicKeyPem, 'ES512');
    const { payload, protectedHeader } = await jwtVerify(vector.validJwt, key, { algorithms: ['ES512'] });
    expect(protectedHeader.alg).toBe('ES512');
    expect(payload).toEqual(vector.claims);
  });

  it('rejects the tampered vector JWT', async () => {
    const key = await importSPKI(vector.publicKeyPem, 'ES512');
    await expect(jwtVerify(vector.tamperedJwt, key, { algorithms: ['ES512'] })).rejects.toThrow();
  });

  it('computes payload_md5 over the exact body, and over {} for bodiless calls', () => {
    expect(payloadMd5(vector.body)).toBe(vector.claims.payload_md5);
    expect(payloadMd5(EMPTY_BODY_FOR_SIGNING)).toBe(vector.payload_md5_of_empty_body);
    expect(payloadMd5('{}')).toBe('99914b932bd37a50b983c5e7c90ae93b');
  });

  it('builds exactly the vector claims from the vector request', () => {
    const claims = bankRequestClaims({
      method: 'post',
      uri: vector.claims.uri,
      body: vector.body,
      now: new Date(vector.claims.timestamp),
    });
    expect(claims).toEqual(vector.claims);
    const bodiless = bankRequestClaims({ method: 'GET', uri: '/x', body: undefined, now: new Date(0) });
    expect(bodiless.payload_md5).toBe(vector.payload_md5_of_empty_body);
  });

  it('signs ES512 JWTs that jose verifies with the matching public key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES512', { extractable: true });
    const signingKey = await importBankSigningKey(await exportPKCS8(privateKey));
    const jwt = await signBankRequest(vector.claims, signingKey);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES512', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ['ES512'] });
    expect(payload).toEqual(vector.claims);
    const other = await generateKeyPair('ES512');
    await expect(jwtVerify(jwt, other.publicKey)).rejects.toThrow();
  });
});

describe('the simulator verifies signed requests', () => {
  const apiClientKey = 'client-key-1';
  const request = {
    apiClientKey,
    authorization: vector.validJwt,
    method: 'POST',
    uri: vector.claims.uri,
    rawBody: vector.body,
  };
  const expectations = async (overrides: { now?: Date } = {}) => ({
    apiClientKey,
    clientPublicKey: await importSPKI(vector.publicKeyPem, 'ES512'),
    toleranceMs: 5 * 60 * 1000,
    now: overrides.now ?? new Date(vector.claims.timestamp),
  });

  it('accepts the vector request', async () => {
    expect(await verifyBankRequest(request, await expectations())).toEqual({ ok: true });
  });

  it.each([
    ['the tampered JWT', { authorization: vector.tamperedJwt }, 'GDF000014'],
    ['a body other than the signed one', { rawBody: vector.body.replace('sms', 'email') }, 'GDF000014'],
    ['another path', { uri: '/account/other/device' }, 'GDF000014'],
    ['another method', { method: 'PUT' }, 'GDF000014'],
    ['no AUTHORIZATION', { authorization: undefined }, 'GDF000014'],
    ['no API-CLIENT-KEY', { apiClientKey: undefined }, 'GDF000003'],
    ['an unknown API-CLIENT-KEY', { apiClientKey: 'someone-else' }, 'GDF000018'],
  ])('refuses %s', async (_label, change, code) => {
    const verdict = await verifyBankRequest({ ...request, ...change }, await expectations());
    expect(verdict).toMatchObject({ ok: false, code });
  });

  it('refuses a timestamp outside the window', async () => {
    const later = new Date(Date.parse(vector.claims.timestamp) + 6 * 60 * 1000);
    expect(await verifyBankRequest(request, await expectations({ now: later }))).toMatchObject({
      ok: false,
      code: 'GDF000014',
    });
  });

  it('checks bodiless calls against the MD5 of {}', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES512', { extractable: true });
    const now = new Date();
    const uri = '/account/6f1c9d2e-3b4a-4e5f-8a7b-9c0d1e2f3a4b/device/3f9c2b1e-8a4d-4c6f-9b2a-7e5d1c0a9f84';
    const jwt = await signBankRequest(bankRequestClaims({ method: 'GET', uri, body: undefined, now }), privateKey);
    const expected = {
      apiClientKey,
      clientPublicKey: await importSPKI(await exportSPKI(publicKey), 'ES512'),
      toleranceMs: 1000,
      now,
    };
    const get = { apiClientKey, authorization: jwt, method: 'GET', uri, rawBody: undefined };
    expect(await verifyBankRequest(get, expected)).toEqual({ ok: true });
    expect(decodeJwt(jwt).payload_md5).toBe(vector.payload_md5_of_empty_body);
  });
});
