/**
 * Where the `kyc` CLI finds the local stack (common/local-profile.ts): explicit settings, then the
 * profile (TEMPORAL_CONFIG_FILE, else `<data dir>/temporal.toml`), then the key file next to it.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigProfile } from '@temporalio/envconfig';
import { ConfigError, loadTemporalConfig } from '../../common/config';
import { withLocalSettings, writeLocalSettings } from '../../common/local-profile';

const KEYS = `dev-1:${Buffer.alloc(32, 1).toString('base64')}`;

function stackDir(address = '127.0.0.1:7444'): string {
  const dir = mkdtempSync(join(tmpdir(), 'kyc-local-'));
  writeLocalSettings(dir, { address, namespace: 'ns-1', codecEndpoint: 'http://127.0.0.1:8899', payloadKeys: KEYS });
  return dir;
}

describe('writeLocalSettings', () => {
  it('writes a profile envconfig reads, and the key file readable by its owner only', () => {
    const dir = stackDir();
    expect(loadClientConfigProfile({ configSource: { path: join(dir, 'temporal.toml') }, disableEnv: true })).toEqual({
      address: '127.0.0.1:7444',
      namespace: 'ns-1',
    });
    expect(statSync(join(dir, 'payload-keys')).mode & 0o777).toBe(0o600);
  });
});

describe('withLocalSettings', () => {
  it('takes the profile and key file of <data dir>; the library then reads address and namespace from it', () => {
    const dir = stackDir();
    const { env, profileFile, payloadKeysFile } = withLocalSettings({ KYC_DATA_DIR: dir });
    expect(profileFile).toBe(join(dir, 'temporal.toml'));
    expect(payloadKeysFile).toBe(join(dir, 'payload-keys'));
    expect(env).toMatchObject({
      TEMPORAL_CONFIG_FILE: join(dir, 'temporal.toml'),
      KYC_PAYLOAD_KEYS_FILE: join(dir, 'payload-keys'),
    });
    expect(loadTemporalConfig(env)).toMatchObject({ address: '127.0.0.1:7444', namespace: 'ns-1' });
  });

  it('prefers TEMPORAL_CONFIG_FILE (and its key file) to the data dir, and explicit variables to both', () => {
    const dataDir = stackDir('127.0.0.1:1111');
    const other = stackDir('127.0.0.1:2222');
    const viaFile = withLocalSettings({ KYC_DATA_DIR: dataDir, TEMPORAL_CONFIG_FILE: join(other, 'temporal.toml') });
    expect(loadTemporalConfig(viaFile.env).address).toBe('127.0.0.1:2222');
    expect(viaFile.env.KYC_PAYLOAD_KEYS_FILE).toBe(join(other, 'payload-keys'));

    const explicit = withLocalSettings({
      KYC_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: '127.0.0.1:3333',
      TEMPORAL_NAMESPACE: 'mine',
      KYC_PAYLOAD_KEYS: KEYS,
    });
    expect(loadTemporalConfig(explicit.env)).toMatchObject({ address: '127.0.0.1:3333', namespace: 'mine' });
    expect(explicit.env.KYC_PAYLOAD_KEYS_FILE).toBeUndefined();
  });

  it('refuses plain payloads for a stack whose key file is there, naming the file; adds no key without one', () => {
    const dir = stackDir();
    expect(() => withLocalSettings({ KYC_DATA_DIR: dir, KYC_PAYLOAD_ENCRYPTION: 'off' })).toThrow(
      /KYC_PAYLOAD_ENCRYPTION: is off, but the stack this profile points at encrypts with the key in .*payload-keys/,
    );
    const empty = mkdtempSync(join(tmpdir(), 'kyc-local-empty-'));
    expect(withLocalSettings({ KYC_DATA_DIR: empty })).toEqual({ env: { KYC_DATA_DIR: empty } });
    expect(withLocalSettings({ KYC_DATA_DIR: empty, KYC_PAYLOAD_ENCRYPTION: 'off' }).env.KYC_PAYLOAD_KEYS_FILE).toBe(
      undefined,
    );
  });

  it('refuses a missing TEMPORAL_CONFIG_FILE and an unknown profile; passes an API key profile on', () => {
    const dir = stackDir();
    expect(() => withLocalSettings({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') })).toThrow(
      /TEMPORAL_CONFIG_FILE: cannot read/,
    );
    const unknown = withLocalSettings({ TEMPORAL_CONFIG_FILE: join(dir, 'temporal.toml'), TEMPORAL_PROFILE: 'prod' });
    expect(() => loadTemporalConfig(unknown.env)).toThrow(ConfigError);
    expect(() => loadTemporalConfig(unknown.env)).toThrow(/profile "prod" .*not found/);
    const cloud = join(dir, 'cloud.toml');
    writeFileSync(cloud, '[profile.default]\naddress = "example.invalid:7233"\napi_key = "k"\n');
    const security = loadTemporalConfig(withLocalSettings({ TEMPORAL_CONFIG_FILE: cloud }).env).security;
    expect(security).toMatchObject({ apiKey: 'k', tls: true });
  });
});
