/**
 * A stream of a workflow's state that yields only when the state changed, without polling the
 * server on a timer: a long poll of the run's history (`waitNewEvent`) returns when new events
 * arrive, and only then is the state read (a query). Every state change of a workflow happens in
 * a workflow task, which always adds events, so no change is missed. Runs continued-as-new are
 * followed; once the chain ends the final state comes from the result, which needs no worker.
 * A run whose first workflow task no worker has completed yet cannot answer a query: the stream
 * keeps waiting for its events instead (a worker that starts later continues it).
 */
import type { temporal } from '@temporalio/proto';
import type { KycContext } from './context';
import { withKycErrors } from './failures';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface WatchSource<S> {
  workflowId: string;
  /** The state of the running workflow (normally a query). */
  read(): Promise<S>;
  /** The state once the run chain has ended (normally from the workflow's result). */
  readFinal(): Promise<S>;
}

export interface WatchOptions {
  /** Ends the stream (and the pending long poll) when aborted. */
  signal?: AbortSignal;
}

/** Whether the event closes its run, and the run that continues the chain, if any. */
export function closingOf(event: HistoryEvent): { closes: boolean; nextRunId?: string } {
  const continued = event.workflowExecutionContinuedAsNewEventAttributes;
  if (continued) return { closes: true, nextRunId: continued.newExecutionRunId ?? undefined };
  // Completed, failed and timed-out runs name a next run when a retry policy or cron started one.
  const withNext =
    event.workflowExecutionCompletedEventAttributes ??
    event.workflowExecutionFailedEventAttributes ??
    event.workflowExecutionTimedOutEventAttributes;
  if (withNext) return { closes: true, nextRunId: withNext.newExecutionRunId || undefined };
  if (event.workflowExecutionCanceledEventAttributes || event.workflowExecutionTerminatedEventAttributes) {
    return { closes: true };
  }
  return { closes: false };
}

/** Remembers the last state seen; `changed` says whether a new one differs from it. */
export class ChangeFilter<S> {
  private last: string | undefined;
  changed(state: S): boolean {
    const key = JSON.stringify(state);
    if (key === this.last) return false;
    this.last = key;
    return true;
  }
}

export async function* watchWorkflow<S>(
  context: KycContext,
  source: WatchSource<S>,
  options: WatchOptions = {},
): AsyncGenerator<S, void, undefined> {
  const { client, config } = context;
  const { workflowId } = source;
  const at = { workflowId, operation: 'watch' };
  const description = await withKycErrors(context, at, () => client.workflow.getHandle(workflowId).describe());
  let runId = description.runId;
  let pageToken: Uint8Array | undefined;
  // Whether a worker has completed a workflow task of this run: before that a query only waits.
  let answerable = false;
  const filter = new ChangeFilter<S>();
  const aborted = () => options.signal?.aborted === true;

  while (!aborted()) {
    const request = {
      namespace: config.namespace,
      execution: { workflowId, runId },
      nextPageToken: pageToken,
      waitNewEvent: true,
      skipArchival: true,
    };
    let response;
    try {
      const poll = () => client.workflowService.getWorkflowExecutionHistory(request);
      response = await withKycErrors(context, at, () =>
        options.signal ? client.connection.withAbortSignal(options.signal, poll) : poll(),
      );
    } catch (error) {
      if (aborted()) return;
      throw error;
    }
    const events = response.history?.events ?? [];
    const closing = events.map(closingOf).find((event) => event.closes);
    if (closing?.nextRunId) {
      runId = closing.nextRunId;
      pageToken = undefined;
      answerable = false;
      continue;
    }
    const hasMore = response.nextPageToken && response.nextPageToken.length > 0;
    if (closing || !hasMore) {
      const final = await source.readFinal();
      if (filter.changed(final)) yield final;
      return;
    }
    pageToken = response.nextPageToken ?? undefined;
    answerable ||= events.some((event) => event.workflowTaskCompletedEventAttributes);
    if (events.length > 0 && answerable) {
      const state = await source.read();
      if (filter.changed(state)) yield state;
    }
  }
}
