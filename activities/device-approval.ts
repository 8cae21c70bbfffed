/**
 * The bank activities of the device approval. Thin: they call the provider client, turn its
 * classified errors into `ApplicationFailure`s (retryable or not, by the error table), and resolve
 * doubt by reading the device: a retried create or validate first asks the bank what the earlier
 * attempt did, so a device is never created twice and an accepted token is never counted wrong.
 */
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  BANK_FAILURE,
  type BankFailureDetails,
  type CreateDeviceOutcome,
  type BankFailureName,
  type DeviceApprovalActivities,
  type DeviceRef,
} from '../contracts/device-approval';
import {
  BankApiError,
  type BankDeviceClient,
  type BankErrorKind,
  type DeviceStatusResponse,
} from '../providers/bank-device';

/**
 * Every kind the error table yields, to the failure the workflow sees. Wrong token and OBD000099
 * are outcomes where they are expected (validate, resend); anywhere else they are a surprise.
 */
const FAILURE_BY_KIND: Record<BankErrorKind, BankFailureName> = {
  invalid_request: 'invalidRequest',
  account_refused: 'accountRefused',
  approver_refused: 'approverRefused',
  configuration: 'configuration',
  token_send_failed: 'tokenSendFailed',
  wrong_token: 'unknownError',
  token_attempts_exhausted: 'unknownError',
  device_not_found: 'deviceNotFound',
  rate_limited: 'rateLimited',
  unavailable: 'unavailable',
  unexpected_response: 'unexpectedResponse',
  unknown_error: 'unknownError',
};

export function bankFailureFor(kind: BankErrorKind): (typeof BANK_FAILURE)[BankFailureName] {
  return BANK_FAILURE[FAILURE_BY_KIND[kind]];
}

/** A `BankApiError` as the `ApplicationFailure` the retry policy and the workflow act on. */
export function toBankFailure(error: unknown): unknown {
  if (!(error instanceof BankApiError)) return error;
  const failure = bankFailureFor(error.kind);
  const details: BankFailureDetails = {
    code: error.details.code,
    httpStatus: error.details.httpStatus,
    rawBody: error.details.rawBody,
  };
  return ApplicationFailure.create({
    type: failure.type,
    message: error.message,
    nonRetryable: !failure.retryable,
    details: [details],
    // The bank's Retry-After (429 or 503), already capped by PROVIDER_MAX_RETRY_AFTER_MS: the retry
    // policy's maximum interval does not cap nextRetryDelay (temporalio/temporal#6063).
    nextRetryDelay: failure.retryable ? error.details.retryAfterMs : undefined,
  });
}

/** Converts and logs (type, code, status only: never bodies, which may hold personal data). */
function failed(error: unknown): unknown {
  const failure = toBankFailure(error);
  if (failure instanceof ApplicationFailure) {
    const [details] = (failure.details ?? []) as BankFailureDetails[];
    log.warn('bank call failed', { type: failure.type, code: details?.code, httpStatus: details?.httpStatus });
  }
  return failure;
}

function deactivatedFailure(): ApplicationFailure {
  return ApplicationFailure.create({
    type: BANK_FAILURE.deviceDeactivated.type,
    message: 'the device was deactivated at the bank',
    nonRetryable: true,
    details: [{} satisfies BankFailureDetails],
  });
}

export function createDeviceApprovalActivities(client: BankDeviceClient): DeviceApprovalActivities {
  /** After a failed attempt (timeout, crash, 5xx) the bank may have done the work: ask it first. */
  async function readDeviceIfRetrying(ref: DeviceRef): Promise<DeviceStatusResponse | undefined> {
    if (activityInfo().attempt <= 1) return undefined;
    try {
      return await client.getDevice(ref.accountKey, ref.deviceKey);
    } catch (error) {
      if (error instanceof BankApiError && error.kind === 'device_not_found') return undefined;
      throw failed(error);
    }
  }

  return {
    async bankCreateDevice(request) {
      const foundExisting = (existing: DeviceStatusResponse): CreateDeviceOutcome => {
        if (existing.status === 'deactivated') throw deactivatedFailure();
        log.info('device already at the bank from an earlier attempt; not creating it again');
        return {
          deviceStatus: existing.status === 'registered' ? 'created' : 'pending_2fa_approval',
          foundExisting: true,
        };
      };
      const existing = await readDeviceIfRetrying(request);
      if (existing) return foundExisting(existing);
      try {
        const response = await client.createDevice(request.accountKey, {
          device_key: request.deviceKey,
          session_id: request.sessionId,
          tfa_info: {
            approver_document_number: request.approverCpf,
            contact_type: request.contactType,
            ...(request.imageKey === undefined ? {} : { image_key: request.imageKey }),
          },
        });
        return { deviceStatus: response.device_status, foundExisting: false };
      } catch (error) {
        // The read above cannot see an earlier attempt the bank is still processing (its caller
        // timed out; the bank goes on): that attempt may create the device between our read and
        // this create, which the bank then refuses as a duplicate. A refused retry reads again
        // before failing the approval (found by npm run chaos: such approvals ended REJECTED).
        if (error instanceof BankApiError && activityInfo().attempt > 1) {
          // A read that fails too leaves the outcome unknown: its (retryable) failure is thrown,
          // not the refusal, so the next attempt reads again instead of rejecting the approval.
          const createdMeanwhile = await readDeviceIfRetrying(request);
          if (createdMeanwhile) return foundExisting(createdMeanwhile);
        }
        throw failed(error);
      }
    },

    async bankValidateToken({ accountKey, deviceKey, token }) {
      const existing = await readDeviceIfRetrying({ accountKey, deviceKey });
      if (existing?.status === 'registered') {
        log.info('device already approved by an earlier attempt; token not sent again');
        return { outcome: 'accepted', foundApproved: true };
      }
      if (existing?.status === 'deactivated') throw deactivatedFailure();
      try {
        await client.validateToken(accountKey, deviceKey, token);
        return { outcome: 'accepted', foundApproved: false };
      } catch (error) {
        if (error instanceof BankApiError && error.kind === 'wrong_token') {
          return { outcome: 'wrong', code: error.details.code ?? '' };
        }
        if (error instanceof BankApiError && error.kind === 'token_attempts_exhausted') {
          return { outcome: 'locked', code: error.details.code ?? '' };
        }
        throw failed(error);
      }
    },

    async bankResendToken({ accountKey, deviceKey, contactType }) {
      try {
        await client.resendToken(accountKey, deviceKey, contactType);
        return { outcome: 'sent' };
      } catch (error) {
        if (error instanceof BankApiError && error.kind === 'token_attempts_exhausted') {
          return { outcome: 'locked', code: error.details.code ?? '' };
        }
        throw failed(error);
      }
    },

    async bankDisableDevice({ accountKey, deviceKey }) {
      try {
        await client.disableDevice(accountKey, deviceKey);
        return { outcome: 'disabled' };
      } catch (error) {
        if (error instanceof BankApiError && error.kind === 'device_not_found') return { outcome: 'not_found' };
        throw failed(error);
      }
    },
  };
}
