/**
 * Zod schemas for the identifiers the three providers accept. Pure (no Node built-ins): the
 * workflow bundle, the client, the activities and the simulators all validate with these.
 */
import { z } from 'zod';

/** UUID version 4 with the RFC 4122 variant: the banking API refuses anything else (OBD000092). */
export const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const uuidV4 = z
  .string()
  .regex(UUID_V4_PATTERN, { message: 'must be a UUID version 4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)' });

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

export const cpf = z
  .string()
  .regex(/^\d{11}$/, { message: 'must be exactly 11 digits' })
  .refine(isValidCpf, { message: 'is not a valid CPF (check digits do not match)' });

const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const GB11643_CHECK = '10X98765432';

/** Chinese resident ID number (GB 11643-1999): 17 digits and a check character. */
export function isValidResidentId(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * GB11643_WEIGHTS[i]!;
  return GB11643_CHECK[sum % 11] === value[17];
}

export const residentId = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(
    z
      .string()
      .regex(/^\d{17}[\dX]$/, { message: 'must be 17 digits followed by a digit or X' })
      .refine(isValidResidentId, { message: 'has a wrong check character (GB 11643)' }),
  );

/** Mainland China mobile number, no country prefix. */
export const chineseMobile = z
  .string()
  .regex(/^1[3-9]\d{9}$/, { message: 'must be a mainland mobile number (11 digits starting 13-19)' });

/** The banking API's approval token: 6 alphanumeric characters typed by the approver. */
export const deviceToken = z.string().regex(/^[A-Za-z0-9]{6}$/, { message: 'must be exactly 6 letters or digits' });

/** A run of 11 digits (phone, CPF) or of 17 digits and a check character (resident ID). */
const PERSONAL_NUMBER_SHAPE = /(^|\D)(\d{11}|\d{17}[\dXx])(\D|$)/;

/**
 * For ids that operators see (workflow ids, request ids, context ids): refuses values shaped like
 * a phone, CPF or resident ID number, since personal data must never be part of one.
 */
export const notPersonalDataShaped = z.string().refine((value) => !PERSONAL_NUMBER_SHAPE.test(value), {
  message: 'looks like a phone or document number; personal data must not be part of a workflow id',
});
