/**
 * The workflows' own metrics (contracts/metrics.ts), through the workflow SDK's metric meter: it
 * tags them with `namespace`, `task_queue` and `workflow_type`, and records nothing while a
 * workflow replays, so a count is made once per real event whatever the cache evictions and
 * worker restarts. Recording is not a command: adding it changes no history.
 */
import { ContinueAsNew, isCancellation, metricMeter } from '@temporalio/workflow';
import { FLOWS_COMPLETED_METRIC, TOKEN_ATTEMPTS_METRIC, type TokenAttemptOutcome } from '../contracts/metrics';

/**
 * Runs a workflow's body and counts how it ended in `kyc_flows_completed_total{state}`: the
 * result's state (`stateOf`), `CANCELLED` for a workflow that ends Canceled, `FAILED` for any
 * other failure. Continue-as-new is not an end and is not counted.
 */
export async function countFlowEnd<T>(run: () => Promise<T>, stateOf: (result: T) => string): Promise<T> {
  const counter = metricMeter.createCounter(FLOWS_COMPLETED_METRIC.name, undefined, FLOWS_COMPLETED_METRIC.description);
  try {
    const result = await run();
    counter.add(1, { state: stateOf(result) });
    return result;
  } catch (error) {
    if (!(error instanceof ContinueAsNew)) counter.add(1, { state: isCancellation(error) ? 'CANCELLED' : 'FAILED' });
    throw error;
  }
}

/** Counts one submitted token in `kyc_token_attempts_total{outcome}`: its answer, or `not_checked` when it threw. */
export async function countTokenAttempt<T extends { outcome: Exclude<TokenAttemptOutcome, 'not_checked'> }>(
  attempt: Promise<T>,
): Promise<T> {
  const counter = metricMeter.createCounter(TOKEN_ATTEMPTS_METRIC.name, undefined, TOKEN_ATTEMPTS_METRIC.description);
  try {
    const result = await attempt;
    counter.add(1, { outcome: result.outcome });
    return result;
  } catch (error) {
    counter.add(1, { outcome: 'not_checked' });
    throw error;
  }
}
