/**
 * The project's own metrics: one catalog of names, kinds and labels, shared by the code that
 * records them (providers/http.ts through common/metrics.ts, the workflows, the callback
 * receiver), docs/observability.md and the sample Grafana dashboard (a unit test keeps the three
 * in step). Pure data, so the workflow bundle can load it.
 *
 * They are recorded through the Temporal SDK's metric meter, so they come out of the worker's one
 * Prometheus endpoint next to the SDK's own `temporal_*` metrics. The meter adds its context's
 * tags (`contextTags`).
 *
 * Label values are closed sets (provider, route template, status code, state): never a workflow
 * id, account key, phone, CPF or any other value that names a person or grows without bound.
 */

export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'histogram';
  /** Unit of a histogram's values. */
  unit?: 'ms';
  description: string;
  /** The labels this project sets. */
  labels: readonly string[];
  /**
   * The tags the SDK's meter adds from where the metric is recorded, named as the TypeScript SDK
   * names them (camelCase; its built-in `temporal_*` metrics use `task_queue`, `workflow_type`).
   */
  contextTags: readonly string[];
}

const ACTIVITY_TAGS = ['namespace', 'taskQueue', 'activityType'] as const;
const WORKFLOW_TAGS = ['namespace', 'taskQueue', 'workflowType'] as const;

export const PROVIDER_CALLS_METRIC = {
  name: 'kyc_provider_calls_total',
  kind: 'counter',
  description: 'Provider HTTP calls, by provider, operation and outcome',
  labels: ['provider', 'operation', 'outcome', 'status_code'],
  contextTags: ACTIVITY_TAGS,
} as const satisfies MetricDefinition;

export const PROVIDER_CALL_DURATION_METRIC = {
  name: 'kyc_provider_call_duration',
  kind: 'histogram',
  unit: 'ms',
  description: 'Provider HTTP call duration in milliseconds, headers and body',
  labels: ['provider', 'operation', 'outcome'],
  contextTags: ACTIVITY_TAGS,
} as const satisfies MetricDefinition;

export const FLOWS_COMPLETED_METRIC = {
  name: 'kyc_flows_completed_total',
  kind: 'counter',
  description: 'Flows that ended, by final state (continue-as-new is not an end)',
  labels: ['state'],
  contextTags: WORKFLOW_TAGS,
} as const satisfies MetricDefinition;

export const TOKEN_ATTEMPTS_METRIC = {
  name: 'kyc_token_attempts_total',
  kind: 'counter',
  description: 'Device-approval tokens submitted, by outcome',
  labels: ['outcome'],
  contextTags: WORKFLOW_TAGS,
} as const satisfies MetricDefinition;

export const CALLBACKS_METRIC = {
  name: 'kyc_callbacks_total',
  kind: 'counter',
  description: 'E-signature callbacks received, accepted or refused, by result',
  labels: ['result'],
  /** Recorded by the callback receiver, outside any workflow or activity. */
  contextTags: [],
} as const satisfies MetricDefinition;

export const KYC_METRICS: readonly MetricDefinition[] = [
  PROVIDER_CALLS_METRIC,
  PROVIDER_CALL_DURATION_METRIC,
  FLOWS_COMPLETED_METRIC,
  TOKEN_ATTEMPTS_METRIC,
  CALLBACKS_METRIC,
];

/** `provider` label values: one per provider module. */
export type ProviderLabel = 'bank' | 'esign' | 'phone_gateway' | 'notification_receiver';

/**
 * `outcome` of a provider call: `answered` (any status but 3xx; `status_code` says which),
 * or why there is no answer: `timeout`, `network`, `redirect` (3xx, never followed), `cancelled`
 * (the activity was cancelled), `error` (anything else, e.g. a request fetch refused to send).
 */
export type ProviderCallOutcome = 'answered' | 'timeout' | 'network' | 'redirect' | 'cancelled' | 'error';

/** `outcome` of a token attempt: the update's answer, or `not_checked` when it threw (bank down, refused, cancelled). */
export type TokenAttemptOutcome = 'accepted' | 'wrong' | 'locked' | 'not_checked';

/** `result` of a callback: signalled, a duplicate delivery, or why it was refused (HTTP 401 / 400 / 413). */
export const CALLBACK_RESULTS = [
  'accepted',
  'duplicate',
  'refused_signature',
  'refused_not_json',
  'refused_invalid',
  'refused_too_large',
] as const;
export type CallbackResult = (typeof CALLBACK_RESULTS)[number];
