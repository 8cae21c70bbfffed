/**
 * Keeps a bank answer for the operator without keeping personal data: the known secrets of the
 * request (CPF, token), the values of personal fields, and anything shaped like a CPF, a long digit
 * run or an e-mail address are masked, and the text is cut short.
 */
export const MAX_KEPT_BODY_CHARS = 500;

const MASK = '[redacted]';
const PERSONAL_FIELD = /("(?:token|document_number|approver_document_number|email|phone_number)"\s*:\s*")[^"]*"/g;
const PERSONAL_SHAPES: readonly RegExp[] = [
  /\d{3}\.\d{3}\.\d{3}-\d{2}/g, // formatted CPF, as the status read returns it
  /\d{9,}/g, // unformatted CPF, phone numbers
  /[^\s"'<>@]+@[^\s"'<>@]+\.[A-Za-z]{2,}/g, // e-mail addresses
];

export function redactBody(raw: string, secrets: readonly string[] = []): string {
  let text = raw.slice(0, MAX_KEPT_BODY_CHARS * 4);
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.split(secret).join(MASK);
  }
  text = text.replace(PERSONAL_FIELD, `$1${MASK}"`);
  for (const shape of PERSONAL_SHAPES) text = text.replace(shape, MASK);
  return text.length > MAX_KEPT_BODY_CHARS ? `${text.slice(0, MAX_KEPT_BODY_CHARS)}…(truncated)` : text;
}
