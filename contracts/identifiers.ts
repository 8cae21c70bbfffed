/**
 * Zod schemas for the identifiers the three providers accept, built from the rules in
 * `identifier-rules.ts` (which the workflow side checks with, without zod). The client, the
 * activities and the simulators validate with these.
 */
import { z } from 'zod';
import type { StringRule } from './checks';
import {
  CHINESE_MOBILE_RULE,
  CPF_RULES,
  DEVICE_TOKEN_RULE,
  NOT_PERSONAL_DATA_SHAPED,
  RESIDENT_ID_RULES,
  UUID_V4_MESSAGE,
  UUID_V4_PATTERN,
} from './identifier-rules';

export {
  UUID_V4_PATTERN,
  isValidCpf,
  isValidResidentId,
  personalNumberShape,
  residentIdBirthDateProblem,
} from './identifier-rules';

/** A zod string checked by `rules`, each failure with its own message (none stops the others). */
export function stringWithRules(rules: StringRule[]) {
  return rules.reduce(
    (schema, rule) =>
      schema.superRefine((value, context) => {
        const message = rule.problem ? rule.problem(value) : rule.test(value) ? undefined : rule.message;
        if (message !== undefined) context.addIssue({ code: 'custom', message });
      }),
    z.string(),
  );
}

export const uuidV4 = z.string().regex(UUID_V4_PATTERN, { message: UUID_V4_MESSAGE });

export const cpf = stringWithRules(CPF_RULES);

/** Resident ID: upper-cases a lower-case `x`, then checks format, check character and birth date. */
export const residentId = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(stringWithRules(RESIDENT_ID_RULES));

/** Mainland China mobile number, no country prefix. */
export const chineseMobile = stringWithRules([CHINESE_MOBILE_RULE]);

/** The banking API's approval token: 6 alphanumeric characters typed by the approver. */
export const deviceToken = stringWithRules([DEVICE_TOKEN_RULE]);

export const notPersonalDataShaped = stringWithRules([NOT_PERSONAL_DATA_SHAPED]);
