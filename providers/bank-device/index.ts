/** The banking device API (README §1, §4.1): client, error table, signing and wire schemas. */
export { BankDeviceClient, type BankDeviceClientOptions } from './client';
export { BANK_ERROR_TABLE, BankApiError, classifyBankError, findBankErrorRule, type BankErrorKind } from './errors';
export {
  bankRequestClaims,
  payloadMd5,
  signBankRequest,
  importBankSigningKey,
  EMPTY_BODY_FOR_SIGNING,
} from './signing';
export { redactBody } from './redact';
export * from './wire';
