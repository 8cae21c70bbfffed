/**
 * Identity-verification flows for callers: start a new provider flow for a request id (or attach
 * to the one already started for it) and get the user's link, track an existing flow by its id,
 * read the outline, wait for the final result or watch it change, and list flows by status and
 * age. Inputs are validated here with the workflows' own schemas.
 */
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import {
  IDENTITY_FLOW_STATUS_KEY,
  flowIdSchema,
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  identityFlowStarterOptions,
  identityFlowStarterWorkflowId,
  identityFlowWorkflowId,
  startIdentityFlowInputSchema,
  trackIdentityFlowInputSchema,
  type IdentityFlowResult,
  type IdentityFlowView,
  type StartIdentityFlowInput,
  type StartedIdentityFlow,
  type TrackIdentityFlowInput,
} from '../contracts/identity-flow';
import { parseInput } from '../contracts/validation';
import type { identityFlowStarterWorkflow, identityFlowWorkflow } from '../workflows/identity-flow';
import type { KycContext } from './context';
import { runBulk, type BulkOptions, type BulkSummary } from './bulk';
import { asKycError, closedRunResult, latestExecutionStatus, withKycErrors } from './failures';
import { listExecutions, type ListedExecution } from './listing';
import { readAfterStart, startOrAttach, type StartOutcome } from './starting';
import { identityFlowStartMetadata, identityFlowTrackingMetadata } from './summaries';
import {
  BUILTIN,
  and,
  equals,
  executionStatus,
  firstStartedBefore,
  oneOf,
  type ExecutionStatusValue,
} from './visibility';
import { firstStartedAtAttribute } from '../contracts/first-started-at';
import { watchWorkflow, type WatchOptions } from './watch';

/** Workflow type names as the worker registers them (the workflow functions' names). */
export const IDENTITY_FLOW_WORKFLOW_TYPE = 'identityFlowWorkflow';
export const IDENTITY_FLOW_STARTER_WORKFLOW_TYPE = 'identityFlowStarterWorkflow';

/** Values of the `IdentityFlowStatus` search attribute (see contracts/identity-flow.ts). */
export const IDENTITY_FLOW_STATUS_VALUES = [
  'INIT',
  'ING',
  'SUCCESS',
  'FAIL',
  'NOT_FOUND',
  'EXPIRED',
  'ERROR',
  'CANCELLED',
] as const;
export type IdentityFlowStatusValue = (typeof IDENTITY_FLOW_STATUS_VALUES)[number];

const TRACKING_PREFIX = identityFlowWorkflowId('');

type ParsedStartIdentityFlowInput = z.output<typeof startIdentityFlowInputSchema>;

/** A flow named by its provider id or its tracking workflow id (`identity-flow/<flowId>`). */
export function parseFlowRef(text: string): string {
  const flowId = text.startsWith(TRACKING_PREFIX) ? text.slice(TRACKING_PREFIX.length) : text;
  return parseInput(z.strictObject({ flowId: flowIdSchema }), { flowId }, 'flow').flowId;
}

/** Validates a start request as `start` does (the contract's schema refuses personal-data-shaped ids too). */
export function parseIdentityStart(input: StartIdentityFlowInput): ParsedStartIdentityFlowInput {
  return parseInput(startIdentityFlowInputSchema, input, 'identity flow start input');
}

export interface StartedIdentity extends StartOutcome {
  /** The provider flow, the user's link and the tracking workflow's id. */
  flow: StartedIdentityFlow;
  handle: IdentityFlowHandle;
}

export interface IdentityFlowListFilter {
  status?: IdentityFlowStatusValue | readonly IdentityFlowStatusValue[];
  /** Only flows whose tracking first started more than this long ago (`KycFirstStartedAt`: survives continue-as-new). */
  olderThanMs?: number;
  execution?: ExecutionStatusValue;
  limit?: number;
  allTaskQueues?: boolean;
}

export interface IdentityFlowListItem extends ListedExecution {
  flowId: string;
  status?: string;
}

/** How `stop` left a tracker: `stopped` by this request, or it had `alreadyEnded` with `status`. */
export interface StopOutcome {
  workflowId: string;
  outcome: 'stopped' | 'alreadyEnded';
  /** `CANCELLED` when stopped; otherwise the status it ended with (e.g. `SUCCESS`, or `ERROR` when it failed). */
  status: IdentityFlowStatusValue;
}

export class IdentityFlowHandle {
  readonly workflowId: string;

  constructor(
    private readonly context: KycContext,
    readonly flowId: string,
  ) {
    this.workflowId = identityFlowWorkflowId(flowId);
  }

  private get temporal(): WorkflowHandle<typeof identityFlowWorkflow> {
    return this.context.client.workflow.getHandle<typeof identityFlowWorkflow>(this.workflowId);
  }

  /** The tracking workflow's view: latest outline, counters, and the result once DONE (a query: needs a worker). */
  outline(): Promise<IdentityFlowView> {
    const { client, queryTimeoutMs } = this.context;
    return withKycErrors(this.context, { workflowId: this.workflowId, operation: 'query outline' }, () =>
      client.connection.withDeadline(Date.now() + queryTimeoutMs, () => this.temporal.query(identityFlowOutlineQuery)),
    );
  }

  /**
   * The flow's view from its latest run: the outline query while it runs; once it closed, from its
   * close status: completed gives the final view (phase DONE with the result), and a run that
   * failed, was terminated, cancelled or timed out throws `FlowFailedError` with that status.
   */
  async status(): Promise<IdentityFlowView> {
    const status = await latestExecutionStatus(this.context, this.workflowId);
    if (status === 'RUNNING') return this.outline();
    const result = await closedRunResult(status, () => this.result());
    try {
      const view = await this.outline();
      if (view.result) return view;
    } catch {
      // No worker to answer the query: the result alone is the news.
    }
    return { ...emptyView(this.flowId), phase: 'DONE', result };
  }

  /** The final result (follows continue-as-new); waits until the flow ends. */
  result(): Promise<IdentityFlowResult> {
    return withKycErrors(this.context, { workflowId: this.workflowId, operation: 'wait for the result' }, () =>
      this.temporal.result(),
    );
  }

  /**
   * Stops tracking by workflow cancellation (what the Temporal UI's "Cancel" sends): the tracker
   * cancels its poller and ends Canceled, listed as `CANCELLED`. The provider flow itself is not
   * touched. Waits for the run to end. Repeating it is harmless: a tracker that already ended is
   * reported as `alreadyEnded`. Throws `FlowNotFoundError` for a flow nobody tracks.
   */
  async stop(): Promise<StopOutcome> {
    const at = { workflowId: this.workflowId, operation: 'stop tracking' };
    const before = await withKycErrors(this.context, at, () => this.temporal.describe());
    if (before.status.name !== 'RUNNING') {
      return { workflowId: this.workflowId, outcome: 'alreadyEnded', status: await this.endedStatus(at) };
    }
    await withKycErrors(this.context, at, () => this.temporal.cancel());
    const status = await this.endedStatus(at);
    return { workflowId: this.workflowId, outcome: status === 'CANCELLED' ? 'stopped' : 'alreadyEnded', status };
  }

  /** The status a closed (or closing) tracker ended with. */
  private async endedStatus(at: { workflowId: string; operation: string }): Promise<IdentityFlowStatusValue> {
    try {
      return (await this.temporal.result()).status;
    } catch (error) {
      if (error instanceof WorkflowFailedError) return error.cause instanceof CancelledFailure ? 'CANCELLED' : 'ERROR';
      throw await asKycError(this.context, error, at);
    }
  }

  /** Every change of the view until the flow ends; the last item carries the result. */
  watch(options: WatchOptions = {}): AsyncGenerator<IdentityFlowView, void, undefined> {
    let last: IdentityFlowView | undefined;
    const read = async () => (last = await this.outline());
    const readFinal = async (): Promise<IdentityFlowView> => {
      const result = await this.result();
      try {
        return await this.outline();
      } catch {
        // No worker to answer the query any more: the result is the news.
        return { ...(last ?? emptyView(this.flowId)), phase: 'DONE', result };
      }
    };
    return watchWorkflow(this.context, { workflowId: this.workflowId, read, readFinal }, options);
  }
}

function emptyView(flowId: string): IdentityFlowView {
  return {
    flowId,
    phase: 'TRACKING',
    outline: null,
    lastCheckedAt: null,
    lastChangedAt: null,
    checks: 0,
    changes: 0,
    callbacks: 0,
    run: 1,
    deadlineAt: 0,
    authUrl: null,
    shortLink: null,
    result: null,
  };
}

export class IdentityFlows {
  constructor(private readonly context: KycContext) {}

  /**
   * Starts a new provider flow for the caller's request id (`contextId`) and returns the user's
   * link. A repeated call with the same id attaches to the first one and returns the same flow.
   */
  async start(input: StartIdentityFlowInput): Promise<StartedIdentity> {
    const parsed = parseIdentityStart(input);
    const { client, config } = this.context;
    const starterId = identityFlowStarterWorkflowId(parsed.contextId);
    const outcome = await startOrAttach(this.context, starterId, 'start identity flow', () =>
      client.workflow.start<typeof identityFlowStarterWorkflow>(IDENTITY_FLOW_STARTER_WORKFLOW_TYPE, {
        ...identityFlowStarterOptions(parsed.contextId, config.taskQueue),
        args: [parsed],
        ...identityFlowStartMetadata(parsed.contextId, parsed.objectType, parsed),
      }),
    );
    // The starter runs now: a failed read of its answer must not look like a failed start.
    const flow = await readAfterStart(
      {
        workflowId: starterId,
        started: outcome.started,
        flow: 'identity flow',
        operation: 'start identity flow',
        // A repeated start attaches and prints the flow and the user's link.
        statusCommand: `kyc identity start --context-id ${parsed.contextId}`,
      },
      () =>
        withKycErrors(this.context, { workflowId: starterId, operation: 'start identity flow' }, () =>
          client.workflow.getHandle<typeof identityFlowStarterWorkflow>(starterId).result(),
        ),
    );
    return { ...outcome, flow, handle: this.get(flow.flowId) };
  }

  /** Tracks a provider flow that was started elsewhere; attaches when it is already tracked. */
  async track(input: TrackIdentityFlowInput): Promise<StartOutcome & { handle: IdentityFlowHandle }> {
    const parsed = parseInput(trackIdentityFlowInputSchema, input, 'identity flow input');
    const { client, config } = this.context;
    const workflowId = identityFlowWorkflowId(parsed.flowId);
    const outcome = await startOrAttach(this.context, workflowId, 'track identity flow', () =>
      client.workflow.start<typeof identityFlowWorkflow>(IDENTITY_FLOW_WORKFLOW_TYPE, {
        ...identityFlowStartOptions(parsed.flowId, config.taskQueue),
        args: [parsed],
        typedSearchAttributes: [{ key: IDENTITY_FLOW_STATUS_KEY, value: 'INIT' }, firstStartedAtAttribute(new Date())],
        ...identityFlowTrackingMetadata(parsed, workflowId, config.codecEndpoint),
      }),
    );
    return { ...outcome, handle: this.get(parsed.flowId) };
  }

  get(flow: string): IdentityFlowHandle {
    return new IdentityFlowHandle(this.context, parseFlowRef(flow));
  }

  /** Stops tracking each listed flow (`stop`), one at a time at `options.ratePerSecond`; repeating it is harmless. */
  stopMany(flows: readonly string[], options: BulkOptions = {}): Promise<BulkSummary> {
    return runBulk(
      flows.map((flow) => this.get(flow).workflowId),
      async (workflowId) => {
        const stopped = await this.get(workflowId).stop();
        return stopped.outcome === 'stopped'
          ? { outcome: 'done', detail: stopped.status }
          : { outcome: 'alreadyEnded', detail: stopped.status };
      },
      options,
    );
  }

  async list(filter: IdentityFlowListFilter = {}): Promise<IdentityFlowListItem[]> {
    const statuses =
      filter.status === undefined ? [] : typeof filter.status === 'string' ? [filter.status] : filter.status;
    const query = and(
      equals(BUILTIN.WorkflowType, IDENTITY_FLOW_WORKFLOW_TYPE),
      statuses.length ? oneOf(IDENTITY_FLOW_STATUS_KEY, statuses) : undefined,
      filter.execution ? executionStatus(filter.execution) : undefined,
      filter.olderThanMs === undefined ? undefined : firstStartedBefore(new Date(Date.now() - filter.olderThanMs)),
      filter.allTaskQueues ? undefined : equals(BUILTIN.TaskQueue, this.context.config.taskQueue),
    );
    const listed = await listExecutions(this.context, query, filter.limit);
    return listed.map(({ execution, info }) => ({
      ...execution,
      flowId: execution.workflowId.slice(TRACKING_PREFIX.length),
      status: info.typedSearchAttributes.get(IDENTITY_FLOW_STATUS_KEY),
    }));
  }

  /** Flows still being tracked whose tracking started more than `ms` ago, oldest first. */
  async inProgressOlderThan(ms: number, filter: Omit<IdentityFlowListFilter, 'olderThanMs' | 'execution'> = {}) {
    const found = await this.list({ ...filter, olderThanMs: ms, execution: 'Running' });
    return found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }
}
