/** The phone three-factor gateway (README section 3): client, wire contract and tables. */
export { PhoneGatewayClient, buildGatewayRequest, type VerifyOptions } from './client';
export { PhoneGatewayError, errcodeMeaning, httpStatusMeaning } from './errors';
export { interpretGatewayAnswer, carrierOf, type GatewayHttpAnswer } from './interpret';
export { createRedactor, bodyExcerpt, type Redactor } from './redact';
export { RESULT_CODES, BILLED_RESULT_CODES, resultCodeMeaning, type ResultCodeMeaning } from './result-codes';
export {
  PHONE_VERIFICATION_PATH,
  PHONE_VERIFICATION_BUSCODE,
  REAL_NAME_GROUP,
  gatewayRequestSchema,
  gatewayEnvelopeSchema,
  gatewayVerificationSchema,
  type GatewayRequest,
} from './wire';
