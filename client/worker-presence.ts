/**
 * Whether a workflow is waiting for a worker that is not there: its pending workflow task has
 * been scheduled (not picked up) for a while, and no worker has polled its task queue recently.
 * Reads two things the server reports (DescribeWorkflowExecution's `pendingWorkflowTask`,
 * DescribeTaskQueue's `pollers` with their `lastAccessTime`); changes nothing.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { KycContext } from './context';

/** A poller seen this recently counts as a live worker (a worker's long poll lasts up to about 70 s). */
const POLLER_RECENT_MS = 90_000;

export interface UnpolledWorkflow {
  /** The workflow's own task queue (from the server, not the configuration). */
  taskQueue: string;
  namespace: string;
  /** How long its workflow task has waited to be picked up, in milliseconds. */
  waitingMs: number;
}

/**
 * `UnpolledWorkflow` when `workflowId`'s latest run has had a workflow task scheduled but not
 * started for at least `afterMs` milliseconds and no worker polled its task queue in the last
 * 90 s; `undefined` otherwise (also when the workflow does not exist yet or has closed). Errors
 * of the server calls propagate.
 */
export async function unpolledWorkflow(
  context: KycContext,
  workflowId: string,
  afterMs: number,
  now: number = Date.now(),
): Promise<UnpolledWorkflow | undefined> {
  const { client, config } = context;
  let description;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  if (description.status.name !== 'RUNNING') return undefined;
  const pending = description.raw.pendingWorkflowTask;
  if (pending?.state !== temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED) {
    return undefined;
  }
  const scheduledAt = optionalTsToMs(pending.originalScheduledTime) ?? optionalTsToMs(pending.scheduledTime);
  if (scheduledAt === undefined || now - scheduledAt < afterMs) return undefined;
  const queue = await client.workflowService.describeTaskQueue({
    namespace: config.namespace,
    taskQueue: { name: description.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const live = (queue.pollers ?? []).some(
    (poller) => now - (optionalTsToMs(poller.lastAccessTime) ?? 0) < POLLER_RECENT_MS,
  );
  if (live) return undefined;
  return { taskQueue: description.taskQueue, namespace: config.namespace, waitingMs: now - scheduledAt };
}
