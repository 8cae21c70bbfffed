/**
 * The shared identifier schemas against every provider test vector (test/fixtures/provider-vectors.json)
 * (computed independently from the README's rules), plus a few edges the vectors leave out.
 */
import { readFileSync } from 'node:fs';
import { PROVIDER_VECTORS_FILE } from '../support/vectors';
import { z } from 'zod';
import {
  UUID_V4_PATTERN,
  chineseMobile,
  cpf,
  deviceToken,
  isValidCpf,
  isValidResidentId,
  residentId,
  uuidV4,
} from '../../contracts/identifiers';

const VECTORS_FILE = PROVIDER_VECTORS_FILE;

const validInvalid = z.object({ valid: z.array(z.string()).min(1), invalid: z.array(z.string()).min(1) });
const vectors = z
  .object({
    cpf: validInvalid,
    gb11643: validInvalid,
    cn_mobile: validInvalid,
    uuid_v4: validInvalid,
    device_token: validInvalid,
  })
  .parse(JSON.parse(readFileSync(VECTORS_FILE, 'utf8')));

describe('resident ID number (GB 11643)', () => {
  it.each(vectors.gb11643.valid)('accepts %s', (value) => {
    expect(isValidResidentId(value)).toBe(true);
    expect(residentId.safeParse(value)).toEqual({ success: true, data: value });
  });

  it.each(vectors.gb11643.invalid)('refuses %s', (value) => {
    expect(isValidResidentId(value)).toBe(false);
    expect(residentId.safeParse(value).success).toBe(false);
  });

  it('reads a lower-case check character as X', () => {
    expect(residentId.parse('11010519491231002x')).toBe('11010519491231002X');
  });

  it('says whether the format or the check character is wrong', () => {
    const wrongCheck = residentId.safeParse('110105194912310021');
    const wrongFormat = residentId.safeParse('11010519491231002');
    expect(wrongCheck.error?.issues[0]?.message).toMatch(/check character/);
    expect(wrongFormat.error?.issues[0]?.message).toMatch(/17 digits/);
  });

  it('accepts exactly one check character for a given 17-digit body', () => {
    const body = '11010519491231002';
    const endings = [...'0123456789X'].filter((check) => isValidResidentId(`${body}${check}`));
    expect(endings).toEqual(['X']);
  });
});

describe('CPF', () => {
  it.each(vectors.cpf.valid)('accepts %s', (value) => {
    expect(isValidCpf(value)).toBe(true);
    expect(cpf.safeParse(value).success).toBe(true);
  });

  it.each(vectors.cpf.invalid)('refuses %s', (value) => {
    expect(isValidCpf(value)).toBe(false);
    expect(cpf.safeParse(value).success).toBe(false);
  });
});

describe('mainland mobile number', () => {
  it.each(vectors.cn_mobile.valid)('accepts %s', (value) => {
    expect(chineseMobile.safeParse(value).success).toBe(true);
  });

  it.each(vectors.cn_mobile.invalid)('refuses %s', (value) => {
    expect(chineseMobile.safeParse(value).success).toBe(false);
  });
});

describe('UUID v4', () => {
  it.each(vectors.uuid_v4.valid)('accepts %s', (value) => {
    expect(UUID_V4_PATTERN.test(value)).toBe(true);
    expect(uuidV4.safeParse(value).success).toBe(true);
  });

  it.each(vectors.uuid_v4.invalid)('refuses %s', (value) => {
    expect(UUID_V4_PATTERN.test(value)).toBe(false);
    expect(uuidV4.safeParse(value).success).toBe(false);
  });
});

describe('device approval token', () => {
  it.each(vectors.device_token.valid)('accepts %s', (value) => {
    expect(deviceToken.safeParse(value).success).toBe(true);
  });

  it.each(vectors.device_token.invalid)('refuses %j', (value) => {
    expect(deviceToken.safeParse(value).success).toBe(false);
  });
});
