/**
 * Typed client library of the KYC workflows. Start here:
 *
 *   const kyc = await KycClient.connect();            // TEMPORAL_ADDRESS / _NAMESPACE, KYC_TASK_QUEUE
 *   const { handle } = await kyc.deviceApprovals.start(input);
 *   await handle.submitToken('A1B2C3', { requestId });
 *
 * See docs/client.md.
 */
export { KycClient, type ConnectOptions } from './kyc-client';
export {
  NotificationVerificationError,
  verifyNotification,
  type CompletionEvent,
  type DeliveryState,
  type NotificationHeaders,
  type NotificationRecord,
} from './notifications';
export {
  AlreadyFinishedError,
  FlowFailedError,
  FlowNotFoundError,
  KycClientError,
  NamespaceNotSetUpError,
  ReadAfterStartError,
  ResultUnreadableError,
  TemporalConnectionError,
  UpdateRefusedError,
  type KycErrorKind,
} from './errors';
export { InvalidInputError, type FieldIssue } from '../contracts/validation';
export { ConfigError, loadLookupKeys, type LookupKey, type TemporalConfig } from '../common/config';
// The kyc CLI's settings rule (options, environment, profile and its key file), for code that wants it.
export { withLocalSettings, type LocalSettings } from '../common/local-profile';
export {
  DeviceApprovalHandle,
  DeviceApprovals,
  parseDeviceRef,
  type DeviceApprovalListFilter,
  type DeviceApprovalListItem,
  type DeviceRef,
  type StartedApproval,
} from './device-approval';
export {
  IDENTITY_FLOW_STATUS_VALUES,
  IdentityFlowHandle,
  IdentityFlows,
  parseFlowRef,
  type IdentityFlowListFilter,
  type IdentityFlowListItem,
  type IdentityFlowStatusValue,
  type StartedIdentity,
  type StopOutcome,
} from './identity-flow';
export {
  PHONE_CHECK_OUTCOME_VALUES,
  PhoneChecks,
  type PhoneCheckListFilter,
  type PhoneCheckListItem,
  type PhoneCheckRun,
  type PhoneCheckStatus,
} from './phone-check';
export { newRequestId, requestIdSchema, type RequestOptions } from './request-ids';
export type { StartOutcome } from './starting';
export type { ListedExecution } from './listing';
export { watchWorkflow, type WatchOptions, type WatchSource } from './watch';
export { normalisePersonNumber, personLookupHashes, type PersonNumber } from './person-lookup';
export * as visibility from './visibility';
export {
  DEFAULT_BULK_RATE_PER_SECOND,
  bulkRequestId,
  runBulk,
  type BulkItemResult,
  type BulkOptions,
  type BulkOutcome,
  type BulkSummary,
} from './bulk';
// The flows' inputs and answers, so callers type their code against the package's entry point
// (the installable package, packages/client, exposes no deep paths).
export type {
  CancelResult,
  ContactType,
  DeviceApprovalInput,
  DeviceApprovalState,
  DeviceApprovalStatus,
  ResendTokenResult,
  SubmitTokenResult,
  TokenContactType,
} from '../contracts/device-approval';
export type {
  FlowStatus,
  IdentityFlowResult,
  IdentityFlowView,
  StartIdentityFlowInput,
  TrackIdentityFlowInput,
} from '../contracts/identity-flow';
export type { PhoneCheckInput, PhoneCheckOutcome, PhoneCheckResult } from '../contracts/phone-check';
// Tracing (OpenTelemetry, OTEL_* variables): `interceptors: [startTracing(config).clientInterceptor()]` in `connect`.
export { loadTracingConfig, startTracing, type Tracing, type TracingConfig } from '../common/tracing';
