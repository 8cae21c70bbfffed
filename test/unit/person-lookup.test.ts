/** Keyed person hashes (client/person-lookup.ts) and their keys (KYC_LOOKUP_KEYS, common/config.ts). */
import { ConfigError, loadLookupKeys } from '../../common/config';
import { InvalidInputError } from '../../contracts/validation';
import {
  normalisePersonNumber,
  personLookupAttributes,
  personLookupHash,
  personLookupHashes,
  requireLookupKeys,
} from '../../client/person-lookup';

const KEY_0B = { id: 'k1', key: new Uint8Array(32).fill(0x0b) };
const KEY_0C = { id: 'k2', key: new Uint8Array(32).fill(0x0c) };
const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64');

describe('hashes', () => {
  it('are HMAC-SHA256 of "<kind>:<number>" under the key, prefixed with the key id (known answers)', () => {
    // Computed independently with Python's hmac module.
    expect(personLookupHash({ kind: 'cpf', value: '52998224725' }, KEY_0B)).toBe(
      'k1:589fa398b852225632a2f95610b5ae0404f60113ef643597175315b9ed04ca17',
    );
    expect(personLookupHash({ kind: 'phone', value: '13800138000' }, KEY_0B)).toBe(
      'k1:27ffd36f75876236b2cf4e99eb1284031c86693df56cb1b193702b2664feb422',
    );
  });

  it('differ by key and by kind, and never contain the number', () => {
    const cpf = { kind: 'cpf', value: '52998224725' } as const;
    const hashes = personLookupHashes([cpf], [KEY_0B, KEY_0C]);
    expect(hashes).toHaveLength(2);
    expect(hashes[0]!.startsWith('k1:')).toBe(true);
    expect(hashes[1]!.startsWith('k2:')).toBe(true);
    expect(hashes[0]!.slice(3)).not.toBe(hashes[1]!.slice(3));
    expect(personLookupHash({ kind: 'residentId', value: cpf.value }, KEY_0B)).not.toBe(hashes[0]);
    expect(hashes.join()).not.toContain(cpf.value);
  });

  it('make no attribute without keys, one KeywordList with every hash otherwise', () => {
    const numbers = [{ kind: 'phone', value: '13800138000' } as const];
    expect(personLookupAttributes(numbers, [])).toEqual([]);
    const [pair] = personLookupAttributes(numbers, [KEY_0B, KEY_0C]);
    expect(pair!.key).toEqual({ name: 'KycPersonLookup', type: 'KEYWORD_LIST' });
    expect(pair!.value).toHaveLength(2);
  });
});

describe('numbers as people write them', () => {
  it.each([
    ['cpf', '529.982.247-25', '52998224725'],
    ['cpf', ' 52998224725\n', '52998224725'],
    ['phone', '+86 138 0013 8000', '13800138000'],
    ['phone', '138-0013-8000', '13800138000'],
    ['residentId', '11010519491231002x', '11010519491231002X'],
  ] as const)('%s %j reads as %s', (kind, text, value) => {
    expect(normalisePersonNumber(kind, text, 'file')).toEqual({ kind, value });
  });

  it('refuses a bad number naming the option, without echoing it', () => {
    let caught: unknown;
    try {
      normalisePersonNumber('cpf', '529.982.247-26', 'approver-cpf-file');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as Error).message).toBe(
      'invalid approver-cpf-file: approver-cpf-file is not a valid CPF (check digits do not match)',
    );
    expect((caught as Error).message).not.toContain('5299822472');
  });
});

describe('KYC_LOOKUP_KEYS', () => {
  it('reads every key in order; none set: no keys, and lookups refused naming the variable', () => {
    expect(loadLookupKeys({})).toEqual([]);
    expect(() => requireLookupKeys([])).toThrow(/KYC_LOOKUP_KEYS: is not set/);
    const keys = loadLookupKeys({ KYC_LOOKUP_KEYS: `new:${b64(KEY_0C.key)}, old:${b64(KEY_0B.key)}` });
    expect(keys.map((key) => key.id)).toEqual(['new', 'old']);
    expect(Buffer.from(keys[1]!.key)).toEqual(Buffer.from(KEY_0B.key));
  });

  it('refuses short keys, bad entries, repeated ids and a payload key reused, naming ids only', () => {
    const short = b64(new Uint8Array(16).fill(1));
    let caught: unknown;
    try {
      loadLookupKeys({
        KYC_LOOKUP_KEYS: `a:${short},nokey,b:${b64(KEY_0B.key)},b:${b64(KEY_0C.key)}`,
        KYC_PAYLOAD_KEYS: `p:${b64(KEY_0B.key)}`,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'KYC_LOOKUP_KEYS: key "a" must be at least 32 bytes, base64-encoded',
      'KYC_LOOKUP_KEYS: entry 2 must be keyId:base64key (id of letters, digits, . _ -)',
      'KYC_LOOKUP_KEYS: key id "b" appears twice',
      'KYC_LOOKUP_KEYS: key "b" is also a payload key; use a separate random key',
    ]);
    expect((caught as Error).message).not.toContain(b64(KEY_0B.key));
  });

  it('reads KYC_LOOKUP_KEYS_FILE, and says when it cannot', () => {
    expect(() => loadLookupKeys({ KYC_LOOKUP_KEYS_FILE: '/nonexistent/lookup-keys' })).toThrow(
      'KYC_LOOKUP_KEYS_FILE: cannot read /nonexistent/lookup-keys',
    );
  });
});
