/** One visibility list call, bounded, as plain records the CLI and callers can print or serialise. */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { KycContext } from './context';
import { namespaceSetupError, withKycErrors } from './failures';

export const DEFAULT_LIST_LIMIT = 50;

export interface ListedExecution {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  execution: string;
  startTime: Date;
  closeTime?: Date;
}

/**
 * Lists matching executions, newest started first. The server returns its own order (the SQL
 * visibility store: running first, then by close time), so the first `limit` it returns are
 * sorted here by start time; with more matches than `limit`, which ones are listed follows the
 * server's order.
 */
export async function listExecutions(
  context: KycContext,
  query: string,
  limit = DEFAULT_LIST_LIMIT,
): Promise<Array<{ execution: ListedExecution; info: WorkflowExecutionInfo }>> {
  return withKycErrors(context, { workflowId: '(list)', operation: 'list' }, async () => {
    const found: Array<{ execution: ListedExecution; info: WorkflowExecutionInfo }> = [];
    const listed = context.client.workflow.list({ query, pageSize: Math.min(limit, 1000) });
    try {
      for await (const info of listed) {
        found.push({
          info,
          execution: {
            workflowId: info.workflowId,
            runId: info.runId,
            execution: info.status.name,
            startTime: info.startTime,
            ...(info.closeTime ? { closeTime: info.closeTime } : {}),
          },
        });
        if (found.length >= limit) break;
      }
    } catch (error) {
      throw (await namespaceSetupError(context)) ?? error;
    }
    // A query on a search attribute the namespace lacks may find nothing rather than fail: check.
    if (found.length === 0) {
      const setupError = await namespaceSetupError(context);
      if (setupError) throw setupError;
    }
    return found.sort((a, b) => b.execution.startTime.getTime() - a.execution.startTime.getTime());
  });
}
