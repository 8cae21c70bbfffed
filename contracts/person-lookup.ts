/**
 * `KycPersonLookup`: keyed hashes of the personal numbers a flow was started with, so an operator
 * can find "every approval of approver X" without the number ever being stored. Each value is
 * `<lookup key id>:<hex HMAC-SHA256 of "<kind>:<normalised number>">` (RFC 2104), computed by the
 * client at start (client/person-lookup.ts) under every configured lookup key, so the workflows
 * never see the lookup key and a key rotation can write old and new hashes side by side.
 *
 * A KeywordList: one attribute holds the hashes of every number and every key (SQL visibility
 * allows 3 KeywordList attributes per namespace; it uses none of the 10 Keyword slots). The
 * hashes are not personal data only while the lookup key stays secret: CPFs and phone numbers are
 * few enough to be guessed by anyone holding the key. Pure: no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PERSON_LOOKUP_KEY = defineSearchAttributeKey('KycPersonLookup', SearchAttributeType.KEYWORD_LIST);

/** What kind of number a hash is of; part of the hashed text, so a CPF and a phone never share a hash. */
export const PERSON_LOOKUP_KINDS = ['cpf', 'residentId', 'phone'] as const;
export type PersonLookupKind = (typeof PERSON_LOOKUP_KINDS)[number];
