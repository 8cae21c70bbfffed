/**
 * Keeps a bank answer for the operator without keeping personal data: the known secrets of the
 * request (CPF, token) and the values of personal fields are masked here; the shapes any provider
 * may echo (CPF, long digit runs, e-mail addresses) and the cut are the shared layer's
 * (providers/http.ts `redactedExcerpt`).
 */
import { REDACTED, redactedExcerpt } from '../http';

export const MAX_KEPT_BODY_CHARS = 500;

const PERSONAL_FIELD = /("(?:token|document_number|approver_document_number|email|phone_number)"\s*:\s*")[^"]*"/g;

export function redactBody(raw: string, secrets: readonly string[] = []): string {
  return redactedExcerpt(raw, MAX_KEPT_BODY_CHARS, (text) => {
    let masked = text;
    for (const secret of secrets) {
      if (secret.length >= 4) masked = masked.split(secret).join(REDACTED);
    }
    return masked.replace(PERSONAL_FIELD, `$1${REDACTED}"`);
  });
}
