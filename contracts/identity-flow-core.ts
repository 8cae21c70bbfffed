/**
 * The zod-free half of the identity-flow contract: what the workflow bundle needs at run time
 * (ids, statuses, the change fingerprint, failure types, the query, the signal, the search
 * attribute, policy bounds). `identity-flow.ts` re-exports it next to the callers' zod schemas;
 * the workflows import this module so zod is never evaluated per cached workflow (see checks.ts).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
// Type-only: erased at build time, so the zod module is never part of the workflow bundle.
import type { CallbackHint, IdentityFlowView } from './identity-flow';

/** The tracking workflow's id: derived from the flow id, so callbacks find it and a repeated start attaches. */
export function identityFlowWorkflowId(flowId: string): string {
  return `identity-flow/${flowId}`;
}

/** The Temporal UI summary of a tracking workflow (user metadata); the client and the starter both use it. */
export function identityFlowTrackingSummary(flowId: string): string {
  return `Track identity flow ${flowId} until it succeeds, fails or expires`;
}

export const FLOW_STATUSES = ['INIT', 'ING', 'SUCCESS', 'FAIL'] as const;
export type FlowStatus = (typeof FLOW_STATUSES)[number];

export function isFinalFlowStatus(status: FlowStatus): status is 'SUCCESS' | 'FAIL' {
  return status === 'SUCCESS' || status === 'FAIL';
}

/** What the fingerprint reads of an outline (the parsed `IdentityOutline` has these fields and more). */
interface FingerprintedFlow {
  flowStatus: string;
  failReason: string | null;
  subFlows: ReadonlyArray<{ subFlowId: string; subFlowType: string; status: string }>;
}

/**
 * What counts as a change: status, fail reason, sub-flows and related flows, order-insensitive.
 * Timestamps are left out so a provider touching `modifyTime` alone does not grow history.
 */
export function outlineFingerprint<
  O extends FingerprintedFlow & { relatedFlows: ReadonlyArray<FingerprintedFlow & { flowId: string }> },
>(outline: O): string {
  const subFlows = (flows: FingerprintedFlow['subFlows']) =>
    [...flows]
      .sort((a, b) => a.subFlowId.localeCompare(b.subFlowId))
      .map((flow) => [flow.subFlowId, flow.subFlowType, flow.status]);
  const related = [...outline.relatedFlows]
    .sort((a, b) => a.flowId.localeCompare(b.flowId))
    .map((flow) => [flow.flowId, flow.flowStatus, flow.failReason, subFlows(flow.subFlows)]);
  return JSON.stringify([outline.flowStatus, outline.failReason, subFlows(outline.subFlows), related]);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Bounds and defaults of the tracking options (milliseconds; see `trackingOptionsSchema`). */
export const TRACKING_LIMITS = {
  polling: {
    initialIntervalMs: { min: 1, max: DAY_MS, default: 5_000 },
    backoffCoefficient: { min: 1, max: 10, default: 1.5 },
    maxIntervalMs: { min: 1, max: DAY_MS, default: 5 * 60_000 },
    heartbeatTimeoutMs: { min: 200, max: 10 * 60_000, default: 30_000 },
    checkpointEveryMs: { min: 1, max: 30 * DAY_MS, default: 60 * 60_000 },
  },
  providerRetry: {
    initialIntervalMs: { min: 1, max: DAY_MS, default: 1_000 },
    backoffCoefficient: { min: 1, max: 10, default: 2 },
    maxIntervalMs: { min: 1, max: DAY_MS, default: 60_000 },
  },
  deadlineMs: { min: 1, max: 365 * DAY_MS, default: 7 * DAY_MS },
  continueAsNewAfterEvents: { min: 20, max: 40_000, default: 2_000 },
} as const;

export const INTERVAL_ORDER_MESSAGE = 'must not be smaller than initialIntervalMs';

export const FLOW_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const FLOW_ID_MESSAGE = 'must be 1-64 letters, digits, "_" or "-" (a provider flow id)';
export const CONTEXT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const CONTEXT_ID_MESSAGE = 'must be an opaque id of 1-64 letters, digits, ".", "_", ":" or "-"';
export const OBJECT_TYPES = ['INDIVIDUAL', 'ORGANIZATION'] as const;

export const identityFlowOutlineQuery = defineQuery<IdentityFlowView>('outline');

export const callbackReceivedSignal = defineSignal<[CallbackHint]>('callbackReceived');

/** ApplicationFailure types raised by the activities; configuration and contract errors never retry. */
export const ESIGN_FAILURE_TYPES = {
  configuration: 'EsignConfigurationError',
  rejected: 'EsignRequestRejected',
  invalidResponse: 'EsignInvalidResponse',
  transient: 'EsignTransientError',
} as const;

export const NON_RETRYABLE_ESIGN_FAILURES: string[] = [
  ESIGN_FAILURE_TYPES.configuration,
  ESIGN_FAILURE_TYPES.rejected,
  ESIGN_FAILURE_TYPES.invalidResponse,
];

/** The flow's status for list filters: INIT, ING, SUCCESS, FAIL, NOT_FOUND, EXPIRED, or ERROR (workflow failed). */
export const IDENTITY_FLOW_STATUS_KEY = defineSearchAttributeKey('IdentityFlowStatus', SearchAttributeType.KEYWORD);

export const IDENTITY_FLOW_SEARCH_ATTRIBUTES: ReadonlyArray<SearchAttributePair['key']> = [IDENTITY_FLOW_STATUS_KEY];
