import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, MISSING_PAYLOAD_KEYS, loadPayloadEncryptionConfig } from '../../common/config';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  PayloadDecryptionError,
  type PayloadEncryptionConfig,
} from '../../common/payload-codec';

const CPF = '52998224725';
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const value = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);

function keys(...ids: string[]): PayloadEncryptionConfig['keys'] {
  return new Map(ids.map((id) => [id, new Uint8Array(randomBytes(32))]));
}

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec({ keys: keys('k1'), activeKeyId: 'k1' });

  it('round-trips payloads and hides their content and original encoding', async () => {
    const input = [plain({ approverCpf: CPF, name: 'Maria Silva' }), plain(null), plain('13800138000')];
    const encoded = await codec.encode(input);
    for (const payload of encoded) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.['encryption-key-id'])).toBe('k1');
      expect(text(payload.data)).not.toContain(CPF);
      expect(text(payload.data)).not.toContain('json/plain');
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map(value)).toEqual([{ approverCpf: CPF, name: 'Maria Silva' }, null, '13800138000']);
  });

  it('uses a fresh IV for every payload', async () => {
    const [first, second] = await codec.encode([plain(CPF), plain(CPF)]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
  });

  it('passes plain payloads through on decode (old histories, the temporal CLI)', async () => {
    const payload = plain({ token: 'A1B2C3' });
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  it('still decodes payloads of an older key after a new active key is added', async () => {
    const old = keys('2025');
    const before = await new AesGcmPayloadCodec({ keys: old, activeKeyId: '2025' }).encode([plain(CPF)]);
    const rotated = new AesGcmPayloadCodec({ keys: new Map([...keys('2026'), ...old]), activeKeyId: '2026' });
    const after = await rotated.encode([plain(CPF)]);
    expect(text(after[0]!.metadata?.['encryption-key-id'])).toBe('2026');
    expect((await rotated.decode([...before, ...after])).map(value)).toEqual([CPF, CPF]);
  });

  it('names an unknown key id, and nothing else', async () => {
    const encoded = await new AesGcmPayloadCodec({ keys: keys('retired'), activeKeyId: 'retired' }).encode([
      plain(CPF),
    ]);
    const error = await codec.decode(encoded).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as Error).message).toMatch(/unknown key id "retired"/);
  });

  it('refuses tampered ciphertext', async () => {
    const [encoded] = await codec.encode([plain(CPF)]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(/failed authentication/);
  });

  it('refuses a key that is not 32 bytes and an active key that is not configured', () => {
    expect(
      () => new AesGcmPayloadCodec({ keys: new Map([['short', new Uint8Array(16)]]), activeKeyId: 'short' }),
    ).toThrow(/32 bytes/);
    expect(() => new AesGcmPayloadCodec({ keys: keys('a'), activeKeyId: 'b' })).toThrow(/not among/);
  });
});

describe('loadPayloadEncryptionConfig', () => {
  const key = () => randomBytes(32).toString('base64');

  it('fails closed without keys: one message naming KYC_PAYLOAD_KEYS, the demo key file and the test-only switch', () => {
    let error: unknown;
    try {
      loadPayloadEncryptionConfig({});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([MISSING_PAYLOAD_KEYS]);
    expect(MISSING_PAYLOAD_KEYS).toMatch(/^KYC_PAYLOAD_KEYS: is not set/);
    expect(MISSING_PAYLOAD_KEYS).toContain('.data/payload-keys');
    expect(MISSING_PAYLOAD_KEYS).toContain('KYC_PAYLOAD_ENCRYPTION=off');
    expect(() => loadPayloadEncryptionConfig({ KYC_PAYLOAD_ENCRYPTION: 'on' })).toThrow(ConfigError);
    expect(() => loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: ' , ' })).toThrow(/KYC_PAYLOAD_KEYS: is not set/);
  });

  it('is plain only with KYC_PAYLOAD_ENCRYPTION=off, and refuses off together with keys or a bad value', () => {
    expect(loadPayloadEncryptionConfig({ KYC_PAYLOAD_ENCRYPTION: 'off' })).toBeUndefined();
    expect(() =>
      loadPayloadEncryptionConfig({ KYC_PAYLOAD_ENCRYPTION: 'off', KYC_PAYLOAD_KEYS: `a:${key()}` }),
    ).toThrow(/KYC_PAYLOAD_ENCRYPTION: is off but KYC_PAYLOAD_KEYS is set/);
    expect(() => loadPayloadEncryptionConfig({ KYC_PAYLOAD_ENCRYPTION: 'false' })).toThrow(
      /KYC_PAYLOAD_ENCRYPTION: must be on or off/,
    );
  });

  it('reports an unreadable key file as such, not as a missing key', () => {
    expect(() => loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS_FILE: '/nonexistent/payload-keys' })).toThrow(
      /^invalid configuration:\n {2}- KYC_PAYLOAD_KEYS_FILE: cannot read \/nonexistent\/payload-keys$/,
    );
  });

  it('reads keys, the first is active by default, or the one named', () => {
    const env = { KYC_PAYLOAD_KEYS: `new:${key()}, old:${key()}` };
    expect(loadPayloadEncryptionConfig(env)?.activeKeyId).toBe('new');
    expect([...loadPayloadEncryptionConfig(env)!.keys.keys()]).toEqual(['new', 'old']);
    expect(loadPayloadEncryptionConfig({ ...env, KYC_PAYLOAD_ACTIVE_KEY: 'old' })?.activeKeyId).toBe('old');
  });

  it('reads the keys from KYC_PAYLOAD_KEYS_FILE', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kyc-keys-')), 'payload-keys');
    writeFileSync(file, `filed:${key()}\n`);
    expect(loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS_FILE: file })?.activeKeyId).toBe('filed');
  });

  it('names the variable and key id of a bad key without echoing it', () => {
    const shortKey = randomBytes(16).toString('base64');
    let error: unknown;
    try {
      loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: `ok:${key()},short:${shortKey},nocolon` });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'KYC_PAYLOAD_KEYS: key "short" must be 32 bytes, base64-encoded',
      'KYC_PAYLOAD_KEYS: entry 3 must be keyId:base64key (id of letters, digits, . _ -)',
    ]);
    expect((error as Error).message).not.toContain(shortKey);
  });

  it('refuses an active key id that is not configured', () => {
    expect(() => loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: `a:${key()}`, KYC_PAYLOAD_ACTIVE_KEY: 'b' })).toThrow(
      /KYC_PAYLOAD_ACTIVE_KEY: "b" is not one of the key ids/,
    );
  });
});
