/**
 * Identity-flow tracking. `identityFlowWorkflow` follows one provider flow (id derived from the
 * flow id) until SUCCESS, FAIL, NOT_FOUND or EXPIRED. Polling lives in one long activity that
 * returns only when the outline changes, so history grows with changes, not with polls. A
 * `callbackReceived` signal cancels that activity and starts a fresh one, which reads at once.
 *
 * `identityFlowStarterWorkflow` (id derived from the caller's contextId) starts a new provider
 * flow, then starts the tracking workflow for it and returns the user's link.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { scheduleToCloseMs } from '../contracts/activity-budget';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  IDENTITY_FLOW_STATUS_KEY,
  NON_RETRYABLE_ESIGN_FAILURES,
  callbackReceivedSignal,
  identityFlowOutlineQuery,
  identityFlowTrackingSummary,
  identityFlowWorkflowId,
  isFinalFlowStatus,
  outlineFingerprint,
} from '../contracts/identity-flow-core';
import { startIdentityFlowInputCheck, trackIdentityFlowInputCheck } from '../contracts/identity-flow-checks';
import type {
  IdentityFlowActivityContract,
  IdentityFlowResult,
  IdentityFlowView,
  OutlineRead,
  ParsedTrackIdentityFlowInput,
  StartIdentityFlowInput,
  StartedIdentityFlow,
  TrackIdentityFlowInput,
  TrackingState,
  WaitForOutlineChangeResult,
} from '../contracts/identity-flow';
import { checkInputOrFail } from '../contracts/validation';
import { FIRST_STARTED_AT_KEY, firstStartedAtAttribute } from '../contracts/first-started-at';
import { countFlowEnd } from './flow-metrics';
import type { NotificationFacts } from '../contracts/notification-core';
import { notifyCompletion } from './completion-notification';

/** One attempt to start a provider flow, and how many attempts (each may leave an INIT flow behind). */
const START_FLOW_ATTEMPT_MS = 60_000;
const START_FLOW_ATTEMPTS = 5;

/**
 * Patch id of the change that makes the workflow wait for a cancelled poller to end before it
 * returns or continues as new (WAIT_CANCELLATION_COMPLETED), so a closed run lists no pending
 * activity. Runs that started before it keep TRY_CANCEL on replay.
 */
export const POLLER_CANCEL_WAIT_PATCH = 'identity-flow-poller-cancel-wait';

/**
 * Patch id of the CANCELLED status on workflow cancellation (runs recorded before it left the
 * status as it was).
 */
export const CANCEL_STATUS_PATCH = 'identity-flow-cancel-status';

/**
 * Patch id of the prompt completion after a wake-up: once the result is known the run completes
 * at once instead of waiting for the poller a callback cancelled. That poller hears of its
 * cancellation only on its next heartbeat, which the SDK throttles to 80 % of the heartbeat
 * timeout (24 s at the default 30 s), so waiting for it held the result that long after the
 * callback (issue 11: callback → completed p50 7.5 s). The cancelled poller stops at that next
 * heartbeat, when the server answers that the run has closed; until then `describe` of the closed
 * run may list it as CANCEL_REQUESTED. Continue-as-new and cancellation still wait for it.
 */
export const PROMPT_COMPLETION_PATCH = 'identity-flow-prompt-completion';

/** Patch id of the completion notification sent when tracking ends (docs/notifications.md). */
export const IDENTITY_FLOW_NOTIFICATION_PATCH = 'identity-flow-completion-notification';

/** Ids and codes of a result for its notification (never the outline: it holds the caller's context). */
function resultFacts(result: IdentityFlowResult): NotificationFacts {
  return {
    flowId: result.flowId,
    ...('providerCode' in result && typeof result.providerCode === 'number'
      ? { providerCode: result.providerCode }
      : {}),
    ...('source' in result ? { source: result.source } : {}),
  };
}

/** Extra time the poller gets past the deadline, for its last read and a heartbeat timeout. */
const DEADLINE_GRACE_MS = 60_000;

function retryPolicy(input: ParsedTrackIdentityFlowInput['providerRetry']) {
  return {
    initialInterval: input.initialIntervalMs,
    backoffCoefficient: input.backoffCoefficient,
    maximumInterval: input.maxIntervalMs,
    nonRetryableErrorTypes: NON_RETRYABLE_ESIGN_FAILURES,
  };
}

function publishStatus(status: string): void {
  const attributes = workflowInfo().typedSearchAttributes;
  if (attributes.get(IDENTITY_FLOW_STATUS_KEY) === status) return;
  upsertSearchAttributes([
    { key: IDENTITY_FLOW_STATUS_KEY, value: status },
    // A tracker started without it (e.g. by `temporal workflow start`) gets it with its first status.
    ...(attributes.get(FIRST_STARTED_AT_KEY) ? [] : [firstStartedAtAttribute(workflowInfo().startTime)]),
  ]);
}

/** A non-retryable activity failure ends the workflow with the activity's own type and message. */
function asWorkflowFailure(error: unknown): unknown {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: error.cause.type ?? undefined,
      message: error.cause.message,
      nonRetryable: true,
      cause: error,
    });
  }
  return error;
}

function resultOfGone(
  flowId: string,
  read: Extract<OutlineRead, { kind: 'gone' }>,
  state: TrackingState,
): IdentityFlowResult {
  switch (read.reason) {
    case 'NOT_FOUND':
      return { status: 'NOT_FOUND', flowId, providerCode: read.providerCode, providerMessage: read.providerMessage };
    case 'EXPIRED':
      return {
        status: 'EXPIRED',
        flowId,
        source: 'provider',
        providerCode: read.providerCode,
        providerMessage: read.providerMessage,
        outline: state.outline,
      };
    case 'ENDED':
      return {
        status: 'FAIL',
        flowId,
        reason: 'the provider reports the flow already ended without a readable outline',
        providerCode: read.providerCode,
        outline: state.outline,
      };
    case 'ATTEMPT_LIMIT':
      return {
        status: 'FAIL',
        flowId,
        reason: 'the verification attempt limit was reached',
        providerCode: read.providerCode,
        outline: state.outline,
      };
  }
}

/** Resolves when the promise settles either way (a cancelled poller's rejection is expected). */
function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}

function deadlineResult(flowId: string, state: TrackingState): IdentityFlowResult {
  return {
    status: 'EXPIRED',
    flowId,
    source: 'deadline',
    providerCode: null,
    providerMessage: null,
    outline: state.outline,
  };
}

/** Folds one poller answer into the state; returns the final result when there is one. */
function applyPoll(
  flowId: string,
  polled: WaitForOutlineChangeResult,
  state: TrackingState,
): IdentityFlowResult | null {
  const { read } = polled;
  state.checks += polled.polls;
  state.lastCheckedAt = read.checkedAt;
  if (read.kind === 'gone') return resultOfGone(flowId, read, state);

  const fingerprint = outlineFingerprint(read.outline);
  if (fingerprint !== state.fingerprint) {
    state.changes += 1;
    state.lastChangedAt = read.checkedAt;
    state.fingerprint = fingerprint;
  }
  state.outline = read.outline;
  publishStatus(read.outline.flowStatus);

  if (isFinalFlowStatus(read.outline.flowStatus)) {
    return read.outline.flowStatus === 'SUCCESS'
      ? { status: 'SUCCESS', flowId, outline: read.outline }
      : {
          status: 'FAIL',
          flowId,
          reason: read.outline.failReason ?? 'the provider reports FAIL without a reason',
          providerCode: null,
          outline: read.outline,
        };
  }
  if (polled.reason === 'deadline') return deadlineResult(flowId, state);
  return null;
}

export async function identityFlowWorkflow(rawInput: TrackIdentityFlowInput): Promise<IdentityFlowResult> {
  return countFlowEnd(
    () => trackIdentityFlow(rawInput),
    (result) => result.status,
  );
}

async function trackIdentityFlow(rawInput: TrackIdentityFlowInput): Promise<IdentityFlowResult> {
  const input = checkInputOrFail(trackIdentityFlowInputCheck, rawInput, 'identity flow input');
  const { flowId, polling } = input;
  const state: TrackingState = input.resume ?? {
    deadlineAt: Date.now() + input.deadlineMs,
    outline: null,
    fingerprint: null,
    lastCheckedAt: null,
    lastChangedAt: null,
    checks: 0,
    changes: 0,
    callbacks: 0,
    runs: 1,
  };
  let result: IdentityFlowResult | null = null;
  let wakeRequested = false;
  let readImmediately = true;
  // Decided once per run, before the first poller is scheduled (the marker goes first in history).
  const waitForCancelledPollers = patched(POLLER_CANCEL_WAIT_PATCH);
  // Pollers cancelled by a wake-up that have not acknowledged yet: the run ends only after them.
  const endingPollers: Array<Promise<void>> = [];
  const pollersEnded = () => Promise.all(endingPollers);

  setHandler(identityFlowOutlineQuery, (): IdentityFlowView => ({
    flowId,
    phase: result ? 'DONE' : 'TRACKING',
    outline: state.outline,
    lastCheckedAt: state.lastCheckedAt,
    lastChangedAt: state.lastChangedAt,
    checks: state.checks,
    changes: state.changes,
    callbacks: state.callbacks,
    run: state.runs,
    deadlineAt: state.deadlineAt,
    authUrl: input.authUrl ?? null,
    shortLink: input.shortLink ?? null,
    result,
  }));
  // A callback is only a hint: it makes the workflow read the outline now, never decides anything.
  setHandler(callbackReceivedSignal, () => {
    state.callbacks += 1;
    wakeRequested = true;
  });

  if (state.outline) publishStatus(state.outline.flowStatus);

  while (!result) {
    const info = workflowInfo();
    if (info.historyLength >= input.continueAsNewAfterEvents || info.continueAsNewSuggested) {
      await pollersEnded();
      await condition(allHandlersFinished);
      const next: TrackIdentityFlowInput = {
        flowId,
        authUrl: input.authUrl,
        shortLink: input.shortLink,
        polling: input.polling,
        providerRetry: input.providerRetry,
        deadlineMs: input.deadlineMs,
        continueAsNewAfterEvents: input.continueAsNewAfterEvents,
        ...(input.notifyUrl === undefined ? {} : { notifyUrl: input.notifyUrl }),
        resume: { ...state, runs: state.runs + 1 },
      };
      return await continueAsNew<typeof identityFlowWorkflow>(next);
    }

    // Any wake-up that arrived so far is served by the read the new poller makes first.
    if (wakeRequested) readImmediately = true;
    wakeRequested = false;
    const poller = proxyActivities<IdentityFlowActivityContract>({
      heartbeatTimeout: polling.heartbeatTimeoutMs,
      scheduleToCloseTimeout:
        Math.max(0, state.deadlineAt - Date.now()) + DEADLINE_GRACE_MS + polling.heartbeatTimeoutMs,
      // The next poller reads right away either way; with the patch the cancelled one is awaited
      // before the run closes (it hears the cancellation on its next heartbeat), so the closed run
      // lists no pending activity and the poller's end is recorded.
      cancellationType: waitForCancelledPollers
        ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        : ActivityCancellationType.TRY_CANCEL,
      retry: retryPolicy(input.providerRetry),
    });

    const scope = new CancellationScope();
    const polled = scope.run(() =>
      poller.waitForOutlineChange({
        flowId,
        lastFingerprint: state.fingerprint,
        readImmediately,
        polling,
        deadlineAt: state.deadlineAt,
      }),
    );
    const woken = scope.run(() => condition(() => wakeRequested));
    try {
      const step = await Promise.race([
        polled.then((value) => ({ kind: 'polled' as const, value })),
        woken.then(() => ({ kind: 'woken' as const })),
      ]);
      // After a wake-up the next poller reads at once; after a poll it waits its interval first.
      readImmediately = step.kind === 'woken';
      if (step.kind === 'polled') result = applyPoll(flowId, step.value, state);
    } catch (error) {
      if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
        // The provider stayed unreachable until the deadline.
        result = deadlineResult(flowId, state);
      } else {
        if (!isCancellation(error)) publishStatus('ERROR');
        // Workflow cancellation (UI, `temporal workflow cancel`, `kyc identity stop`): the
        // `finally` below cancels the poller, which stops at its next heartbeat; the run ends
        // Canceled and lists say so.
        else if (patched(CANCEL_STATUS_PATCH)) publishStatus('CANCELLED');
        if (waitForCancelledPollers) {
          scope.cancel();
          await settled(polled);
          await pollersEnded();
        }
        if (patched(IDENTITY_FLOW_NOTIFICATION_PATCH)) {
          await notifyCompletion({
            flow: 'identity-flow',
            notifyUrl: input.notifyUrl,
            status: isCancellation(error) ? 'CANCELLED' : 'ERROR',
            facts: { flowId },
          });
        }
        throw asWorkflowFailure(error);
      }
    } finally {
      // Ends whichever of the two is still pending (the poller on a wake-up, the wait otherwise).
      scope.cancel();
      if (waitForCancelledPollers) endingPollers.push(settled(polled));
    }
  }

  if (!patched(PROMPT_COMPLETION_PATCH)) await pollersEnded();
  publishStatus(result.status);
  if (patched(IDENTITY_FLOW_NOTIFICATION_PATCH)) {
    const notification = await notifyCompletion({
      flow: 'identity-flow',
      notifyUrl: input.notifyUrl,
      status: result.status,
      facts: resultFacts(result),
    });
    result = { ...result, notification };
  }
  return result;
}

/**
 * Starts a new provider flow for the caller's contextId, then the tracking workflow under the
 * flow-derived id (left running when this one completes), and returns the user's link.
 */
export async function identityFlowStarterWorkflow(rawInput: StartIdentityFlowInput): Promise<StartedIdentityFlow> {
  return countFlowEnd(
    () => startIdentityFlow(rawInput),
    () => 'STARTED',
  );
}

async function startIdentityFlow(rawInput: StartIdentityFlowInput): Promise<StartedIdentityFlow> {
  const input = checkInputOrFail(startIdentityFlowInputCheck, rawInput, 'identity flow start input');
  const { startEsignFlow } = proxyActivities<IdentityFlowActivityContract>({
    startToCloseTimeout: START_FLOW_ATTEMPT_MS,
    // Retries (and the platform's Retry-After) never outlast the flow's own deadline.
    scheduleToCloseTimeout: scheduleToCloseMs({
      maximumAttempts: START_FLOW_ATTEMPTS,
      attemptTimeoutMs: START_FLOW_ATTEMPT_MS,
      maximumIntervalMs: input.providerRetry.maxIntervalMs,
      deadlineMs: input.deadlineMs,
    }),
    // Each retry may leave one more INIT flow at the provider (never billed); bounded on purpose.
    retry: { ...retryPolicy(input.providerRetry), maximumAttempts: START_FLOW_ATTEMPTS },
  });
  let started;
  try {
    started = await startEsignFlow({
      objectType: input.objectType,
      contextId: input.contextId,
      redirectUrl: input.redirectUrl,
    });
  } catch (error) {
    throw asWorkflowFailure(error);
  }

  const workflowId = identityFlowWorkflowId(started.flowId);
  const tracking: TrackIdentityFlowInput = {
    flowId: started.flowId,
    authUrl: started.authUrl,
    shortLink: started.shortLink ?? undefined,
    polling: input.polling,
    providerRetry: input.providerRetry,
    deadlineMs: input.deadlineMs,
    continueAsNewAfterEvents: input.continueAsNewAfterEvents,
    // The tracker notifies when the flow ends (the starter's own end is not an event).
    ...(input.notifyUrl === undefined ? {} : { notifyUrl: input.notifyUrl }),
  };
  try {
    await startChild(identityFlowWorkflow, {
      workflowId,
      args: [tracking],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // Workflow time (deterministic); carried by the tracker's continue-as-new.
      typedSearchAttributes: [{ key: IDENTITY_FLOW_STATUS_KEY, value: 'INIT' }, firstStartedAtAttribute(new Date())],
      staticSummary: identityFlowTrackingSummary(started.flowId),
      staticDetails: [
        '**Identity-flow tracking** (e-signature platform)',
        '',
        `- Provider flow id: \`${started.flowId}\``,
        `- Started by \`${workflowInfo().workflowId}\` for the caller's request \`${input.contextId}\``,
      ].join('\n'),
    });
  } catch (error) {
    // Already tracked (a replayed start after a reset): attach instead of failing.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return { ...started, workflowId };
}
