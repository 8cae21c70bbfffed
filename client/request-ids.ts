/**
 * Caller request ids: what makes a retried update the same update. Each update's `updateId` is
 * derived from the request id, so the server hands a retry the first attempt's outcome instead
 * of running it twice (within one run). Ids end up in histories and the UI, so anything shaped
 * like a phone, CPF or resident ID number is refused, as for workflow ids.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { phoneCheckRequestId } from '../contracts/phone-check';
import { parseInput } from '../contracts/validation';

/** One rule for every opaque caller id (the phone check contract's, which already refuses PII shapes). */
export const requestIdSchema = phoneCheckRequestId;

/** Values that look like personal data never become part of an id, whatever the flow's own schema allows. */

export interface RequestOptions {
  /** The caller's id for this request; repeat it when retrying so the server deduplicates. */
  requestId?: string;
}

/** A fresh request id for callers that did not bring one (no retry can then be deduplicated). */
export function newRequestId(): string {
  return randomUUID();
}

/** Validates a caller's request id; the error names the field `requestId`. */
export function parseRequestId(requestId: string, label: string): string {
  return parseInput(z.strictObject({ requestId: requestIdSchema }), { requestId }, label).requestId;
}

/** `<update>:<requestId>`: one request id may be reused across different updates without clashing. */
export function updateIdFor(update: string, requestId: string | undefined): string | undefined {
  if (requestId === undefined) return undefined;
  return `${update}:${parseRequestId(requestId, update)}`;
}
