/**
 * The identity-flow contract shared by the workflows, the activities, the callback receiver and
 * callers: ids, id policies, inputs (zod), the normalised outline, results, the query, the signal
 * and the search attribute. Pure: imports only zod and the Temporal workflow/common packages.
 * The zod-free half is `identity-flow-core.ts` (re-exported here), which the workflows import
 * with `identity-flow-checks.ts` (see checks.ts).
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import {
  CONTEXT_ID_MESSAGE,
  CONTEXT_ID_PATTERN,
  FLOW_ID_MESSAGE,
  FLOW_ID_PATTERN,
  FLOW_STATUSES,
  INTERVAL_ORDER_MESSAGE,
  OBJECT_TYPES,
  TRACKING_LIMITS as LIMITS,
  identityFlowWorkflowId,
} from './identity-flow-core';
import { validPersonalNumber } from './identifier-rules';
import { notPersonalDataShaped } from './identifiers';
import { notifyUrlSchema, type NotificationRecord } from './notification';

export * from './identity-flow-core';

// ---------------------------------------------------------------------------------------------
// Identifiers and workflow ids

/**
 * Provider flow ids are long digit strings; anything URL- and id-safe is accepted, except a value
 * that is a valid phone, CPF or resident ID number (it would become the workflow id
 * `identity-flow/<flowId>`, which is not encrypted). The message names the kind, never the value.
 */
export const flowIdSchema = z
  .string()
  .regex(FLOW_ID_PATTERN, { message: FLOW_ID_MESSAGE })
  .superRefine((value, context) => {
    const kind = validPersonalNumber(value, Date.now());
    if (kind) {
      context.addIssue({
        code: 'custom',
        message: `is a valid ${kind} number, not a provider flow id; personal data must not be part of a workflow id`,
      });
    }
  });

/** The caller's opaque request id for a new flow. Never a name, document or phone number. */
export const contextIdSchema = z
  .string()
  .regex(CONTEXT_ID_PATTERN, { message: CONTEXT_ID_MESSAGE })
  .pipe(notPersonalDataShaped);

/** The starter's id for a new flow: derived from the caller's contextId, so a repeated request attaches. */
export function identityFlowStarterWorkflowId(contextId: string): string {
  return `identity-flow-start/${contextId}`;
}

/**
 * Id policies for both workflows. A running workflow is attached to (USE_EXISTING); a finished one
 * is not started again (its result stands) unless it failed, e.g. on a configuration error that an
 * operator has since fixed.
 */
export const IDENTITY_FLOW_ID_POLICIES = {
  workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
} as const;

/** Start options of the tracking workflow for a known flow id: a repeated start attaches. */
export function identityFlowStartOptions(flowId: string, taskQueue: string) {
  return { workflowId: identityFlowWorkflowId(flowId), taskQueue, ...IDENTITY_FLOW_ID_POLICIES };
}

/** Start options of the starter for a new flow: a repeated request with the same contextId attaches. */
export function identityFlowStarterOptions(contextId: string, taskQueue: string) {
  return { workflowId: identityFlowStarterWorkflowId(contextId), taskQueue, ...IDENTITY_FLOW_ID_POLICIES };
}

// ---------------------------------------------------------------------------------------------
// The outline, normalised (what the provider module produces and the workflow keeps)

export const flowStatusSchema = z.enum(FLOW_STATUSES);

/** Sub-flow types and statuses are kept as the provider sends them: it adds types over time. */
export const subFlowSchema = z.object({
  subFlowId: z.string(),
  subFlowType: z.string(),
  status: z.string(),
});
export type SubFlow = z.infer<typeof subFlowSchema>;

export const relatedFlowSchema = z.object({
  flowId: z.string(),
  flowStatus: z.string(),
  objectType: z.string().nullable(),
  contextId: z.string().nullable(),
  failReason: z.string().nullable(),
  subFlows: z.array(subFlowSchema),
});
export type RelatedFlow = z.infer<typeof relatedFlowSchema>;

export const identityOutlineSchema = z.object({
  flowId: z.string(),
  flowStatus: flowStatusSchema,
  objectType: z.string().nullable(),
  contextId: z.string().nullable(),
  failReason: z.string().nullable(),
  createTime: z.number().nullable(),
  modifyTime: z.number().nullable(),
  subFlows: z.array(subFlowSchema),
  relatedFlows: z.array(relatedFlowSchema),
});
export type IdentityOutline = z.infer<typeof identityOutlineSchema>;

/** Provider answers that end polling without an outline (see providers/esign/errors.ts for the codes). */
export const FLOW_GONE_REASONS = ['NOT_FOUND', 'EXPIRED', 'ENDED', 'ATTEMPT_LIMIT'] as const;
export type FlowGoneReason = (typeof FLOW_GONE_REASONS)[number];

export type OutlineRead =
  | { kind: 'outline'; outline: IdentityOutline; checkedAt: number }
  | { kind: 'gone'; reason: FlowGoneReason; providerCode: number; providerMessage: string; checkedAt: number };

// ---------------------------------------------------------------------------------------------
// Policies

type Bound = { min: number; max: number; default: number };
const millis = (bound: Bound) => z.number().int().min(bound.min).max(bound.max).default(bound.default);
const coefficient = (bound: Bound) => z.number().min(bound.min).max(bound.max).default(bound.default);

/** How the poller spaces its reads while nothing changes. Milliseconds throughout, so tests can use tiny values. */
export const pollingPolicySchema = z
  .object({
    initialIntervalMs: millis(LIMITS.polling.initialIntervalMs),
    backoffCoefficient: coefficient(LIMITS.polling.backoffCoefficient),
    maxIntervalMs: millis(LIMITS.polling.maxIntervalMs),
    /** A poller silent this long is presumed dead and retried (resuming from its heartbeat). */
    heartbeatTimeoutMs: millis(LIMITS.polling.heartbeatTimeoutMs),
    /** The poller reports back at least this often even without a change, so `lastCheckedAt` stays fresh. */
    checkpointEveryMs: millis(LIMITS.polling.checkpointEveryMs),
  })
  .refine((policy) => policy.maxIntervalMs >= policy.initialIntervalMs, {
    message: INTERVAL_ORDER_MESSAGE,
    path: ['maxIntervalMs'],
  });
export type PollingPolicy = z.output<typeof pollingPolicySchema>;

/** Retries of failed provider calls (5xx, timeouts, 429, unreadable answers). */
export const providerRetrySchema = z
  .object({
    initialIntervalMs: millis(LIMITS.providerRetry.initialIntervalMs),
    backoffCoefficient: coefficient(LIMITS.providerRetry.backoffCoefficient),
    maxIntervalMs: millis(LIMITS.providerRetry.maxIntervalMs),
  })
  .refine((policy) => policy.maxIntervalMs >= policy.initialIntervalMs, {
    message: INTERVAL_ORDER_MESSAGE,
    path: ['maxIntervalMs'],
  });
export type ProviderRetryPolicy = z.output<typeof providerRetrySchema>;

/** The recommended defaults, for callers and docs. */
export const DEFAULT_POLLING_POLICY: PollingPolicy = pollingPolicySchema.parse({});
export const DEFAULT_PROVIDER_RETRY: ProviderRetryPolicy = providerRetrySchema.parse({});
export const DEFAULT_DEADLINE_MS = LIMITS.deadlineMs.default;
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = LIMITS.continueAsNewAfterEvents.default;

/** Options of the tracking run itself, shared by "track an existing flow" and "start a new flow". */
export const trackingOptionsSchema = z.object({
  polling: pollingPolicySchema.prefault({}),
  providerRetry: providerRetrySchema.prefault({}),
  /** Overall deadline from the first start; after it the result is EXPIRED (source `deadline`). */
  deadlineMs: millis(LIMITS.deadlineMs),
  /** Continue-as-new once history has this many events (or when the server suggests it). */
  continueAsNewAfterEvents: millis(LIMITS.continueAsNewAfterEvents),
  /** Where the completion notification goes (docs/notifications.md); default: the worker's KYC_NOTIFY_URL. */
  notifyUrl: notifyUrlSchema.optional(),
});
export type TrackingOptions = z.output<typeof trackingOptionsSchema>;

// ---------------------------------------------------------------------------------------------
// Results

export const identityFlowResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('SUCCESS'), flowId: z.string(), outline: identityOutlineSchema }),
  z.object({
    status: z.literal('FAIL'),
    flowId: z.string(),
    reason: z.string(),
    providerCode: z.number().nullable(),
    outline: identityOutlineSchema.nullable(),
  }),
  z.object({
    status: z.literal('NOT_FOUND'),
    flowId: z.string(),
    providerCode: z.number(),
    providerMessage: z.string(),
  }),
  z.object({
    status: z.literal('EXPIRED'),
    flowId: z.string(),
    /** `provider`: the platform says the flow expired; `deadline`: our own deadline passed first. */
    source: z.enum(['provider', 'deadline']),
    providerCode: z.number().nullable(),
    providerMessage: z.string().nullable(),
    outline: identityOutlineSchema.nullable(),
  }),
]);
/** The tracker's result; `notification`: its completion notification (docs/notifications.md). */
export type IdentityFlowResult = z.infer<typeof identityFlowResultSchema> & { notification?: NotificationRecord };
export type IdentityFlowResultStatus = IdentityFlowResult['status'];

// ---------------------------------------------------------------------------------------------
// Tracking workflow: input, carried state, query, signal

/** JSON-safe state carried through continue-as-new. */
export const trackingStateSchema = z.object({
  deadlineAt: z.number(),
  outline: identityOutlineSchema.nullable(),
  fingerprint: z.string().nullable(),
  lastCheckedAt: z.number().nullable(),
  lastChangedAt: z.number().nullable(),
  checks: z.number().int().nonnegative(),
  changes: z.number().int().nonnegative(),
  callbacks: z.number().int().nonnegative(),
  runs: z.number().int().positive(),
});
export type TrackingState = z.infer<typeof trackingStateSchema>;

export const trackIdentityFlowInputSchema = trackingOptionsSchema.extend({
  flowId: flowIdSchema,
  /** The user's link, when this workflow was started for a new flow (shown by the query). */
  authUrl: z.url().optional(),
  shortLink: z.url().optional(),
  /** Set only by continue-as-new. */
  resume: trackingStateSchema.optional(),
});
export type TrackIdentityFlowInput = z.input<typeof trackIdentityFlowInputSchema>;
export type ParsedTrackIdentityFlowInput = z.output<typeof trackIdentityFlowInputSchema>;

export interface IdentityFlowView {
  flowId: string;
  /** TRACKING while polling, DONE once `result` is set. */
  phase: 'TRACKING' | 'DONE';
  /** The latest outline seen (null before the first read answers). */
  outline: IdentityOutline | null;
  /** When the provider was last read, as reported by the poller (epoch ms). */
  lastCheckedAt: number | null;
  lastChangedAt: number | null;
  /** Provider reads so far, across runs; most never reach history. */
  checks: number;
  changes: number;
  callbacks: number;
  /** Which run of the continue-as-new chain answers (1 = the first). */
  run: number;
  deadlineAt: number;
  authUrl: string | null;
  shortLink: string | null;
  result: IdentityFlowResult | null;
}

/** What the callback receiver forwards: a hint only; the workflow confirms by reading the outline. */
export const callbackHintSchema = z.object({
  action: z.string().max(64).optional(),
  status: z.string().max(64).optional(),
  success: z.boolean().optional(),
  receivedAt: z.number().optional(),
});
export type CallbackHint = z.infer<typeof callbackHintSchema>;

// ---------------------------------------------------------------------------------------------
// Starter workflow (new flows)

export const startIdentityFlowInputSchema = trackingOptionsSchema.extend({
  contextId: contextIdSchema,
  objectType: z.enum(OBJECT_TYPES),
  /** Where the provider sends the user after the flow; no personal data is taken here (see docs). */
  redirectUrl: z.url().optional(),
});
export type StartIdentityFlowInput = z.input<typeof startIdentityFlowInputSchema>;

export interface StartedEsignFlow {
  flowId: string;
  authUrl: string;
  shortLink: string | null;
}

export interface StartedIdentityFlow extends StartedEsignFlow {
  /** The tracking workflow's id (derived from the flow id). */
  workflowId: string;
}

// ---------------------------------------------------------------------------------------------
// Poller activity contract

export interface WaitForOutlineChangeInput {
  flowId: string;
  /** Fingerprint of the outline the workflow already knows; null before the first read. */
  lastFingerprint: string | null;
  /** Read before the first wait (the default: at the start and after a callback); false after a change. */
  readImmediately?: boolean;
  polling: PollingPolicy;
  deadlineAt: number;
}

export interface WaitForOutlineChangeResult {
  read: OutlineRead;
  /** Provider reads made by this activity, all attempts included. */
  polls: number;
  reason: 'changed' | 'final' | 'gone' | 'deadline' | 'checkpoint';
}

/** Heartbeat details of the poller: a retried attempt resumes its backoff from here. */
export const pollerProgressSchema = z.object({
  polls: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
  lastPolledAt: z.number().nullable(),
});
export type PollerProgress = z.infer<typeof pollerProgressSchema>;

export interface StartEsignFlowRequest {
  objectType: 'INDIVIDUAL' | 'ORGANIZATION';
  contextId: string;
  redirectUrl?: string;
}

/** The activities the identity-flow workflows call; implemented by activities/identity-flow.ts. */
export interface IdentityFlowActivityContract {
  startEsignFlow(request: StartEsignFlowRequest): Promise<StartedEsignFlow>;
  readIdentityOutline(input: { flowId: string }): Promise<OutlineRead>;
  waitForOutlineChange(input: WaitForOutlineChangeInput): Promise<WaitForOutlineChangeResult>;
}

// ---------------------------------------------------------------------------------------------
// Failures and search attributes
