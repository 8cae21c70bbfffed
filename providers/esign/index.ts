/** The e-signature identity API: client, signing, callback verification and the error table. */
export { EsignClient, ESIGN_PATHS, type EsignClientOptions, type StartFlowRequest } from './client';
export { EsignError, ESIGN_BUSINESS_CODES, type EsignErrorKind } from './errors';
export {
  contentMd5,
  signedResource,
  canonicalQuery,
  stringToSign,
  signString,
  ESIGN_ACCEPT,
  ESIGN_CONTENT_TYPE,
  ESIGN_REQUEST_HEADERS,
  ESIGN_TIMESTAMP_WINDOW_MS,
  type QueryParams,
} from './signing';
export {
  callbackSignedString,
  signCallback,
  verifyCallback,
  DEFAULT_CALLBACK_HEADERS,
  CALLBACK_SIGNATURE_ALGORITHM,
  type CallbackHeaderNames,
  type CallbackVerification,
} from './callback-signature';
