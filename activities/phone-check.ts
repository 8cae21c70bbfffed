/**
 * The phone check's one activity: a single gateway call. Final answers (billed or not) return as
 * results and are never thrown, so Temporal never repeats a billed call; everything else becomes
 * an `ApplicationFailure` whose type and retryability come from the gateway's error table.
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import {
  PHONE_GATEWAY_FAILURE,
  phoneFactorsSchema,
  type PhoneCheckResult,
  type PhoneFactors,
} from '../contracts/phone-check';
import { parseInputOrFail } from '../contracts/validation';
import { PhoneGatewayError, type PhoneGatewayClient } from '../providers/phone-gateway';
import type { GatewaySlotWait } from './phone-gateway-slots';

/** Waiting is the expected answer to these: keep them out of error logs and metrics. */
const BENIGN_FAILURES: ReadonlySet<string> = new Set([PHONE_GATEWAY_FAILURE.busy, PHONE_GATEWAY_FAILURE.rateLimited]);

export function toApplicationFailure(error: PhoneGatewayError): ApplicationFailure {
  return ApplicationFailure.create({
    type: error.failureType,
    message: error.message,
    nonRetryable: !error.retryable,
    details: [error.details],
    ...(error.retryAfterMs ? { nextRetryDelay: error.retryAfterMs } : {}),
    ...(BENIGN_FAILURES.has(error.failureType) ? { category: ApplicationFailureCategory.BENIGN } : {}),
  });
}

/** `waitForSlot` (activities/phone-gateway-slots.ts) holds each call until the account's send schedule allows it. */
export function createPhoneCheckActivities(client: PhoneGatewayClient, waitForSlot: GatewaySlotWait) {
  return {
    async checkPhoneThreeFactors(factors: PhoneFactors): Promise<PhoneCheckResult> {
      const checked = parseInputOrFail(phoneFactorsSchema, factors, 'phone check factors');
      const { attempt } = Context.current().info;
      const { slotsGivenUp } = await waitForSlot();
      if (slotsGivenUp > 0) log.info('phone gateway slots given up after a late wake-up', { slotsGivenUp });
      try {
        const result = await client.verify(checked, { signal: Context.current().cancellationSignal });
        log.info('phone gateway answered', {
          outcome: result.outcome,
          resultCode: result.resultCode,
          requestId: result.requestId,
          traceNo: result.traceNo,
          attempt,
        });
        return result;
      } catch (caught) {
        // The worker stopping before the answer (KYC_SHUTDOWN_GRACE_TIME ran out) aborts a call in
        // flight: the gateway may have answered and billed it. Reported as a cancellation, Temporal
        // would retry it uncounted; it is an unanswered call, like a dropped connection, which the
        // check counts and its unansweredCall policy decides on (found by a fresh user's test).
        const error =
          !(caught instanceof PhoneGatewayError) && Context.current().cancellationDetails?.workerShutdown
            ? new PhoneGatewayError(
                PHONE_GATEWAY_FAILURE.timeout,
                'phone gateway: the worker stopped before the answer (KYC_SHUTDOWN_GRACE_TIME ran out); the call may have been answered and billed',
              )
            : caught;
        if (!(error instanceof PhoneGatewayError)) throw error;
        log.warn('phone gateway call failed', {
          failureType: error.failureType,
          retryable: error.retryable,
          attempt,
          ...error.details,
        });
        throw toApplicationFailure(error);
      }
    },
  };
}
