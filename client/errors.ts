/**
 * Errors a caller can act on, as classes rather than strings. Every message is free of personal
 * data: it names workflow ids (built from opaque keys), failure types and the workflow's own
 * refusal reasons, never an input value.
 *
 * `InvalidInputError` (contracts/validation.ts) and `ConfigError` (common/config.ts) are the two
 * errors raised before anything reaches Temporal; they are re-exported from the library's entry.
 */

/** What kind of problem it is: the CLI maps each kind to its own exit code. */
export type KycErrorKind = 'not-found' | 'refused' | 'already-finished' | 'failed' | 'connection';

export abstract class KycClientError extends Error {
  abstract readonly kind: KycErrorKind;
}

/** No workflow run with this id exists (or it was removed by the namespace's retention). */
export class FlowNotFoundError extends KycClientError {
  override readonly name = 'FlowNotFoundError';
  readonly kind = 'not-found';
  constructor(readonly workflowId: string) {
    super(`no workflow ${workflowId} was found`);
  }
}

/**
 * The workflow refused an update: its validator threw (nothing was recorded in history) or its
 * handler refused (e.g. the bank was unreachable). `failureType` is the workflow's failure type
 * (`InvalidState`, `ResendCooldown`, `InvalidInput`, ...), `reason` its message.
 */
export class UpdateRefusedError extends KycClientError {
  override readonly name = 'UpdateRefusedError';
  readonly kind = 'refused';
  constructor(
    readonly workflowId: string,
    readonly update: string,
    readonly failureType: string,
    readonly reason: string,
  ) {
    super(`${update} refused by ${workflowId} (${failureType}): ${reason}`);
  }
}

/**
 * The workflow has already finished: an update can no longer reach it, or a start is refused
 * because a completed run under the same id must not be repeated. `status` is Temporal's
 * execution status (COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT).
 */
export class AlreadyFinishedError extends KycClientError {
  override readonly name = 'AlreadyFinishedError';
  readonly kind = 'already-finished';
  constructor(
    readonly workflowId: string,
    readonly status: string,
    readonly operation: string,
  ) {
    super(`${operation} refused: workflow ${workflowId} already finished (${status})`);
  }
}

/** The workflow itself ended without a result: failed, was terminated, cancelled or timed out. */
export class FlowFailedError extends KycClientError {
  override readonly name = 'FlowFailedError';
  readonly kind = 'failed';
  constructor(
    readonly workflowId: string,
    /** The failure type at the root of the chain, e.g. `InvalidInput` or `PhoneGatewayAuthRejected`. */
    readonly failureType: string,
    readonly reason: string,
  ) {
    super(`workflow ${workflowId} failed (${failureType}): ${reason}`);
  }
}

/** The Temporal server could not be reached, or refused the call for a reason of its own. */
export class TemporalConnectionError extends KycClientError {
  override readonly name = 'TemporalConnectionError';
  readonly kind = 'connection';
  constructor(
    readonly address: string,
    detail: string,
  ) {
    super(`cannot use the Temporal server at ${address}: ${detail}`);
  }
}
