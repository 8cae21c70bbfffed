/**
 * The callback receiver as its own service: its configuration (only what it needs), the worker's
 * CALLBACK_RECEIVER switch, and the warning about a notify URL that names the worker's own host.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadCallbackServiceConfig, loadConfig } from '../../common/config';
import { perHostNotifyUrlWarning } from '../../worker/notify-url';

const KEYS = `unit:${Buffer.alloc(32, 7).toString('base64')}`;

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadCallbackServiceConfig', () => {
  it('needs only the Temporal connection, the e-signature app secret and the payload keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-callback-'));
    writeFileSync(join(dir, 'secret'), 'esign-secret-value\n');
    const config = loadCallbackServiceConfig({
      HOME: dir,
      TEMPORAL_ADDRESS: 'temporal:7233',
      ESIGN_APP_SECRET_FILE: join(dir, 'secret'),
      CALLBACK_LISTEN_HOST: '0.0.0.0',
      CALLBACK_LISTEN_PORT: '7310',
      KYC_PAYLOAD_KEYS: KEYS,
      // Not read by the receiver: an unreadable bank key file is no problem of its own.
      BANK_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
    });
    expect(config.temporal).toEqual({ address: 'temporal:7233', namespace: 'default', taskQueue: 'kyc' });
    expect(config.callbacks).toMatchObject({ host: '0.0.0.0', port: 7310, appSecret: 'esign-secret-value' });
    expect(config.payloadEncryption?.activeKeyId).toBe('unit');
  });

  it('refuses without the app secret (callbacks could not be verified) or the payload keys, naming both', () => {
    const problems = problemsOf(() => loadCallbackServiceConfig({ HOME: tmpdir() }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ESIGN_APP_SECRET: is required/),
        expect.stringMatching(/^KYC_PAYLOAD_KEYS: is not set/),
      ]),
    );
  });
});

describe('CALLBACK_RECEIVER', () => {
  const valid = {
    BANK_API_CLIENT_KEY: 'client-key',
    BANK_PRIVATE_KEY_PEM: generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    ESIGN_APP_ID: 'app',
    ESIGN_APP_SECRET: 'esign-secret-value',
    PHONE_TOKEN: 'phone-token-value',
    KYC_PAYLOAD_KEYS: KEYS,
  };

  it('runs the receiver in the worker by default, not with off, and refuses anything else by name', () => {
    expect(loadConfig(valid).callbacks.runInWorker).toBe(true);
    expect(loadConfig({ ...valid, CALLBACK_RECEIVER: 'off' }).callbacks.runInWorker).toBe(false);
    expect(problemsOf(() => loadConfig({ ...valid, CALLBACK_RECEIVER: 'no' }))).toEqual([
      'CALLBACK_RECEIVER: must be worker or off',
    ]);
  });
});

describe('perHostNotifyUrlWarning', () => {
  const own = new Set(['worker-7f9c', '10.1.2.3', 'fd00::5']);

  it('warns when ESIGN_NOTIFY_URL names this host (hostname or interface address)', () => {
    for (const url of [
      'http://worker-7f9c:7310/callbacks/esign',
      'http://10.1.2.3:7310/callbacks/esign',
      'http://[fd00::5]:7310/x',
    ]) {
      expect(perHostNotifyUrlWarning(url, own)).toMatch(/^ESIGN_NOTIFY_URL names this host .*one stable address/);
    }
  });

  it('says nothing for a stable name, loopback development, or no URL', () => {
    for (const url of [
      'https://callbacks.example.com/esign',
      'http://callback-receiver:7310/callbacks/esign',
      'http://127.0.0.1:7310/callbacks/esign',
      undefined,
    ]) {
      expect(perHostNotifyUrlWarning(url, own)).toBeUndefined();
    }
  });
});
