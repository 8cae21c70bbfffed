/**
 * The identifiers the three providers accept, as rules (patterns, check digits, messages) and as
 * zod-free checkers for the workflow side. Pure: `identifiers.ts` builds the callers' zod schemas
 * from the same rules, so both sides refuse the same values with the same messages.
 */
import { pattern, ruleWithProblem, string, type Checker, type StringRule } from './checks';

/** UUID version 4 with the RFC 4122 variant: the banking API refuses anything else (OBD000092). */
export const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const UUID_V4_MESSAGE = 'must be a UUID version 4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)';

/** Brazilian CPF: 11 digits, two mod-11 check digits; numbers of one repeated digit are invalid. */
export function isValidCpf(value: string): boolean {
  if (!/^\d{11}$/.test(value) || /^(\d)\1{10}$/.test(value)) return false;
  const digits = [...value].map(Number);
  const checkDigit = (length: number): number => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += (digits[i] ?? 0) * (length + 1 - i);
    const remainder = (sum * 10) % 11;
    return remainder === 10 ? 0 : remainder;
  };
  return checkDigit(9) === digits[9] && checkDigit(10) === digits[10];
}

export const CPF_RULES: StringRule[] = [
  pattern(/^\d{11}$/, 'must be exactly 11 digits, without dots or dash'),
  // Only an 11-digit value has check digits to compare: a formatted CPF gets the message above alone.
  {
    test: (value) => !/^\d{11}$/.test(value) || isValidCpf(value),
    message: 'is not a valid CPF (check digits do not match)',
  },
];

const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const GB11643_CHECK = '10X98765432';

/** Chinese resident ID number (GB 11643-1999): 17 digits and a check character. */
export function isValidResidentId(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * GB11643_WEIGHTS[i]!;
  return GB11643_CHECK[sum % 11] === value[17];
}

/** The earliest birth date accepted: no living resident was born before it. */
const EARLIEST_BIRTH_DATE = Date.UTC(1900, 0, 1);

/**
 * Why the birth date in a resident ID number (positions 7-14, `YYYYMMDD`, GB 11643-1999 §4.2) is
 * impossible, or undefined when it is a real calendar date from 1900 up to `now` (epoch ms; in a
 * workflow, the workflow's deterministic clock). `110101199013010012` has month 13: impossible.
 */
export function residentIdBirthDateProblem(value: string, now: number): string | undefined {
  const match = /^\d{6}(\d{4})(\d{2})(\d{2})/.exec(value);
  if (!match) return 'has no birth date in positions 7-14';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!real) return 'has an impossible birth date in positions 7-14 (not a calendar date YYYYMMDD)';
  if (date.getTime() > now) return 'has a birth date in positions 7-14 that is in the future';
  if (date.getTime() < EARLIEST_BIRTH_DATE) return 'has a birth date in positions 7-14 before 1900';
  return undefined;
}

/**
 * Checked after upper-casing (a lower-case x check character is accepted): format, check
 * character, and a birth date that is real and not in the future (`Date.now()`: in a workflow,
 * the workflow's deterministic clock).
 */
export const RESIDENT_ID_RULES: StringRule[] = [
  pattern(/^\d{17}[\dX]$/, 'must be 17 digits followed by a digit or X'),
  { test: isValidResidentId, message: 'has a wrong check character (GB 11643)' },
  ruleWithProblem((value) => residentIdBirthDateProblem(value, Date.now())),
];

export const CHINESE_MOBILE_RULE = pattern(
  /^1[3-9]\d{9}$/,
  'must be a mainland mobile number (11 digits starting 13-19)',
);

/** The banking API's approval token: 6 alphanumeric characters typed by the approver. */
export const DEVICE_TOKEN_RULE = pattern(/^[A-Za-z0-9]{6}$/, 'must be exactly 6 letters or digits');

/** A run of 11 digits (phone, CPF) or of 17 digits and a check character (resident ID). */
const PERSONAL_NUMBER_SHAPE = /(^|\D)(\d{11}|\d{17}[\dXx])(\D|$)/;

/** What people type between digit groups: spaces, dots, dashes (any), underscores, colons, brackets, plus. */
const SEPARATOR = '[\\s._:()+\\-\\u2010-\\u2015\\u2212]';
/** Digit groups joined by separators, possibly ending in a resident ID's check character. */
const DIGIT_GROUPS = new RegExp(`\\d+(?:${SEPARATOR}+\\d+)*[Xx]?`, 'g');
const SEPARATORS = new RegExp(`${SEPARATOR}+`);
/** Any canonical UUID: generated request ids, never personal data (their digit runs are chance). */
const ANY_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What kind of personal number `value` is shaped like, or undefined. Reads the value as people
 * write numbers: full-width digits and punctuation folded to ASCII (Unicode NFKC), separators
 * between digit groups ignored, and a `+86` / `86` / `0086` country prefix before a mobile number.
 *
 * - phone: a mainland mobile number (`13800138000`, `138-0013-8000`, `+86 138 0013 8000`), or a
 *   Brazilian mobile (`(11) 98765-4321`, `+55 11 98765-4321`);
 * - CPF: 11 digits, digit groups shaped 3.3.3-2 (`529.982.247-25`), or any grouping of 11 digits
 *   whose CPF check digits hold (`529982247-25`);
 * - resident ID: 17 digits and a check character, or such groups whose GB 11643 check holds.
 *
 * A canonical UUID is never refused: it is what callers generate when they have no id.
 */
export function personalNumberShape(value: string): 'phone' | 'CPF' | 'resident ID' | undefined {
  const text = value.normalize('NFKC');
  if (ANY_UUID.test(text)) return undefined;
  const raw = PERSONAL_NUMBER_SHAPE.exec(text)?.[2];
  if (raw) return raw.length === 11 ? (/^1[3-9]/.test(raw) ? 'phone' : 'CPF') : 'resident ID';
  for (const [match] of text.matchAll(DIGIT_GROUPS)) {
    const groups = match.split(SEPARATORS).filter(Boolean);
    const joined = groups.join('').toUpperCase();
    // A trailing x belongs to a resident ID only; a phone or CPF followed by one is still that.
    const digits = joined.replace(/X$/, '');
    if (/^(?:0086|86)?1[3-9]\d{9}$/.test(digits)) return 'phone';
    if (groups.map((group) => group.length).join('.') === '3.3.3.2') return 'CPF';
    // Any other grouping of a CPF (529982247-25, 5299822-4725): its check digits decide, so
    // ordinary ids with 11 digits across separators (dates, counters) pass 99 times in 100.
    if (digits.length === 11 && isValidCpf(digits)) return 'CPF';
    // Brazilian mobile: area code, 9, eight digits; with or without the +55 / 0055 prefix.
    if (/^(?:0055|55)?[1-9]{2}9\d{8}$/.test(digits)) return 'phone';
    if (isValidResidentId(joined)) return 'resident ID';
  }
  return undefined;
}

/**
 * For ids a provider issues (the e-sign platform's flow ids are 18-digit numbers, e.g.
 * `803719636976683872`, shared/providers/original/esign-identity-flow-outline.txt): only a value
 * that IS a valid personal number is refused, since the loose shape rule would refuse every real
 * flow id. A mainland mobile (with or without 86), an 11-digit number whose CPF check digits hold,
 * or a resident ID whose check character and birth date hold; dashes and underscores ignored.
 */
export function validPersonalNumber(value: string, now: number): 'phone' | 'CPF' | 'resident ID' | undefined {
  const text = value.normalize('NFKC').replace(/[-_]/g, '').toUpperCase();
  if (/^(?:0086|86)?1[3-9]\d{9}$/.test(text)) return 'phone';
  if (/^\d{11}$/.test(text) && isValidCpf(text)) return 'CPF';
  if (/^\d{17}[\dX]$/.test(text) && isValidResidentId(text) && !residentIdBirthDateProblem(text, now)) {
    return 'resident ID';
  }
  return undefined;
}

/**
 * For ids that operators see (workflow ids, request ids, context ids, update ids): refuses values
 * shaped like a phone, CPF or resident ID number (see `personalNumberShape`), since personal data
 * must never be part of one. The message names the kind, never the value.
 */
export const NOT_PERSONAL_DATA_SHAPED: StringRule = ruleWithProblem((value) => {
  const shape = personalNumberShape(value);
  return shape
    ? `looks like a phone or document number (${shape}); personal data must not be part of a workflow id`
    : undefined;
});

// Workflow-side checkers (see checks.ts for why workflows do not use zod).

/** A UUID v4, lower-cased: one device maps to one workflow id. */
export const uuidV4Key: Checker<string> = string({
  rules: [pattern(UUID_V4_PATTERN, UUID_V4_MESSAGE)],
  after: (value) => value.toLowerCase(),
});
export const cpfCheck: Checker<string> = string({ rules: CPF_RULES });
export const residentIdCheck: Checker<string> = string({
  before: (value) => value.toUpperCase(),
  rules: RESIDENT_ID_RULES,
});
export const chineseMobileCheck: Checker<string> = string({ rules: [CHINESE_MOBILE_RULE] });
export const deviceTokenCheck: Checker<string> = string({ rules: [DEVICE_TOKEN_RULE] });
