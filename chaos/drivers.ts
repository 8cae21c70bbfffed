/**
 * Plays each scripted flow against the stack as its users would: the caller through the client
 * library, the approver through the bank simulator's sent token, the e-signature user through the
 * platform simulator's control routes. Client calls that fail because the server is restarting
 * are repeated with the same request id (the server deduplicates), so the outcome of each flow is
 * what its script implies.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  KycClientError,
  UpdateRefusedError,
  AlreadyFinishedError,
  FlowFailedError,
  type DeviceApprovalHandle,
  type KycClient,
} from '../client';
import {
  APPROVAL_FAILURE,
  isTerminalStatus,
  type DeviceApprovalInput,
  type DeviceApprovalStatus,
} from '../contracts/device-approval';
import { BankDeviceControl } from '../simulators/bank-device';
import { EsignControl } from '../simulators/esign';
import { subjectOf } from '../simulators/framework/request-log';
import type { FlowOutcome } from './checker';
import {
  makeName,
  makeResidentId,
  type DeviceScript,
  type FlowScript,
  type IdentityScript,
  type PhoneScript,
  type Random,
} from './plan';
import type { WorkerSlot } from './stack';

export interface DriverContext {
  kyc: KycClient;
  bank: BankDeviceControl;
  esign: EsignControl;
  workers: WorkerSlot[];
  accountKey: string;
  approverCpfs: string[];
  seed: number;
  /** Personal values this run used, for the log check (never printed). */
  personal: Array<{ kind: string; value: string; flow: string }>;
}

/** Identity tracking policies for the run: short intervals so a missed callback is made up for quickly. */
export const CHAOS_POLLING = {
  initialIntervalMs: 500,
  backoffCoefficient: 1.5,
  maxIntervalMs: 2_000,
  heartbeatTimeoutMs: 4_000,
  checkpointEveryMs: 60_000,
};
export const CHAOS_PROVIDER_RETRY = { initialIntervalMs: 200, backoffCoefficient: 2, maxIntervalMs: 2_000 };
export const PHONE_RETRY = { initialIntervalMs: 200, maximumIntervalMs: 2_000, maximumAttempts: 10 };
const BANK_POLICY = {
  resendCooldownMs: 0,
  maxResends: 5,
  bankCallTimeoutMs: 8_000,
  bankRetry: { initialIntervalMs: 300, maximumIntervalMs: 3_000, maximumAttempts: 20 },
};

/** Errors that say "the server could not be used right now" (a restart), not "no". */
function isTransient(error: unknown): boolean {
  if (error instanceof KycClientError) return error.kind === 'connection';
  // A closed or unknown workflow (e.g. a workflow cancel after the approval ended) is an answer.
  if (error instanceof WorkflowNotFoundError) return false;
  return true;
}

/** Runs `call` until it answers, repeating it while the server is unreachable (up to `forMs`). */
async function attempt<T>(problems: string[], what: string, call: () => Promise<T>, forMs = 600_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let tries = 1; ; tries++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error) || Date.now() > deadline) throw error;
      if (tries === 3) problems.push(`${what}: retried (${error instanceof Error ? error.name : 'error'})`);
      await sleep(Math.min(5_000, 250 * tries));
    }
  }
}

/** Reads until a value comes; long, because a loaded machine restarts a worker in a minute or more. */
async function until<T>(read: () => Promise<T | undefined>, what: string, forMs = 900_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch {
      // The simulator answered 404 (no device yet): read again.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A wrong token with a letter past `f`, so the log check never mistakes a hex id for it. */
function wrongToken(random: Random, right: string | null): string {
  for (;;) {
    let token = random.pick('ghijklmnopqrstuvwxyz'.split(''));
    for (let i = 0; i < 5; i++) token += random.pick(TOKEN_ALPHABET.split(''));
    if (token !== right) return token;
  }
}

const rememberToken = (context: DriverContext, token: string, flow: string) => {
  // Tokens made only of hex digits could match any hex id in a log line: checked only when they cannot.
  if (/[g-z]/.test(token)) context.personal.push({ kind: 'token', value: token, flow });
};

/** Statuses an approval passes through on its own: an update refused in one applies once it has moved on. */
const PASSING_STATUSES: ReadonlySet<DeviceApprovalStatus> = new Set(['CREATING', 'VALIDATING']);
/** How often one scripted update is tried again while the approval is not yet where it applies. */
const MAX_UPDATE_TRIES = 12;

/**
 * One scripted update (submitToken, resendToken, cancel), sent when the approval is in a state
 * where it applies. A refusal that says "not yet" is waited out with a bound, then sent again
 * with a fresh request id (a refused update is not recorded, so nothing is done twice):
 * `InvalidState` while the approval is CREATING or VALIDATING (the bank's create or a token
 * check still in flight; an update delivered in the same workflow task as the create's answer
 * is validated before that answer is applied) waits until it has left that status;
 * `BankUnavailable` (the bank's retries ran out, nothing was used) waits 2 s. A refusal because
 * the approval has already ended returns `undefined` with the reason in `problems`: the script
 * can no longer apply, and the flow's final state is compared with what the script implies as
 * it stands (an approval that ended early is a finding, not something to excuse). Any other
 * refusal is thrown.
 */
export async function whenApplicable<T>(
  handle: DeviceApprovalHandle,
  problems: string[],
  what: string,
  nextRequestId: () => string,
  call: (requestId: string) => Promise<T>,
): Promise<T | undefined> {
  for (let tries = 1; ; tries++) {
    const requestId = nextRequestId();
    try {
      return await attempt(problems, what, () => call(requestId));
    } catch (error) {
      if (error instanceof AlreadyFinishedError) {
        problems.push(`${what}: not sent, the approval had already ended (${error.status})`);
        return undefined;
      }
      if (!(error instanceof UpdateRefusedError) || tries >= MAX_UPDATE_TRIES) throw error;
      if (error.failureType === APPROVAL_FAILURE.bankUnavailable) {
        problems.push(`${what}: bank unavailable, sent again`);
        await sleep(2_000);
        continue;
      }
      if (error.failureType !== APPROVAL_FAILURE.invalidState) throw error;
      const state = await attempt(problems, 'state', () => handle.state());
      if (isTerminalStatus(state.status)) {
        problems.push(`${what}: not applied, the approval had already ended as ${state.status}`);
        return undefined;
      }
      problems.push(
        `${what}: refused while the approval was ${state.status === 'WAITING_FOR_TOKEN' ? 'moving on' : state.status}, sent again`,
      );
      if (PASSING_STATUSES.has(state.status)) {
        const passing = state.status;
        await until(async () => {
          const now = await attempt(problems, 'state', () => handle.state());
          return now.status === passing ? undefined : now;
        }, `${handle.workflowId} to leave ${passing}`);
      } else {
        await sleep(500 * tries);
      }
    }
  }
}

export async function driveDevice(
  context: DriverContext,
  script: DeviceScript & { name: string },
  random: Random,
): Promise<FlowOutcome> {
  const problems: string[] = [];
  const deviceKey = random.uuid();
  const approverCpf = random.pick(context.approverCpfs);
  const input: DeviceApprovalInput = {
    accountKey: context.accountKey,
    deviceKey,
    sessionId: random.uuid(),
    approverCpf,
    contactType: script.contactType,
    ...(script.contactType === 'liveness' ? { imageKey: random.uuid() } : {}),
    policy: {
      ...BANK_POLICY,
      approvalDeadlineMs: script.variant === 'expire' ? random.int(15_000, 30_000) : 1_800_000,
    },
  };
  const handle = context.kyc.deviceApprovals.get({ accountKey: context.accountKey, deviceKey });
  const outcome: FlowOutcome = {
    name: script.name,
    kind: 'device',
    variant: script.variant,
    workflowId: handle.workflowId,
    expected: script.expected.status,
    expectedBankStatus: script.expected.bankStatus,
    observed: 'RUNNING',
    accountKey: context.accountKey,
    deviceKey,
    problems,
  };
  context.personal.push({ kind: 'CPF', value: approverCpf, flow: handle.workflowId });
  try {
    const start = () => attempt(problems, 'start', () => context.kyc.deviceApprovals.start(input));
    await (script.duplicateStart ? Promise.all([start(), start()]) : start());

    const readToken = async (minSent: number) => {
      const sent = await until(async () => {
        const state = await context.bank.sentToken(deviceKey);
        return state.token && state.tokens_sent >= minSent ? state : undefined;
      }, `the token of ${script.name}`);
      rememberToken(context, sent.token!, handle.workflowId);
      return sent;
    };
    let requests = 0;
    const requestId = () => `chaos-${context.seed}-${script.name}-${++requests}`;
    /** One token typed, when the approval can take it; `undefined` when it had already ended. */
    const submit = (token: string) =>
      whenApplicable(handle, problems, 'submitToken', requestId, (id) => handle.submitToken(token, { requestId: id }));

    // An expiring approval needs nothing from the approver (its device may not even be created in time).
    if (script.contactType !== 'liveness' && script.variant !== 'expire') {
      let sent = await readToken(1);
      await sleep(script.thinkMs);
      // The bank sends the token while it creates the device; re-sends and cancels need the
      // approval to have seen the creation's answer (a killed worker may still owe it). Each
      // update below still copes with a refusal that says "not yet" (whenApplicable).
      await until(async () => {
        const state = await attempt(problems, 'state', () => handle.state());
        return state.status === 'CREATING' ? undefined : state;
      }, `${script.name} to leave CREATING`);
      /** False once the approval has ended under the script: what is left of it no longer applies. */
      let open = true;
      if (script.variant === 'approve' || script.variant === 'lock') {
        for (let index = 0; index < script.wrongTokens && open; index++) {
          const wrong = wrongToken(random, sent.token);
          rememberToken(context, wrong, handle.workflowId);
          const answer = await submit(wrong);
          if (answer === undefined || answer.outcome === 'locked') open = false;
        }
      }
      for (let index = 0; index < script.resends && open; index++) {
        const answer = await whenApplicable(handle, problems, 'resendToken', requestId, (id) =>
          handle.resendToken({ requestId: id }),
        );
        if (answer === undefined || answer.outcome === 'locked') open = false;
        else sent = await readToken(sent.tokens_sent + 1);
      }
      if (script.variant === 'approve' && open) {
        // A re-send retried by the worker after a timeout may change the token once more: read it again.
        for (let tries = 1; tries <= 3; tries++) {
          const answer = await submit(sent.token!);
          if (answer?.outcome !== 'wrong') break;
          problems.push('the token changed after it was read (a re-send retried by the worker)');
          sent = await readToken(1);
        }
      }
      if (script.variant === 'cancel-update' && open) {
        await whenApplicable(handle, problems, 'cancel', requestId, (id) =>
          handle.cancel('chaos: the requester withdrew', { requestId: id }),
        );
      }
      if (script.variant === 'cancel-workflow' && open) {
        await attempt(problems, 'workflow cancel', () =>
          context.kyc.temporal.workflow.getHandle(handle.workflowId).cancel(),
        ).catch((error: unknown) => {
          // Already closed: the result below shows how it ended.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          problems.push('workflow cancel: not sent, the approval had already ended');
        });
      }
    }
    const final = await attempt(problems, 'result', () => handle.result(), 1_800_000);
    outcome.observed = final.status;
  } catch (error) {
    outcome.observed = error instanceof FlowFailedError ? `FAILED:${error.failureType}` : `ERROR:${describe(error)}`;
  }
  try {
    outcome.bankStatus = (await context.bank.sentToken(deviceKey)).status;
  } catch {
    outcome.bankStatus = 'absent';
  }
  return outcome;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error);
}

export async function driveIdentity(
  context: DriverContext,
  script: IdentityScript & { name: string },
  random: Random,
): Promise<FlowOutcome> {
  const problems: string[] = [];
  const contextId = `chaos-${context.seed}-${script.name}`;
  const tracking = { polling: CHAOS_POLLING, providerRetry: CHAOS_PROVIDER_RETRY, deadlineMs: 3_600_000 };
  const outcome: FlowOutcome = {
    name: script.name,
    kind: 'identity',
    variant: script.variant,
    workflowId: `identity-flow-start/${contextId}`,
    expected: script.expected.status,
    observed: 'RUNNING',
    problems,
  };
  try {
    let flowId: string;
    if (script.variant === 'polling-only') {
      // A flow started elsewhere without a notify URL: only polling can see it end.
      flowId = (await context.esign.createFlow({ objectType: script.objectType })).flowId;
      await attempt(problems, 'track', () => context.kyc.identityFlows.track({ flowId, ...tracking }));
    } else {
      outcome.contextId = contextId;
      const start = () =>
        attempt(problems, 'start', () =>
          context.kyc.identityFlows.start({ contextId, objectType: script.objectType, ...tracking }),
        );
      const started = await (script.variant === 'duplicate-start'
        ? Promise.all([start(), start()])
        : Promise.all([start()]));
      flowId = started[0].flow.flowId;
      if (started.some((one) => one.flow.flowId !== flowId)) problems.push('a repeated start answered another flow');
    }
    const handle = context.kyc.identityFlows.get(flowId);
    outcome.flowId = flowId;
    outcome.workflowId = handle.workflowId;

    await sleep(script.openAfterMs);
    if (script.variant === 'provider-expired') {
      outcome.finalAt = Date.now();
      await context.esign.expire(flowId);
    } else {
      await context.esign.progress(flowId, { flowStatus: 'ING', subFlows: [{ subFlowType: 'FACE', status: 'ING' }] });
      await sleep(script.finishAfterMs);
      if (script.variant === 'forged-callback') {
        // A callback that claims the flow ended, with a bad signature, at every live receiver: refused.
        for (const worker of context.workers.filter((slot) => slot.alive)) {
          await context.esign.sendCallbacks(flowId, { tamper: 'signature', url: worker.callbackUrl });
        }
      }
      const success = script.expected.status === 'SUCCESS';
      outcome.finalAt = Date.now();
      await context.esign.progress(flowId, {
        flowStatus: success ? 'SUCCESS' : 'FAIL',
        ...(success ? {} : { failReason: 'chaos: the user gave up', failReasonCode: '30500115' }),
        callback: script.variant !== 'polling-only',
      });
    }
    const result = await attempt(problems, 'result', () => handle.result(), 1_800_000);
    outcome.observed = result.status;
    const described = await attempt(problems, 'describe', () =>
      context.kyc.temporal.workflow.getHandle(handle.workflowId).describe(),
    );
    outcome.closedAt = described.closeTime?.getTime();
  } catch (error) {
    outcome.observed = error instanceof FlowFailedError ? `FAILED:${error.failureType}` : `ERROR:${describe(error)}`;
  }
  void random;
  return outcome;
}

export async function drivePhone(
  context: DriverContext,
  script: PhoneScript & { name: string; index: number },
  random: Random,
): Promise<FlowOutcome> {
  const problems: string[] = [];
  // 138 + a serial + the outcome's suffix: unique per check, so the gateway's subject names one check.
  const phone = `138${String(script.index).padStart(6, '0')}${script.suffix}`;
  const requestId = `chaos-${context.seed}-${script.name}`;
  const input = {
    phone,
    idCard: makeResidentId(random),
    name: makeName(random),
    retry: PHONE_RETRY,
    unansweredCall: script.unansweredCall,
  };
  const workflowId = `phone-check/${requestId}`;
  context.personal.push(
    { kind: 'phone number', value: phone, flow: workflowId },
    { kind: 'resident ID number', value: input.idCard, flow: workflowId },
    { kind: 'name', value: input.name, flow: workflowId },
  );
  const outcome: FlowOutcome = {
    name: script.name,
    kind: 'phone',
    workflowId,
    expected: script.expected.outcome,
    observed: 'RUNNING',
    subject: subjectOf(phone),
    unansweredCall: script.unansweredCall,
    maximumAttempts: PHONE_RETRY.maximumAttempts,
    problems,
  };
  try {
    const start = () => attempt(problems, 'start', () => context.kyc.phoneChecks.start(input, requestId));
    await (script.duplicateStart ? Promise.all([start(), start()]) : start());
    const result = await attempt(problems, 'result', () => context.kyc.phoneChecks.result(requestId), 1_800_000);
    outcome.observed = result.outcome;
    outcome.unansweredCalls = result.unansweredCalls;
  } catch (error) {
    outcome.observed = error instanceof FlowFailedError ? `FAILED:${error.failureType}` : `ERROR:${describe(error)}`;
  }
  return outcome;
}

export function driveFlow(
  context: DriverContext,
  script: FlowScript,
  random: Random,
  index: number,
): Promise<FlowOutcome> {
  switch (script.kind) {
    case 'device':
      return driveDevice(context, script, random);
    case 'identity':
      return driveIdentity(context, script, random);
    case 'phone':
      return drivePhone(context, { ...script, index }, random);
  }
}
