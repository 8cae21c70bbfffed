/**
 * Bulk actions over a listed set of workflows: one action per workflow, sent one at a time at a
 * bounded rate (so a bulk cancel cannot flood the bank: each device cancel disables a device),
 * with a progress callback and a summary. Each action is idempotent per workflow: device cancels
 * carry a request id derived from the workflow id and the reason (`bulkRequestId`), so running
 * the same bulk command again hands back the first outcome instead of acting twice.
 */
import { createHash } from 'node:crypto';

/** What one action did: acted now, found the workflow already ended, or failed (with why). */
export type BulkOutcome = 'done' | 'alreadyEnded' | 'failed';

export interface BulkItemResult {
  workflowId: string;
  outcome: BulkOutcome;
  /** For `alreadyEnded`, the status it ended with; for `failed`, the error message. */
  detail?: string;
}

export interface BulkSummary {
  total: number;
  done: number;
  alreadyEnded: number;
  failed: number;
  results: BulkItemResult[];
}

export interface BulkOptions {
  /** Actions started per second at most; 5 by default. */
  ratePerSecond?: number;
  /** Called after each workflow with the running totals. */
  onProgress?: (summary: BulkSummary, last: BulkItemResult) => void;
}

export const DEFAULT_BULK_RATE_PER_SECOND = 5;

/**
 * A request id for one workflow of a bulk action: the same workflow and reason give the same id
 * (so a re-run is deduplicated by the server), letters only so it can never look like a CPF or
 * phone number (request ids are checked for that).
 */
export function bulkRequestId(workflowId: string, reason: string): string {
  const hex = createHash('sha256').update(`${workflowId}\n${reason}`).digest('hex').slice(0, 32);
  return `bulk-${[...hex].map((nibble) => String.fromCharCode(97 + parseInt(nibble, 16))).join('')}`;
}

/** Runs `act` for each workflow id in order, at most `ratePerSecond` per second; never throws for one item. */
export async function runBulk(
  workflowIds: readonly string[],
  act: (workflowId: string) => Promise<Omit<BulkItemResult, 'workflowId'>>,
  options: BulkOptions = {},
): Promise<BulkSummary> {
  const rate = options.ratePerSecond ?? DEFAULT_BULK_RATE_PER_SECOND;
  if (!(rate > 0)) throw new Error('ratePerSecond must be positive');
  const spacingMs = 1000 / rate;
  const summary: BulkSummary = { total: workflowIds.length, done: 0, alreadyEnded: 0, failed: 0, results: [] };
  let nextStartMs = Date.now();
  for (const workflowId of workflowIds) {
    const wait = nextStartMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    nextStartMs = Math.max(nextStartMs, Date.now()) + spacingMs;
    let result: BulkItemResult;
    try {
      result = { workflowId, ...(await act(workflowId)) };
    } catch (error) {
      result = { workflowId, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    summary[result.outcome] += 1;
    summary.results.push(result);
    options.onProgress?.(summary, result);
  }
  return summary;
}
