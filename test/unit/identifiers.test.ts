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
  notPersonalDataShaped,
  personalNumberShape,
  residentId,
  residentIdBirthDateProblem,
  uuidV4,
} from '../../contracts/identifiers';
import { phoneCheckRequestId } from '../../contracts/phone-check';
import { contextIdSchema, flowIdSchema } from '../../contracts/identity-flow';

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

describe('resident ID birth date (positions 7-14)', () => {
  const NOW = Date.parse('2026-11-30T00:00:00Z');

  it('refuses 110101199013010012 (month 13, correct check character) as idCard with the reason', () => {
    expect(isValidResidentId('110101199013010012')).toBe(true);
    const result = residentId.safeParse('110101199013010012');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'has an impossible birth date in positions 7-14 (not a calendar date YYYYMMDD)',
    );
  });

  it.each([
    ['19900230', 'impossible'], // 30 February
    ['19900229', 'impossible'], // 1990 is not a leap year
    ['19900431', 'impossible'], // 31 April
    ['19900001', 'impossible'], // month 0
    ['19900100', 'impossible'], // day 0
    ['20261201', 'in the future'],
    ['18991231', 'before 1900'],
  ])('refuses a birth date %s (%s)', (date, why) => {
    expect(residentIdBirthDateProblem(`110101${date}0012`, NOW)).toContain(why);
  });

  it.each(['20000229', '19000101', '20261130', '19491231'])('accepts a real birth date %s', (date) => {
    expect(residentIdBirthDateProblem(`110101${date}0012`, NOW)).toBeUndefined();
  });

  it('keeps a lower-case x accepted for a real date', () => {
    expect(residentId.safeParse('11010519491231002x')).toEqual({ success: true, data: '11010519491231002X' });
  });
});

describe('ids shaped like personal numbers, written the way people write them', () => {
  it.each([
    ['138-0013-8000', 'phone'],
    ['138 0013 8000', 'phone'],
    ['138.0013.8000', 'phone'],
    ['138_0013_8000', 'phone'],
    ['138:0013:8000', 'phone'],
    ['+86 138 0013 8000', 'phone'],
    ['86-13800138000', 'phone'],
    ['0086 138 0013 8000', 'phone'],
    ['+8613800138000', 'phone'],
    ['１３８００１３８０００', 'phone'],
    ['１３８－００１３－８０００', 'phone'],
    ['req-138-0013-8000-retry', 'phone'],
    ['13800138000', 'phone'],
    ['529.982.247-25', 'CPF'],
    ['111.444.777-35', 'CPF'],
    ['52998224725', 'CPF'],
    ['529982247-25', 'CPF'],
    ['529982247.25', 'CPF'],
    ['5299822-4725', 'CPF'],
    ['529982247_25', 'CPF'],
    ['138-0013-8000x', 'phone'],
    ['+55 11 98765-4321', 'phone'],
    ['(11) 98765-4321', 'phone'],
    ['5511987654321', 'phone'],
    ['110105 19491231 002X', 'resident ID'],
    ['110105-19491231-002x', 'resident ID'],
    ['11010519491231002x', 'resident ID'],
  ])('%s is a %s', (value, shape) => {
    expect(personalNumberShape(value)).toBe(shape);
    expect(notPersonalDataShaped.safeParse(value).success).toBe(false);
  });

  it.each([
    'order-42',
    '2026-11-30-001', // a dated id: 11 digits joined, but neither a mobile nor a CPF grouping
    '2026.11.30',
    'batch:7:retry:2',
    '3f2a1b7c-1234-4abc-8def-123456789012',
    '12345678-1234-4123-8123-12345678901a', // a UUID whose last group holds an 11-digit run
    'invoice-1234567890',
    '+86',
  ])('%s is an ordinary id', (value) => {
    expect(personalNumberShape(value)).toBeUndefined();
    expect(notPersonalDataShaped.safeParse(value).success).toBe(true);
  });

  it('applies to phone request ids, update request ids and context ids alike, naming the kind, never the value', () => {
    const request = phoneCheckRequestId.safeParse('138-0013-8000');
    const context = contextIdSchema.safeParse('138.0013.8000');
    for (const result of [request, context]) {
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(
        'looks like a phone or document number (phone); personal data must not be part of a workflow id',
      );
      expect(JSON.stringify(result.error?.issues)).not.toContain('0013');
    }
  });
});

describe('provider flow ids', () => {
  it.each(['803719636976683872', '802965095964494307', 'flow_42', 'a-b-c'])('accepts %s', (flowId) => {
    expect(flowIdSchema.safeParse(flowId).success).toBe(true);
  });

  it.each([
    ['13800138000', 'phone'],
    ['86-138-0013-8000', 'phone'],
    ['52998224725', 'CPF'],
    ['11010519491231002X', 'resident ID'],
  ])('refuses %s, a valid %s number, naming the kind only', (flowId, kind) => {
    const result = flowIdSchema.safeParse(flowId);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(`valid ${kind} number`);
    expect(JSON.stringify(result.error?.issues)).not.toContain(flowId.slice(3, 9));
  });
});
