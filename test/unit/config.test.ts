import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadTemporalConfig } from '../../common/config';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
const valid = {
  BANK_API_CLIENT_KEY: 'client-key',
  BANK_PRIVATE_KEY_PEM: PEM,
  ESIGN_APP_ID: 'app',
  ESIGN_APP_SECRET: 'esign-secret-value',
  PHONE_TOKEN: 'phone-token-value',
  KYC_PAYLOAD_KEYS: `unit:${Buffer.alloc(32, 7).toString('base64')}`,
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults every provider URL to its loopback simulator', () => {
    const config = loadConfig(valid);
    expect(config.bank.baseUrl).toBe('http://127.0.0.1:7301');
    expect(config.esign.baseUrl).toBe('http://127.0.0.1:7302');
    expect(config.phone.baseUrl).toBe('http://127.0.0.1:7303');
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kyc' });
  });

  it('lists every bad variable at once, by name', () => {
    const problems = problemsOf({ PHONE_RATE_PER_SECOND: '-1', BANK_BASE_URL: 'not a url' });
    const names = problems.map((problem) => problem.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'BANK_API_CLIENT_KEY',
        'ESIGN_APP_ID',
        'ESIGN_APP_SECRET',
        'PHONE_TOKEN',
        'PHONE_RATE_PER_SECOND',
        'BANK_BASE_URL',
      ]),
    );
  });

  it('never echoes a secret in its message', () => {
    const error = (() => {
      try {
        loadConfig({ ...valid, BANK_PRIVATE_KEY_PEM: 'super-secret-not-a-pem', PHONE_BASE_URL: 'ftp://127.0.0.1' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('BANK_PRIVATE_KEY_PEM: is not a PEM private key');
    expect(error.message).not.toContain('super-secret-not-a-pem');
    expect(error.message).not.toContain('esign-secret-value');
  });

  it('refuses non-loopback providers unless explicitly allowed, and the private address always', () => {
    expect(problemsOf({ ...valid, ESIGN_BASE_URL: 'https://esign.example.com' })).toEqual([
      'ESIGN_BASE_URL: is not a loopback address; set KYC_ALLOW_REMOTE_PROVIDERS=true to call a real provider',
    ]);
    expect(
      loadConfig({ ...valid, ESIGN_BASE_URL: 'https://esign.example.com', KYC_ALLOW_REMOTE_PROVIDERS: 'true' }).esign
        .baseUrl,
    ).toBe('https://esign.example.com');
    const problems = problemsOf({
      ...valid,
      KYC_ALLOW_REMOTE_PROVIDERS: 'true',
      PHONE_BASE_URL: 'http://172.20.109.105:7007',
    });
    expect(problems).toEqual([expect.stringMatching(/^PHONE_BASE_URL: points at the private address/)]);
  });

  it('reads secrets from *_FILE variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-config-'));
    writeFileSync(join(dir, 'token'), 'from-file\n');
    writeFileSync(join(dir, 'key.pem'), PEM);
    const config = loadConfig({
      ...valid,
      PHONE_TOKEN: undefined,
      PHONE_TOKEN_FILE: join(dir, 'token'),
      BANK_PRIVATE_KEY_PEM: undefined,
      BANK_PRIVATE_KEY_FILE: join(dir, 'key.pem'),
    });
    expect(config.phone.token).toBe('from-file');
    expect(config.bank.privateKeyPem).toContain('PRIVATE KEY');
    expect(problemsOf({ ...valid, ESIGN_APP_SECRET: undefined, ESIGN_APP_SECRET_FILE: join(dir, 'missing') })).toEqual([
      `ESIGN_APP_SECRET_FILE: cannot read ${join(dir, 'missing')}`,
      'ESIGN_APP_SECRET: is required',
    ]);
  });

  it('refuses to start the worker without payload keys, with every other problem at once', () => {
    const problems = problemsOf({ ...valid, KYC_PAYLOAD_KEYS: undefined, PHONE_TOKEN: undefined });
    expect(problems).toEqual([
      'PHONE_TOKEN: is required',
      expect.stringMatching(/^KYC_PAYLOAD_KEYS: is not set, .*\.data\/payload-keys.*KYC_PAYLOAD_ENCRYPTION=off/),
    ]);
  });

  it('runs the worker with plain payloads only when KYC_PAYLOAD_ENCRYPTION=off is explicit', () => {
    const config = loadConfig({ ...valid, KYC_PAYLOAD_KEYS: undefined, KYC_PAYLOAD_ENCRYPTION: 'off' });
    expect(config.payloadEncryption).toBeUndefined();
    expect(loadConfig(valid).payloadEncryption?.activeKeyId).toBe('unit');
    expect(problemsOf({ ...valid, KYC_PAYLOAD_ENCRYPTION: 'off' })).toEqual([
      'KYC_PAYLOAD_ENCRYPTION: is off but KYC_PAYLOAD_KEYS is set; unset one of them',
    ]);
  });

  it('gives the client only the Temporal connection, needing no provider secret', () => {
    expect(loadTemporalConfig({ TEMPORAL_ADDRESS: '127.0.0.1:9999' }).address).toBe('127.0.0.1:9999');
  });
});
