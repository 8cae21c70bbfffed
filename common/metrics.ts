/**
 * Records the project's metrics (contracts/metrics.ts) through the Temporal SDK's metric meter,
 * so they are exported with the SDK's own on the worker's Prometheus endpoint (worker/main.ts,
 * KYC_METRICS_ADDRESS).
 *
 * Provider calls are recorded with the current activity's meter, which tags them with
 * `namespace`, `task_queue` and `activity_type`; outside an activity (a script, a unit test)
 * nothing is recorded. The callback receiver runs outside any activity and is given the
 * runtime's meter.
 */
import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import {
  CALLBACK_RESULTS,
  CALLBACKS_METRIC,
  PROVIDER_CALL_DURATION_METRIC,
  PROVIDER_CALLS_METRIC,
  type CallbackResult,
  type ProviderCallOutcome,
  type ProviderLabel,
} from '../contracts/metrics';

/** One finished provider call, as providers/http.ts saw it on the wire. */
export interface ProviderCallRecord {
  provider: ProviderLabel;
  /** The call's route template or name (e.g. `POST /account/{account_key}/device`): never a real path. */
  operation: string;
  outcome: ProviderCallOutcome;
  /** The HTTP status, when the provider answered. */
  statusCode?: number;
  durationMs: number;
}

/** The running activity's meter, or undefined outside an activity. */
function activityMeter(): MetricMeter | undefined {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}

/** Counts a provider call and records its duration (no-op outside an activity). */
export function recordProviderCall(record: ProviderCallRecord, meter: MetricMeter | undefined = activityMeter()): void {
  if (!meter) return;
  const labels = { provider: record.provider, operation: record.operation, outcome: record.outcome };
  try {
    meter
      .createCounter(PROVIDER_CALLS_METRIC.name, undefined, PROVIDER_CALLS_METRIC.description)
      .add(1, { ...labels, status_code: record.statusCode === undefined ? 'none' : String(record.statusCode) });
    meter
      .createHistogram(
        PROVIDER_CALL_DURATION_METRIC.name,
        'int',
        PROVIDER_CALL_DURATION_METRIC.unit,
        PROVIDER_CALL_DURATION_METRIC.description,
      )
      .record(Math.max(0, Math.round(record.durationMs)), labels);
  } catch {
    // A metric must never change the call's result (this runs in providerFetch's `finally`).
  }
}

/**
 * Counts e-signature callbacks by result; `meter` undefined records nothing. Every result's series
 * is there from the start at 0, so `/metrics` shows them before the first callback and a rate or
 * an alert over them has data from the first scrape (a series that appears later loses its first
 * increase to `rate()`).
 */
export function callbackCounter(meter: MetricMeter | undefined): (result: CallbackResult) => void {
  if (!meter) return () => undefined;
  const counter = meter.createCounter(CALLBACKS_METRIC.name, undefined, CALLBACKS_METRIC.description);
  for (const result of CALLBACK_RESULTS) counter.add(0, { result });
  return (result) => counter.add(1, { result });
}
