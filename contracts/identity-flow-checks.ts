/**
 * The identity-flow workflows' input checks, without zod (see checks.ts): the same fields,
 * bounds, defaults and messages as `trackIdentityFlowInputSchema` and `startIdentityFlowInputSchema`.
 */
import {
  array,
  nullable,
  number,
  object,
  oneOf,
  optional,
  pattern,
  prefault,
  string,
  url,
  withDefault,
  type Checker,
} from './checks';
import { NOT_PERSONAL_DATA_SHAPED } from './identifier-rules';
import { notifyUrlCheck } from './notification-checks';
import {
  CONTEXT_ID_MESSAGE,
  CONTEXT_ID_PATTERN,
  FLOW_ID_MESSAGE,
  FLOW_ID_PATTERN,
  FLOW_STATUSES,
  INTERVAL_ORDER_MESSAGE,
  OBJECT_TYPES,
  TRACKING_LIMITS as LIMITS,
} from './identity-flow-core';
import type { ParsedTrackIdentityFlowInput, StartIdentityFlowInput, TrackingOptions } from './identity-flow';

type Bound = { min: number; max: number; default: number };
const millis = (bound: Bound) => withDefault(number({ int: true, min: bound.min, max: bound.max }), bound.default);
const coefficient = (bound: Bound) => withDefault(number({ min: bound.min, max: bound.max }), bound.default);
const intervalsInOrder = (
  policy: { initialIntervalMs: number; maxIntervalMs: number },
  add: (field: string, message: string) => void,
) => {
  if (!(policy.maxIntervalMs >= policy.initialIntervalMs)) add('maxIntervalMs', INTERVAL_ORDER_MESSAGE);
};

const trackingOptionsShape = {
  polling: prefault(
    object(
      {
        initialIntervalMs: millis(LIMITS.polling.initialIntervalMs),
        backoffCoefficient: coefficient(LIMITS.polling.backoffCoefficient),
        maxIntervalMs: millis(LIMITS.polling.maxIntervalMs),
        heartbeatTimeoutMs: millis(LIMITS.polling.heartbeatTimeoutMs),
        checkpointEveryMs: millis(LIMITS.polling.checkpointEveryMs),
      },
      { refine: intervalsInOrder },
    ),
    {},
  ),
  providerRetry: prefault(
    object(
      {
        initialIntervalMs: millis(LIMITS.providerRetry.initialIntervalMs),
        backoffCoefficient: coefficient(LIMITS.providerRetry.backoffCoefficient),
        maxIntervalMs: millis(LIMITS.providerRetry.maxIntervalMs),
      },
      { refine: intervalsInOrder },
    ),
    {},
  ),
  deadlineMs: millis(LIMITS.deadlineMs),
  continueAsNewAfterEvents: millis(LIMITS.continueAsNewAfterEvents),
  notifyUrl: optional(notifyUrlCheck),
};

const subFlow = object({ subFlowId: string(), subFlowType: string(), status: string() });
const outline = object({
  flowId: string(),
  flowStatus: oneOf(FLOW_STATUSES),
  objectType: nullable(string()),
  contextId: nullable(string()),
  failReason: nullable(string()),
  createTime: nullable(number()),
  modifyTime: nullable(number()),
  subFlows: array(subFlow),
  relatedFlows: array(
    object({
      flowId: string(),
      flowStatus: string(),
      objectType: nullable(string()),
      contextId: nullable(string()),
      failReason: nullable(string()),
      subFlows: array(subFlow),
    }),
  ),
});

const trackingState = object({
  deadlineAt: number(),
  outline: nullable(outline),
  fingerprint: nullable(string()),
  lastCheckedAt: nullable(number()),
  lastChangedAt: nullable(number()),
  checks: number({ int: true, min: 0 }),
  changes: number({ int: true, min: 0 }),
  callbacks: number({ int: true, min: 0 }),
  runs: number({ int: true, gt: 0 }),
});

export const trackIdentityFlowInputCheck: Checker<ParsedTrackIdentityFlowInput> = object({
  ...trackingOptionsShape,
  flowId: string({ rules: [pattern(FLOW_ID_PATTERN, FLOW_ID_MESSAGE)] }),
  authUrl: optional(url()),
  shortLink: optional(url()),
  resume: optional(trackingState),
});

/** The starter's input after checking (policies filled in). */
export type ParsedStartIdentityFlowInput = Required<Pick<StartIdentityFlowInput, 'contextId' | 'objectType'>> &
  Pick<StartIdentityFlowInput, 'redirectUrl'> &
  TrackingOptions;

export const startIdentityFlowInputCheck: Checker<ParsedStartIdentityFlowInput> = object({
  ...trackingOptionsShape,
  contextId: string({ rules: [pattern(CONTEXT_ID_PATTERN, CONTEXT_ID_MESSAGE)], then: [NOT_PERSONAL_DATA_SHAPED] }),
  objectType: oneOf(OBJECT_TYPES),
  redirectUrl: optional(url()),
});
