/**
 * Identity-flow activities over the e-signature client. The poller reads the outline until it
 * differs from what the workflow already knows, sleeping and heartbeating in between, so a flow
 * that stays ING for hours adds nothing to history; its heartbeat details carry the poll count
 * and backoff, so an attempt retried after a worker crash resumes where the last one stopped.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  ESIGN_FAILURE_TYPES,
  isFinalFlowStatus,
  outlineFingerprint,
  pollerProgressSchema,
  type IdentityFlowActivityContract,
  type OutlineRead,
  type PollerProgress,
  type StartEsignFlowRequest,
  type StartedEsignFlow,
  type WaitForOutlineChangeInput,
  type WaitForOutlineChangeResult,
} from '../contracts/identity-flow';
import { EsignError, type EsignClient } from '../providers/esign';

/** Turns a provider error into the Temporal failure the retry policy understands. */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof EsignError)) return error;
  const type = error.kind === 'flowGone' ? ESIGN_FAILURE_TYPES.rejected : ESIGN_FAILURE_TYPES[error.kind];
  return ApplicationFailure.create({
    message: error.message,
    type,
    nonRetryable: !error.retryable,
    nextRetryDelay: error.details.retryAfterMs,
    details: [{ httpStatus: error.details.httpStatus ?? null, providerCode: error.details.providerCode ?? null }],
  });
}

export function createIdentityFlowActivities(client: EsignClient): IdentityFlowActivityContract {
  async function read(flowId: string, signal?: AbortSignal): Promise<OutlineRead> {
    try {
      const outline = await client.getOutline(flowId, signal);
      return { kind: 'outline', outline, checkedAt: Date.now() };
    } catch (error) {
      if (error instanceof EsignError && error.kind === 'flowGone' && error.details.gone) {
        return {
          kind: 'gone',
          reason: error.details.gone,
          providerCode: error.details.providerCode ?? 0,
          providerMessage: error.details.providerMessage ?? '',
          checkedAt: Date.now(),
        };
      }
      throw toActivityFailure(error);
    }
  }

  return {
    /** Starts a provider flow. Not idempotent at the provider: see docs/identity-flow.md (starter). */
    async startEsignFlow(request: StartEsignFlowRequest): Promise<StartedEsignFlow> {
      try {
        return await client.startFlow(request, Context.current().cancellationSignal);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },

    /** One read of the outline (the naive one-activity-per-poll baseline uses this). */
    async readIdentityOutline(input: { flowId: string }): Promise<OutlineRead> {
      return read(input.flowId, Context.current().cancellationSignal);
    },

    /** Polls until the outline differs from `lastFingerprint`, the flow ends, the deadline or a checkpoint. */
    async waitForOutlineChange(input: WaitForOutlineChangeInput): Promise<WaitForOutlineChangeResult> {
      const context = Context.current();
      const { polling } = input;
      const resumed = pollerProgressSchema.safeParse(context.info.heartbeatDetails);
      const progress: PollerProgress = resumed.success
        ? resumed.data
        : { polls: 0, intervalMs: polling.initialIntervalMs, lastPolledAt: null };
      const startedAt = Date.now();
      const beat = () => context.heartbeat({ ...progress });
      // Heartbeats also carry cancellation (a callback woke the workflow) to a poller that is asleep.
      const ticker = setInterval(beat, Math.max(50, Math.floor(polling.heartbeatTimeoutMs / 4)));
      const pause = () => context.sleep(Math.max(0, Math.min(progress.intervalMs, input.deadlineAt - Date.now())));
      try {
        // The workflow has just seen this outline, so a poller started after a change waits first.
        if (input.readImmediately === false && !resumed.success) await pause();
        for (;;) {
          const outcome = await read(input.flowId, context.cancellationSignal);
          progress.polls += 1;
          progress.lastPolledAt = outcome.checkedAt;
          beat();
          const reason = stopReason(outcome, input, startedAt);
          if (reason) return { read: outcome, polls: progress.polls, reason };
          await pause();
          progress.intervalMs = Math.min(
            polling.maxIntervalMs,
            Math.ceil(progress.intervalMs * polling.backoffCoefficient),
          );
        }
      } finally {
        clearInterval(ticker);
      }
    },
  };
}

function stopReason(
  outcome: OutlineRead,
  input: WaitForOutlineChangeInput,
  startedAt: number,
): WaitForOutlineChangeResult['reason'] | undefined {
  if (outcome.kind === 'gone') return 'gone';
  if (isFinalFlowStatus(outcome.outline.flowStatus)) return 'final';
  if (outlineFingerprint(outcome.outline) !== input.lastFingerprint) return 'changed';
  if (outcome.checkedAt >= input.deadlineAt) return 'deadline';
  if (outcome.checkedAt - startedAt >= input.polling.checkpointEveryMs) return 'checkpoint';
  return undefined;
}
