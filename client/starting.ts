/**
 * Start-or-attach under the contracts' id policies. The server decides (a running workflow is
 * joined, a completed one is not repeated); the describe before the start only tells the caller
 * whether this call created the run, and is best effort when two callers race.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { KycContext } from './context';
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
