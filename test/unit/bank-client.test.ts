/**
 * The bank client against the bank simulator over loopback HTTP (no Temporal): signed requests,
 * the device state machine, every documented error code arriving as the right kind, transient
 * faults, and no personal data in what the client keeps.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { exportPKCS8, generateKeyPair } from 'jose';
import { ConfigError, type BankConfig } from '../../common/config';
import {
  BankApiError,
  BankDeviceClient,
  bankRequestClaims,
  importBankSigningKey,
  signBankRequest,
  type BankErrorKind,
} from '../../providers/bank-device';
import { SimulatorControl } from '../../simulators/framework/control-client';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import { BANK_ROUTES, bankError, startBankDeviceSimulator, type SentToken } from '../../simulators/bank-device';
import { createDevCredentials, type DevCredentials } from '../../scripts/lib/dev-credentials';

const APPROVER = '52998224725';
const OTHER_CPF = '11144477735';

let credentials: DevCredentials;
let simulator: RunningSimulator;
let control: SimulatorControl;
let config: BankConfig;
let client: BankDeviceClient;

beforeAll(async () => {
  credentials = await createDevCredentials();
  simulator = await startBankDeviceSimulator({
    apiClientKey: credentials.bankApiClientKey,
    clientPublicKeyPem: credentials.bankPublicKeyPem,
    tokenAttemptLimit: 3,
  });
  control = new SimulatorControl(simulator.url);
  config = {
    baseUrl: simulator.url,
    apiClientKey: credentials.bankApiClientKey,
    privateKeyPem: credentials.bankPrivateKeyPem,
    timeoutMs: 2000,
  };
  client = new BankDeviceClient(config);
});
afterAll(async () => {
  await simulator?.close();
});
beforeEach(async () => {
  await control.reset();
});

async function account(kind: 'active' | 'blocked' | 'closed' | 'hub' = 'active', extra: object = {}): Promise<string> {
  const accountKey = randomUUID();
  await control.request('POST', '/accounts', { account_key: accountKey, approvers: [APPROVER], kind, ...extra });
  return accountKey;
}

function smsBody(deviceKey = randomUUID(), cpf = APPROVER) {
  return {
    device_key: deviceKey,
    session_id: randomUUID(),
    tfa_info: { approver_document_number: cpf, contact_type: 'sms' as const },
  };
}

async function sentToken(deviceKey: string): Promise<SentToken> {
  return (await control.request('GET', `/tokens/${deviceKey}`)) as SentToken;
}

async function kindOf(call: Promise<unknown>): Promise<{ kind: BankErrorKind; code?: string; rawBody?: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof BankApiError)
      return { kind: error.kind, code: error.details.code, rawBody: error.details.rawBody };
    throw error;
  }
  throw new Error('the call succeeded');
}

/** A correctly signed request with any body, for answers the client itself refuses to provoke. */
async function signedRaw(method: string, path: string, body: string): Promise<{ status: number; code: string }> {
  const key = await importBankSigningKey(credentials.bankPrivateKeyPem);
  const jwt = await signBankRequest(bankRequestClaims({ method, uri: path, body, now: new Date() }), key);
  const response = await fetch(`${simulator.url}${path}`, {
    method,
    headers: { AUTHORIZATION: jwt, 'API-CLIENT-KEY': credentials.bankApiClientKey, 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, code: ((await response.json()) as { code: string }).code };
}

describe('device lifecycle', () => {
  it('creates (sms), refuses a wrong token, approves the right one, reads and disables', async () => {
    const accountKey = await account();
    const body = smsBody();
    const deviceKey = body.device_key;
    expect(await client.createDevice(accountKey, body)).toMatchObject({
      device_key: deviceKey,
      device_status: 'pending_2fa_approval',
    });
    const { token } = await sentToken(deviceKey);
    expect(token).toMatch(/^[a-z0-9]{6}$/);

    const wrong = token === 'zzzzzz' ? 'yyyyyy' : 'zzzzzz';
    const refused = await kindOf(client.validateToken(accountKey, deviceKey, wrong));
    expect(refused).toMatchObject({ kind: 'wrong_token', code: 'OBD0000100' });
    expect(refused.rawBody).not.toContain(wrong);

    expect(await client.validateToken(accountKey, deviceKey, token!)).toEqual({
      device_key: deviceKey,
      device_status: 'created',
    });
    const read = await client.getDevice(accountKey, deviceKey);
    expect(read).toEqual({ device_key: deviceKey, status: 'registered', analysis_status: 'automatically_approved' });
    expect(JSON.stringify(read)).not.toContain('438');

    // A token is good once.
    expect(await kindOf(client.validateToken(accountKey, deviceKey, token!))).toMatchObject({ kind: 'wrong_token' });

    expect(await client.disableDevice(accountKey, deviceKey)).toMatchObject({ device_status: 'disabled' });
    expect((await client.getDevice(accountKey, deviceKey)).status).toBe('deactivated');
    expect(await kindOf(client.validateToken(accountKey, deviceKey, token!))).toMatchObject({
      kind: 'device_not_found',
      code: 'OBD000100',
    });
    expect(await control.counter('devicesCreated')).toBe(1);
    expect(await control.counter('devicesDisabled')).toBe(1);
  });

  it('approves liveness at creation', async () => {
    const accountKey = await account();
    const body = {
      device_key: randomUUID(),
      session_id: randomUUID(),
      tfa_info: { approver_document_number: APPROVER, contact_type: 'liveness' as const, image_key: randomUUID() },
    };
    expect((await client.createDevice(accountKey, body)).device_status).toBe('created');
    expect((await client.getDevice(accountKey, body.device_key)).status).toBe('registered');
    expect(await control.counter('tokensSent')).toBe(0);
  });

  it('re-sends a new token by another contact type; the old one stops working', async () => {
    const accountKey = await account();
    const body = smsBody();
    await client.createDevice(accountKey, body);
    const first = await sentToken(body.device_key);
    expect(await client.resendToken(accountKey, body.device_key, 'email')).toEqual({
      device_status: 'pending_2fa_approval',
    });
    const second = await sentToken(body.device_key);
    expect(second).toMatchObject({ contact_type: 'email', tokens_sent: 2 });
    if (first.token !== second.token) {
      expect(await kindOf(client.validateToken(accountKey, body.device_key, first.token!))).toMatchObject({
        kind: 'wrong_token',
      });
    }
    await client.validateToken(accountKey, body.device_key, second.token!);
  });

  it('a waiting token read answers when the token is sent (create, then re-send), not before', async () => {
    const accountKey = await account();
    const body = smsBody();
    // Asked before the device exists: the read waits, and the create's token answers it.
    const beforeCreate = control.request('GET', `/tokens/${body.device_key}?waitMs=5000`) as Promise<SentToken>;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.createDevice(accountKey, body);
    expect(await beforeCreate).toMatchObject({ tokens_sent: 1, token: expect.any(String) as unknown });
    // Past the first token: waits for the re-send's.
    const afterFirst = control.request(
      'GET',
      `/tokens/${body.device_key}?waitMs=5000&afterSent=1`,
    ) as Promise<SentToken>;
    let answered = false;
    void afterFirst.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    await client.resendToken(accountKey, body.device_key, 'sms');
    expect(await afterFirst).toMatchObject({ tokens_sent: 2 });
    // A wait that ends without a token answers what there is (404 for an unknown device).
    await expect(control.request('GET', `/tokens/${randomUUID()}?waitMs=50`)).rejects.toThrow(/404/);
  });

  it('locks the device after the bank limit of wrong tokens (OBD000099), and then refuses re-sends', async () => {
    const accountKey = await account('active', { token_attempt_limit: 2 });
    const body = smsBody();
    await client.createDevice(accountKey, body);
    expect(await kindOf(client.validateToken(accountKey, body.device_key, '000000'))).toMatchObject({
      kind: 'wrong_token',
    });
    expect(await kindOf(client.validateToken(accountKey, body.device_key, '000001'))).toMatchObject({
      kind: 'token_attempts_exhausted',
      code: 'OBD000099',
    });
    expect(await kindOf(client.resendToken(accountKey, body.device_key))).toMatchObject({ code: 'OBD000099' });
    expect(await control.counter('devicesLocked')).toBe(1);
  });
});

describe('documented errors arrive as their kind', () => {
  it.each([
    ['unknown account', async () => client.createDevice(randomUUID(), smsBody()), 'account_refused', 'OBD000002'],
    [
      'blocked account',
      async () => client.createDevice(await account('blocked'), smsBody()),
      'account_refused',
      'OBD000088',
    ],
    [
      'closed account',
      async () => client.createDevice(await account('closed'), smsBody()),
      'account_refused',
      'OBD000088',
    ],
    ['hub account', async () => client.createDevice(await account('hub'), smsBody()), 'account_refused', 'OBD000089'],
    [
      'a CPF that is no approver',
      async () => client.createDevice(await account(), smsBody(randomUUID(), OTHER_CPF)),
      'approver_refused',
      'OBD000090',
    ],
    ['unknown device', async () => client.getDevice(await account(), randomUUID()), 'device_not_found', 'OBD000100'],
  ] as const)('%s', async (_label, call, kind, code) => {
    const outcome = await kindOf(call());
    expect(outcome).toMatchObject({ kind, code });
    expect(outcome.rawBody).not.toContain(OTHER_CPF);
    expect(await control.counter('devicesCreated')).toBe(0);
  });

  it('requester configuration missing (OBD000093) or not allowed (OBD000094)', async () => {
    const accountKey = await account();
    await control.request('POST', '/requester', { configured: false });
    expect(await kindOf(client.createDevice(accountKey, smsBody()))).toMatchObject({
      kind: 'configuration',
      code: 'OBD000093',
    });
    await control.request('POST', '/requester', { can_create_devices: false });
    expect(await kindOf(client.createDevice(accountKey, smsBody()))).toMatchObject({
      kind: 'configuration',
      code: 'OBD000094',
    });
  });

  it('token delivery failure (OBD000097) leaves no device', async () => {
    const accountKey = await account();
    await control.injectFault({ route: BANK_ROUTES.create, kind: 'busy' });
    const body = smsBody();
    expect(await kindOf(client.createDevice(accountKey, body))).toMatchObject({
      kind: 'token_send_failed',
      code: 'OBD000097',
    });
    expect(await kindOf(client.getDevice(accountKey, body.device_key))).toMatchObject({ kind: 'device_not_found' });
    await client.createDevice(accountKey, body);
    expect(await control.counter('devicesCreated')).toBe(1);
  });

  it('schema errors: tfa_info missing (OBD000091), bad device info (OBD000092), anything else (QIT000001)', async () => {
    const accountKey = await account();
    const path = `/account/${accountKey}/device`;
    const { tfa_info, ...withoutTfa } = smsBody();
    expect(tfa_info.contact_type).toBe('sms');
    expect(await signedRaw('POST', path, JSON.stringify(withoutTfa))).toEqual({ status: 400, code: 'OBD000091' });
    expect(await signedRaw('POST', path, JSON.stringify({ ...smsBody(), session_id: 'abc' }))).toEqual({
      status: 400,
      code: 'OBD000092',
    });
    const liveness = { ...smsBody(), tfa_info: { approver_document_number: APPROVER, contact_type: 'liveness' } };
    expect(await signedRaw('POST', path, JSON.stringify(liveness))).toEqual({ status: 400, code: 'QIT000001' });
    expect(await signedRaw('POST', path, '{not json')).toEqual({ status: 400, code: 'QIT000001' });
  });

  it('the client refuses to send a body the bank would refuse, naming the field', async () => {
    const body = { ...smsBody(), session_id: 'abc' };
    const error = await kindOf(client.createDevice(await account(), body));
    expect(error.kind).toBe('invalid_request');
    expect(await control.counter(`calls:${BANK_ROUTES.create}`)).toBe(0);
  });

  it('a duplicate create answers the simulator conflict, which stays an unknown error', async () => {
    const accountKey = await account();
    const body = smsBody();
    await client.createDevice(accountKey, body);
    expect(await kindOf(client.createDevice(accountKey, body))).toMatchObject({
      kind: 'unknown_error',
      code: 'SIM000001',
    });
    expect(await control.counter('devicesCreated')).toBe(1);
  });
});

describe('authentication', () => {
  it('an unknown API client key is GDF000018, a foreign signing key GDF000014 (configuration)', async () => {
    const accountKey = await account();
    const wrongKey = new BankDeviceClient({ ...config, apiClientKey: 'not-ours' });
    expect(await kindOf(wrongKey.createDevice(accountKey, smsBody()))).toMatchObject({
      kind: 'configuration',
      code: 'GDF000018',
    });
    const { privateKey } = await generateKeyPair('ES512', { extractable: true });
    const foreign = new BankDeviceClient({ ...config, privateKeyPem: await exportPKCS8(privateKey) });
    expect(await kindOf(foreign.getDevice(accountKey, randomUUID()))).toMatchObject({
      kind: 'configuration',
      code: 'GDF000014',
    });
    const stale = new BankDeviceClient(config, { now: () => new Date(Date.now() - 10 * 60 * 1000) });
    expect(await kindOf(stale.getDevice(accountKey, randomUUID()))).toMatchObject({ code: 'GDF000014' });
    expect(await control.counter('authFailures')).toBe(3);
  });

  it('an unusable private key stops the client at construction, naming the variable, never echoing it', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----';
    expect(() => new BankDeviceClient({ ...config, privateKeyPem: pem })).toThrow(ConfigError);
    expect(() => new BankDeviceClient({ ...config, privateKeyPem: pem })).toThrow(/BANK_PRIVATE_KEY_PEM: is not/);
    expect(JSON.stringify(client)).not.toContain('PRIVATE KEY');
  });

  it('a SEC1 "EC PRIVATE KEY" on P-521 (as openssl ecparam -genkey -noout writes it) signs calls the bank accepts', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    const bank = await startBankDeviceSimulator({
      apiClientKey: credentials.bankApiClientKey,
      clientPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    try {
      const sec1Control = new SimulatorControl(bank.url);
      const accountKey = randomUUID();
      await sec1Control.request('POST', '/accounts', {
        account_key: accountKey,
        approvers: [APPROVER],
        kind: 'active',
      });
      const sec1Client = new BankDeviceClient({ ...config, baseUrl: bank.url, privateKeyPem: sec1 });
      const body = smsBody();
      expect((await sec1Client.createDevice(accountKey, body)).device_status).toBe('pending_2fa_approval');
      expect((await sec1Client.getDevice(accountKey, body.device_key)).status).toBe('not_registered');
    } finally {
      await bank.close();
    }
  });

  it.each([
    ['a P-256 key', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, /on prime256v1/],
    ['an RSA key', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, /is a rsa key/],
    ['an Ed25519 key', () => generateKeyPairSync('ed25519').privateKey, /is a ed25519 key/],
  ])('%s is refused at construction with the reason', (_label, make, reason) => {
    const pem = make().export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => new BankDeviceClient({ ...config, privateKeyPem: pem })).toThrow(reason);
  });
});

describe('transient failures', () => {
  it('a slow bank is unavailable to the caller, and the call still takes effect', async () => {
    const accountKey = await account();
    const quick = new BankDeviceClient({ ...config, timeoutMs: 200 });
    await control.request('POST', '/slow', { route: 'create', delayMs: 600 });
    const body = smsBody();
    expect(await kindOf(quick.createDevice(accountKey, body))).toMatchObject({ kind: 'unavailable' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await client.getDevice(accountKey, body.device_key)).status).toBe('not_registered');
  });

  it('5xx is unavailable, 429 rate limited with Retry-After, a malformed 2xx an unexpected response', async () => {
    const accountKey = await account();
    await control.injectFault({ route: BANK_ROUTES.read, kind: 'status', status: 503, body: { error: 'down' } });
    expect(await kindOf(client.getDevice(accountKey, randomUUID()))).toMatchObject({ kind: 'unavailable' });
    await control.injectFault({ route: BANK_ROUTES.read, kind: 'rateLimit', retryAfterSeconds: 3 });
    const limited = client.getDevice(accountKey, randomUUID()).catch((error: unknown) => error);
    expect(await limited).toMatchObject({ kind: 'rate_limited', details: { retryAfterMs: 3000 } });
    await control.injectFault({ route: BANK_ROUTES.read, kind: 'malformed' });
    expect(await kindOf(client.getDevice(accountKey, randomUUID()))).toMatchObject({
      kind: 'unexpected_response',
      rawBody: '{"truncated": ',
    });
  });

  it('an injected documented error is classified like the real one', async () => {
    const accountKey = await account();
    const answer = bankError('OBD000097');
    await control.injectFault({ route: BANK_ROUTES.resend, kind: 'status', status: answer.status, body: answer.body });
    expect(await kindOf(client.resendToken(accountKey, randomUUID()))).toMatchObject({ kind: 'token_send_failed' });
  });
});
