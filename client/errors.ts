/**
 * Errors a caller can act on, as classes rather than strings. Every message is free of personal
 * data: it names workflow ids (built from opaque keys), failure types and the workflow's own
 * refusal reasons, never an input value.
 *
 * `InvalidInputError` (contracts/validation.ts) and `ConfigError` (common/config.ts) are the two
 * errors raised before anything reaches Temporal; they are re-exported from the library's entry.
 */

/** What kind of problem it is: the CLI maps each kind to its own exit code. */
export type KycErrorKind =
  'not-found' | 'refused' | 'already-finished' | 'failed' | 'connection' | 'unreadable' | 'read-after-start';

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
    /** Temporal's close status when it was read (FAILED, TERMINATED, CANCELED, TIMED_OUT). */
    readonly executionStatus?: string,
  ) {
    super(`workflow ${workflowId} ${closeWords(executionStatus)} (${failureType}): ${reason}`);
  }
}

function closeWords(status: string | undefined): string {
  switch (status) {
    case 'TERMINATED':
      return 'was terminated';
    case 'CANCELLED':
    case 'CANCELED':
      return 'was cancelled';
    case 'TIMED_OUT':
      return 'timed out';
    default:
      return 'failed';
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

/**
 * An answer from Temporal could not be decoded with this client's payload keys: it was encrypted
 * with a key the client does not hold (e.g. the worker's newer active key), or the client runs with
 * KYC_PAYLOAD_ENCRYPTION=off. When `applied` is true the operation itself (a start, an update)
 * reached the workflow and was carried out: repeating it would act twice (an update with the same
 * request id is deduplicated by the server). Read the result again with the worker's keys.
 */
export class ResultUnreadableError extends KycClientError {
  override readonly name = 'ResultUnreadableError';
  readonly kind = 'unreadable';
  constructor(
    readonly workflowId: string,
    readonly operation: string,
    /** True when the operation was carried out and only its answer is unreadable. */
    readonly applied: boolean,
    /** Why decoding failed (key ids only, never key material or payload content). */
    readonly detail: string,
  ) {
    super(
      (applied
        ? `${operation} was carried out on workflow ${workflowId}, but its answer cannot be decoded (${detail}); ` +
          'do not repeat it (an update sent again with the same request id only returns this answer). '
        : `the answer to ${operation} of workflow ${workflowId} cannot be decoded (${detail}). `) +
        "Set KYC_PAYLOAD_KEYS (or KYC_PAYLOAD_KEYS_FILE) to the worker's keys to read it.",
    );
  }

  /** The same problem, seen as the answer to an operation that was carried out just before. */
  afterAction(operation: string): ResultUnreadableError {
    return new ResultUnreadableError(this.workflowId, operation, true, this.detail);
  }
}

/**
 * A start succeeded (or attached to the run already there), but reading the workflow's state or
 * result right after failed: the server became unreachable, no worker answered the query in time
 * (a worker stopping while it creates the device), and so on. The workflow exists and runs on its
 * own; a repeated start only attaches to it. `statusCommand` is the `kyc` command that reads it
 * later; `detail` is the read's own error message. A read that found the workflow failed is not
 * this error (`FlowFailedError`), nor is an undecodable answer (`ResultUnreadableError` with
 * `applied`).
 */
export class ReadAfterStartError extends KycClientError {
  override readonly name = 'ReadAfterStartError';
  readonly kind = 'read-after-start';
  constructor(
    readonly workflowId: string,
    /** What was started, for the message: `device approval`, `phone check`, `identity flow`. */
    readonly flow: string,
    /** True when this call started the run; false when it attached to the one already there. */
    readonly started: boolean,
    readonly statusCommand: string,
    readonly detail: string,
  ) {
    super(
      `${started ? 'started' : 'attached to'} ${flow} ${workflowId}, but reading its state failed: ${detail} ` +
        `(see \`${statusCommand}\`)`,
    );
  }
}

/**
 * The namespace is missing, or lacks one of the project's search attributes: starts are refused
 * and lists find nothing. The message names what is missing and the commands that create it.
 */
export class NamespaceNotSetUpError extends KycClientError {
  override readonly name = 'NamespaceNotSetUpError';
  readonly kind = 'connection';
  constructor(
    readonly namespace: string,
    /** The namespace itself is missing (then every search attribute is too). */
    readonly namespaceMissing: boolean,
    readonly missingSearchAttributes: string[],
    message: string,
  ) {
    super(message);
  }
}
