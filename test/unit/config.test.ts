import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadTemporalConfig, parseBankPrivateKey } from '../../common/config';

const P521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey;
const PEM = P521.export({ type: 'pkcs8', format: 'pem' }).toString();
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

  it('sizes the workflow cache from KYC_MAX_CACHED_WORKFLOWS, with a bounded default', () => {
    expect(loadConfig(valid).worker.maxCachedWorkflows).toBe(250);
    expect(loadConfig({ ...valid, KYC_MAX_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows).toBe(0);
    expect(loadConfig({ ...valid, KYC_MAX_CACHED_WORKFLOWS: '2500' }).worker.maxCachedWorkflows).toBe(2500);
    expect(problemsOf({ ...valid, KYC_MAX_CACHED_WORKFLOWS: 'lots' })[0]).toMatch(/^KYC_MAX_CACHED_WORKFLOWS: /);
    expect(problemsOf({ ...valid, KYC_MAX_CACHED_WORKFLOWS: '-5' })[0]).toMatch(/^KYC_MAX_CACHED_WORKFLOWS: /);
  });

  it('bounds PHONE_RATE_PER_SECOND to what the slot ledger can space (1 ms to 60 s apart)', () => {
    expect(loadConfig({ ...valid, PHONE_RATE_PER_SECOND: '1000' }).phone.ratePerSecond).toBe(1000);
    expect(loadConfig({ ...valid, PHONE_RATE_PER_SECOND: '0.05' }).phone.ratePerSecond).toBe(0.05);
    expect(problemsOf({ ...valid, PHONE_RATE_PER_SECOND: '2000' })).toEqual([
      'PHONE_RATE_PER_SECOND: must be at most 1000 calls per second (send slots at least 1 ms apart)',
    ]);
    expect(problemsOf({ ...valid, PHONE_RATE_PER_SECOND: '0.01' })).toEqual([
      'PHONE_RATE_PER_SECOND: must be at least 0.05 calls per second (send slots at most 60 s apart)',
    ]);
    expect(problemsOf({ ...valid, PHONE_RATE_PER_SECOND: 'fast' })[0]).toMatch(/^PHONE_RATE_PER_SECOND: /);
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
    expect(error.message).toContain('BANK_PRIVATE_KEY_PEM: is not a readable PEM private key');
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

  it('reads a SEC1 "EC PRIVATE KEY" on P-521 (the bank guide\'s openssl/ssh-keygen output) as well as PKCS#8', () => {
    const sec1 = P521.export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1.startsWith('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
    expect(loadConfig({ ...valid, BANK_PRIVATE_KEY_PEM: sec1 }).bank.privateKeyPem).toBe(sec1);
    expect(parseBankPrivateKey(sec1).asymmetricKeyDetails?.namedCurve).toBe('secp521r1');
  });

  it('refuses a key of the wrong type, curve or encryption at load, naming the variable and the reason', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect(
      problemsOf({ ...valid, BANK_PRIVATE_KEY_PEM: p256.export({ type: 'sec1', format: 'pem' }).toString() }),
    ).toEqual(['BANK_PRIVATE_KEY_PEM: is an EC key on prime256v1; ES512 needs P-521 (secp521r1)']);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(
      problemsOf({ ...valid, BANK_PRIVATE_KEY_PEM: rsa.export({ type: 'pkcs8', format: 'pem' }).toString() }),
    ).toEqual(['BANK_PRIVATE_KEY_PEM: is a rsa key; ES512 needs an EC key on P-521 (secp521r1)']);
    const encrypted = P521.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(problemsOf({ ...valid, BANK_PRIVATE_KEY_PEM: encrypted })[0]).toMatch(
      /^BANK_PRIVATE_KEY_PEM: is an encrypted private key/,
    );
    const publicOnly = P521.export({ type: 'pkcs8', format: 'pem' })
      .toString()
      .replace(/PRIVATE/g, 'PUBLIC');
    expect(problemsOf({ ...valid, BANK_PRIVATE_KEY_PEM: publicOnly })[0]).toMatch(
      /^BANK_PRIVATE_KEY_PEM: is not a readable/,
    );
  });

  it('refuses header secrets that fetch could never send (line breaks, surrounding spaces, non-ASCII)', () => {
    const problems = problemsOf({
      ...valid,
      BANK_API_CLIENT_KEY: 'key\nInjected: 1',
      ESIGN_APP_ID: ' app',
      PHONE_TOKEN: 'tóken',
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'BANK_API_CLIENT_KEY',
      'ESIGN_APP_ID',
      'PHONE_TOKEN',
    ]);
    expect(problems.join('\n')).not.toContain('Injected');
    expect(loadConfig({ ...valid, PHONE_TOKEN: 'Bearer abc.def' }).phone.token).toBe('Bearer abc.def');
  });

  it('sets the provider HTTP limits from PROVIDER_* variables, with defaults, and names a bad one', () => {
    const defaults = loadConfig(valid);
    expect(defaults.bank).toMatchObject({ timeoutMs: 10_000, maxBodyBytes: 1024 * 1024, maxRetryAfterMs: 60_000 });
    expect(defaults.esign).toMatchObject({ maxBodyBytes: 1024 * 1024, maxRetryAfterMs: 60_000 });
    const set = loadConfig({ ...valid, PROVIDER_MAX_BODY_BYTES: '65536', PROVIDER_MAX_RETRY_AFTER_MS: '5000' });
    expect(set.phone).toMatchObject({ maxBodyBytes: 65_536, maxRetryAfterMs: 5_000 });
    const problems = problemsOf({ ...valid, PROVIDER_MAX_BODY_BYTES: '10', PROVIDER_MAX_RETRY_AFTER_MS: '-1' });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'PROVIDER_MAX_BODY_BYTES',
      'PROVIDER_MAX_RETRY_AFTER_MS',
    ]);
  });
});
