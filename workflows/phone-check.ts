/**
 * The phone three-factor check: validate, make one gateway call (retried only while the gateway
 * has not given a final answer), record the outcome as a search attribute, return the result.
 *
 * The input holds personal data; it stays in this workflow's history (until payloads are
 * encrypted) and is never logged, put in the workflow id or in a search attribute.
 */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PhoneCheckActivities } from '../activities';
import {
  PHONE_GATEWAY_FAILURE,
  PHONE_GATEWAY_RETRYABLE_FAILURES,
  PhoneCheckOutcomeKey,
  phoneCheckInputSchema,
  phoneGatewayTaskQueue,
  type PhoneCheckInput,
  type PhoneCheckOutcomeAttribute,
  type PhoneCheckParsedInput,
  type PhoneCheckResult,
} from '../contracts/phone-check';
import { INVALID_INPUT_FAILURE, parseInputOrFail } from '../contracts/validation';

/** Longer than any sensible PROVIDER_TIMEOUT_MS, so the client's own timeout is what normally fires. */
const CALL_TIMEOUT = '30 seconds';

/** Every failure type that must end the check at once (the activity marks them too; this is the backstop). */
const NON_RETRYABLE_TYPES = [
  INVALID_INPUT_FAILURE,
  ...Object.values(PHONE_GATEWAY_FAILURE).filter((type) => !PHONE_GATEWAY_RETRYABLE_FAILURES.has(type)),
];

function recordOutcome(value: PhoneCheckOutcomeAttribute): void {
  upsertSearchAttributes([{ key: PhoneCheckOutcomeKey, value }]);
}

/** Bad input ends the check before any gateway call, as a non-retryable `InvalidInput` naming the field. */
function parseOrReject(input: PhoneCheckInput): PhoneCheckParsedInput {
  try {
    return parseInputOrFail(phoneCheckInputSchema, input, 'phone check input');
  } catch (error) {
    recordOutcome('INPUT_REJECTED');
    throw error;
  }
}

export async function phoneCheckWorkflow(input: PhoneCheckInput): Promise<PhoneCheckResult> {
  const { retry, ...factors } = parseOrReject(input);

  const { checkPhoneThreeFactors } = proxyActivities<PhoneCheckActivities>({
    // The worker rate-limits this queue to the gateway's allowed rate.
    taskQueue: phoneGatewayTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: CALL_TIMEOUT,
    retry: {
      initialInterval: retry.initialIntervalMs,
      maximumInterval: Math.max(retry.maximumIntervalMs, retry.initialIntervalMs),
      backoffCoefficient: 2,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });

  try {
    const result = await checkPhoneThreeFactors(factors);
    recordOutcome(result.outcome);
    return result;
  } catch (error) {
    recordOutcome('FAILED');
    throw error;
  }
}
