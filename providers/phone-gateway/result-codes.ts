/**
 * The one table of the gateway's `Result` codes (README sections 3 and 4.3). Every code is either
 * a final answer the workflow returns, or `busy`, which the activity turns into a retry. A code
 * missing here is not guessed at: the client reports it as an unknown result.
 */
import type { GatewayReference, PhoneCheckResult } from '../../contracts/phone-check';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A final answer without the gateway's references (those come from each call). */
export type ResultCodeAnswer = DistributiveOmit<PhoneCheckResult, keyof GatewayReference>;

export type ResultCodeMeaning = { kind: 'answer'; answer: ResultCodeAnswer } | { kind: 'busy' };

export const RESULT_CODES: Readonly<Record<string, ResultCodeMeaning>> = {
  '0': { kind: 'answer', answer: { outcome: 'VERIFIED', resultCode: 0, billed: true } },
  '-4': { kind: 'answer', answer: { outcome: 'MISMATCH', resultCode: -4, billed: true } },
  '-6': { kind: 'answer', answer: { outcome: 'INVALID_INPUT', resultCode: -6, billed: false, factor: 'phone' } },
  '-7': { kind: 'answer', answer: { outcome: 'INVALID_INPUT', resultCode: -7, billed: false, factor: 'idCard' } },
  '-8': { kind: 'answer', answer: { outcome: 'INVALID_INPUT', resultCode: -8, billed: false, factor: 'name' } },
  '-9': { kind: 'answer', answer: { outcome: 'NO_RECORD', resultCode: -9, billed: false } },
  '-11': { kind: 'busy' },
  '-12': { kind: 'answer', answer: { outcome: 'DAILY_LIMIT', resultCode: -12, billed: false } },
  '-13': { kind: 'answer', answer: { outcome: 'UNSUPPORTED_NUMBER', resultCode: -13, billed: false } },
};

/** Codes the gateway charges for: a call that produced one of them is never repeated. */
export const BILLED_RESULT_CODES: ReadonlySet<string> = new Set(
  Object.entries(RESULT_CODES)
    .filter(([, meaning]) => meaning.kind === 'answer' && meaning.answer.billed)
    .map(([code]) => code),
);

/** `code` as the gateway sent it ("0", "-4", ...); leading zeros and "-0" are read as numbers. */
export function resultCodeMeaning(code: string): ResultCodeMeaning | undefined {
  const normalized = /^-?\d+$/.test(code) ? String(Number(code)) : code;
  return Object.hasOwn(RESULT_CODES, normalized) ? RESULT_CODES[normalized] : undefined;
}
