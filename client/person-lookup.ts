/**
 * Keyed hashes of personal numbers for `KycPersonLookup` (contracts/person-lookup.ts): computed
 * here, in the caller's process, at start and at lookup, so the lookup key never reaches Temporal
 * or the workflows. HMAC-SHA256 (RFC 2104, node:crypto) of `<kind>:<normalised number>` under
 * each configured lookup key; a value is `<key id>:<64 hex digits>`. Values are only ever put in
 * search attributes and visibility queries: never printed.
 */
import { createHmac } from 'node:crypto';
import type { SearchAttributePair } from '@temporalio/common';
import type { LookupKey } from '../common/config';
import { ConfigError } from '../common/config';
import { chineseMobile, cpf, residentId } from '../contracts/identifiers';
import { PERSON_LOOKUP_KEY, type PersonLookupKind } from '../contracts/person-lookup';
import { InvalidInputError, parseInput } from '../contracts/validation';

/** A number as the flows store it: what the start input's schema outputs for that field. */
export interface PersonNumber {
  kind: PersonLookupKind;
  /** Already validated and normalised (`normalisePersonNumber`, or the start input's schema). */
  value: string;
}

/** `<key id>:<hex HMAC-SHA256(key, "<kind>:<value>")>` for one key. */
export function personLookupHash(number: PersonNumber, key: LookupKey): string {
  const mac = createHmac('sha256', key.key).update(`${number.kind}:${number.value}`, 'utf8').digest('hex');
  return `${key.id}:${mac}`;
}

/** Every hash of every number under every key, without repeats (empty without keys). */
export function personLookupHashes(numbers: readonly PersonNumber[], keys: readonly LookupKey[]): string[] {
  return [...new Set(numbers.flatMap((number) => keys.map((key) => personLookupHash(number, key))))];
}

/** The start search attribute carrying the hashes; none when no lookup key is configured. */
export function personLookupAttributes(
  numbers: readonly PersonNumber[],
  keys: readonly LookupKey[],
): SearchAttributePair[] {
  const hashes = personLookupHashes(numbers, keys);
  return hashes.length ? [{ key: PERSON_LOOKUP_KEY, value: hashes }] : [];
}

const SCHEMAS = { cpf, phone: chineseMobile, residentId } as const;

/**
 * A number as a person writes it (`529.982.247-25`, `+86 138 0013 8000`, a lower-case `x`) to the
 * form the start inputs accept and the hashes are computed over. Throws `InvalidInputError`
 * naming `field` (never echoing the value) when it is not a valid number of that kind.
 */
export function normalisePersonNumber(kind: PersonLookupKind, text: string, field: string): PersonNumber {
  let compact = text.replace(/[\s.\-()/]/g, '');
  if (kind === 'phone') compact = compact.replace(/^(\+|00)86/, '');
  try {
    return { kind, value: parseInput(SCHEMAS[kind], compact, field) };
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new InvalidInputError(
        field,
        error.issues.map((issue) => ({ field, message: issue.message })),
      );
    }
    throw error;
  }
}

/** The keys a lookup needs: refuses when none is configured, since no hash could match. */
export function requireLookupKeys(keys: readonly LookupKey[]): readonly LookupKey[] {
  if (keys.length === 0) {
    throw new ConfigError([
      'KYC_LOOKUP_KEYS: is not set, so no flow carries person hashes to look up. Set KYC_LOOKUP_KEYS ' +
        '(or KYC_LOOKUP_KEYS_FILE) to the lookup keys the flows were started with (docs/operations.md)',
    ]);
  }
  return keys;
}
