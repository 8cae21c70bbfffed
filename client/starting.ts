/**
 * Start-or-attach under the contracts' id policies. The server decides (a running workflow is
 * joined, a completed one is not repeated); the describe before the start only tells the caller
 * whether this call created the run, and is best effort when two callers race.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { KycContext } from './context';
import { KycClientError, ReadAfterStartError, ResultUnreadableError } from './errors';
import { namespaceSetupError, withKycErrors } from './failures';

export interface StartOutcome {
  workflowId: string;
  /** True when this call started a new run; false when it attached to a running or finished one. */
  started: boolean;
  /** Set when the id belongs to a finished run that the reuse policy does not repeat. */
  finished?: string;
}

async function statusBefore(context: KycContext, workflowId: string): Promise<string | undefined> {
  try {
    return (await context.client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

export function startOrAttach(
  context: KycContext,
  workflowId: string,
  operation: string,
  start: () => Promise<unknown>,
): Promise<StartOutcome> {
  return withKycErrors(context, { workflowId, operation }, async () => {
    const before = await statusBefore(context, workflowId);
    try {
      await start();
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return { workflowId, started: false, finished: (await statusBefore(context, workflowId)) ?? before };
      }
      // The server's own answer for a missing search attribute is a bare "Failed to start Workflow".
      throw (await namespaceSetupError(context)) ?? error;
    }
    return { workflowId, started: before !== 'RUNNING' };
  });
}

/** What a start command started, for the error when reading it afterwards fails. */
export interface StartedFlow {
  workflowId: string;
  /** True when the start created the run, false when it attached (StartOutcome.started). */
  started: boolean;
  /** `device approval`, `phone check`, `identity flow`. */
  flow: string;
  /** The operation, as `ResultUnreadableError.afterAction` names it: `start device approval`. */
  operation: string;
  /** The `kyc` command that reads it later, e.g. `kyc phone status <requestId>`. */
  statusCommand: string;
}

/**
 * Reads what a successful start began (its state, its result): whatever goes wrong now, the
 * workflow exists, so the failure must not read like a failed start. The flow's own outcome
 * (`FlowFailedError`, kind `failed`) passes through; an undecodable answer becomes
 * `ResultUnreadableError` with `applied`; everything else `ReadAfterStartError` naming the workflow
 * and the command that reads it later.
 */
export async function readAfterStart<T>(flow: StartedFlow, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ResultUnreadableError) throw error.afterAction(flow.operation);
    if (error instanceof KycClientError && error.kind === 'failed') throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new ReadAfterStartError(flow.workflowId, flow.flow, flow.started, flow.statusCommand, detail);
  }
}
