/**
 * Turns what the Temporal SDK throws into the library's typed errors. The SDK reports "no such
 * workflow" and "workflow already completed" with the same error class, so a describe call tells
 * the two apart instead of reading the server's message.
 */
import {
  QueryNotRegisteredError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, TemporalFailure, ValueError } from '@temporalio/common';
import { ENCRYPTED_ENCODING, PayloadDecryptionError } from '../common/payload-codec';
import { checkNamespaceSetup, missingNamespaceProblem, type SetupProblem } from '../common/namespace-setup';
import type { KycContext } from './context';
import {
  AlreadyFinishedError,
  FlowFailedError,
  FlowNotFoundError,
  KycClientError,
  NamespaceNotSetUpError,
  ResultUnreadableError,
  TemporalConnectionError,
  UpdateRefusedError,
} from './errors';

/** gRPC status codes that mean "the server could not be used", not "the request was wrong". */
const UNREACHABLE_CODES = new Set([1, 4, 14]); // CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE

function grpcCode(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return grpcCode(error.cause);
  }
  return undefined;
}

/** The innermost failure that names a type: what a caller can branch on. */
export function rootFailure(error: unknown): { type: string; message: string } {
  let current: unknown = error;
  let best: { type: string; message: string } | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure)
      best = { type: current.type ?? 'ApplicationFailure', message: current.message };
    else if (current instanceof TemporalFailure && !best) best = { type: current.name, message: current.message };
    current = current.cause;
  }
  return best ?? { type: error instanceof Error ? error.name : 'Error', message: String(error) };
}

export interface FailureContext {
  workflowId: string;
  /** What was being done, for the message: `submitToken`, `start`, `query state`, ... */
  operation: string;
  /** Set for updates: their refusals become `UpdateRefusedError`. */
  update?: string;
}

/** Operations whose call itself changes the workflow: an unreadable answer means it was carried out. */
function changesTheWorkflow(at: FailureContext): boolean {
  return at.update !== undefined || at.operation.startsWith('start');
}

/**
 * Why an answer could not be decoded, when that is the problem: a payload encrypted with a key
 * this client lacks (our codec says which key id), or an encrypted payload reaching a client
 * without the codec (the SDK's "Unknown encoding" ValueError).
 */
export function undecodableAnswer(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof PayloadDecryptionError) return current.message;
    if (current instanceof ValueError && current.message.includes(ENCRYPTED_ENCODING)) {
      return 'it is encrypted and this client has no payload keys';
    }
    current = current.cause;
  }
  return undefined;
}

/** The execution status of the latest run, or undefined when there is none. */
async function executionStatus(context: KycContext, workflowId: string): Promise<string | undefined> {
  try {
    return (await context.client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw toKycError(context, error, { workflowId, operation: 'describe' });
  }
}

/**
 * Temporal's execution status of the latest run (RUNNING, COMPLETED, FAILED, TERMINATED,
 * CANCELLED, TIMED_OUT; never CONTINUED_AS_NEW, since the latest run is the one that continued).
 * Throws `FlowNotFoundError` when there is no run.
 */
export async function latestExecutionStatus(context: KycContext, workflowId: string): Promise<string> {
  const status = await executionStatus(context, workflowId);
  if (status === undefined) throw new FlowNotFoundError(workflowId);
  return status;
}

/**
 * The result of a closed run, read with `read` (the handle's `result()`); a run that ended without
 * one (failed, terminated, cancelled, timed out) throws `FlowFailedError` carrying `status`.
 */
export async function closedRunResult<T>(status: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof FlowFailedError && error.executionStatus === undefined) {
      throw new FlowFailedError(error.workflowId, error.failureType, error.reason, status);
    }
    throw error;
  }
}

/** Synchronous part of the mapping: everything that needs no further call to the server. */
export function toKycError(context: KycContext, error: unknown, at: FailureContext): Error {
  if (error instanceof KycClientError) return error;
  const undecodable = undecodableAnswer(error);
  if (undecodable !== undefined) {
    return new ResultUnreadableError(at.workflowId, at.operation, changesTheWorkflow(at), undecodable);
  }
  if (error instanceof WorkflowUpdateFailedError) {
    const root = rootFailure(error.cause);
    return new UpdateRefusedError(at.workflowId, at.update ?? at.operation, root.type, root.message);
  }
  if (error instanceof WorkflowFailedError) {
    const root = rootFailure(error.cause);
    return new FlowFailedError(at.workflowId, root.type, root.message);
  }
  if (error instanceof NamespaceNotFoundError) {
    // The server said so: the same guidance as a refused start gives, without asking again.
    return notSetUpError(missingNamespaceProblem(error.namespace || context.config.namespace));
  }
  if (error instanceof QueryNotRegisteredError) {
    return new FlowFailedError(at.workflowId, 'QueryNotRegistered', `the workflow does not answer ${at.operation}`);
  }
  const code = grpcCode(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    // A query waits for a worker to answer. Its deadline passing (4), or the server giving up the
    // wait first and answering CANCELLED (1, seen under load; a stop of this client's own is
    // reported by the CLI before this mapping matters), both mean no worker answered.
    const query = at.operation.startsWith('query');
    const detail =
      query && (code === 4 || code === 1)
        ? `no worker answered ${at.operation} ${code === 4 ? 'in time' : '(the server stopped waiting for one)'} ` +
          `(is the kyc worker running on ${context.config.taskQueue}, ` +
          "with this client's active payload key among its KYC_PAYLOAD_KEYS?)"
        : `${at.operation} failed: ${code === 14 ? 'server unavailable' : code === 4 ? 'deadline exceeded' : 'cancelled'}`;
    return new TemporalConnectionError(context.config.address, detail);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Full mapping: a "not found" is checked against the server to tell a missing run from a finished one. */
export async function asKycError(context: KycContext, error: unknown, at: FailureContext): Promise<Error> {
  if (error instanceof WorkflowNotFoundError) {
    const status = await executionStatus(context, at.workflowId);
    if (status === undefined) return new FlowNotFoundError(at.workflowId);
    if (status !== 'RUNNING') return new AlreadyFinishedError(at.workflowId, status, at.operation);
    return new FlowNotFoundError(at.workflowId);
  }
  return toKycError(context, error, at);
}

/** Runs one call to the server and rethrows its failure as a typed error. */
export async function withKycErrors<T>(context: KycContext, at: FailureContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw await asKycError(context, error, at);
  }
}

/**
 * Asked after a refused start or an empty list: is the namespace missing, or one of the project's
 * search attributes? Resolves the error that says so, or `undefined` when the setup is complete or
 * the check itself cannot be made (the caller then keeps its own result).
 */
export async function namespaceSetupError(context: KycContext): Promise<NamespaceNotSetUpError | undefined> {
  try {
    const problem = await checkNamespaceSetup(context.client.connection, context.config.namespace);
    return problem ? notSetUpError(problem) : undefined;
  } catch {
    return undefined;
  }
}

function notSetUpError(problem: SetupProblem): NamespaceNotSetUpError {
  return new NamespaceNotSetUpError(
    problem.namespace,
    problem.namespaceMissing,
    problem.missingSearchAttributes,
    problem.message,
  );
}
