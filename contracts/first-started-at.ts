/**
 * `KycFirstStartedAt`: when a flow's first run started. Set once (at start, or by the workflow
 * when absent) and carried by continue-as-new, unlike the built-in `StartTime`, which each new run
 * resets; "waiting longer than N hours" filters read it. A Datetime, so it costs none of the
 * namespace's Keyword attribute slots. A time only: no personal data.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const FIRST_STARTED_AT_KEY = defineSearchAttributeKey('KycFirstStartedAt', SearchAttributeType.DATETIME);

/** The attribute pair for a first start at `at`. */
export function firstStartedAtAttribute(at: Date): SearchAttributePair {
  return { key: FIRST_STARTED_AT_KEY, value: at };
}
