/**
 * Removes personal data from gateway text before it goes into an error or a result: the exact
 * factors of the call (the gateway may echo them), and anything shaped like a mobile or resident
 * ID number.
 */
import type { PhoneFactors } from '../../contracts/phone-check';
import { escapeRegExp, redactedExcerpt } from '../http';

export type Redactor = (text: string) => string;

const ID_OR_PHONE_SHAPED = /(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)/g;

export function createRedactor(factors: PhoneFactors): Redactor {
  const known: Array<[RegExp, string]> = [
    [new RegExp(escapeRegExp(factors.idCard), 'gi'), '[idCard]'],
    [new RegExp(escapeRegExp(factors.phone), 'g'), '[phone]'],
    [new RegExp(escapeRegExp(factors.name), 'g'), '[name]'],
  ];
  return (text) => {
    let redacted = text;
    for (const [pattern, placeholder] of known) redacted = redacted.replace(pattern, placeholder);
    return redacted.replace(ID_OR_PHONE_SHAPED, '[redacted]');
  };
}

/** The start of a body for an operator: enough to see what came back, short enough for an error. */
export const BODY_EXCERPT_CHARS = 300;

export function bodyExcerpt(body: string, redact: Redactor): string {
  return redactedExcerpt(body, BODY_EXCERPT_CHARS, redact);
}
