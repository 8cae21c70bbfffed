/**
 * The polling activity in a mock activity context against the in-process simulator: it returns
 * only on a change, resumes its backoff from heartbeat details, and stops promptly when cancelled.
 */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIdentityFlowActivities } from '../../activities/identity-flow';
import {
  outlineFingerprint,
  pollingPolicySchema,
  type PollerProgress,
  type WaitForOutlineChangeInput,
} from '../../contracts/identity-flow';
import { EsignClient } from '../../providers/esign';
import { SimulatorControl } from '../../simulators/framework/control-client';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import { startEsignSimulator } from '../../simulators/esign';

const APP_ID = 'poller-app';
const APP_SECRET = 'poller-secret-0123456789';

let simulator: RunningSimulator;
let control: SimulatorControl;
let activities: ReturnType<typeof createIdentityFlowActivities>;

const polling = pollingPolicySchema.parse({
  initialIntervalMs: 5,
  backoffCoefficient: 2,
  maxIntervalMs: 40,
  heartbeatTimeoutMs: 400,
});

beforeAll(async () => {
  simulator = await startEsignSimulator({ appId: APP_ID, appSecret: APP_SECRET });
  control = new SimulatorControl(simulator.url);
  activities = createIdentityFlowActivities(
    new EsignClient({
      baseUrl: simulator.url,
      appId: APP_ID,
      appSecret: APP_SECRET,
      authMode: 'signature',
      timeoutMs: 2_000,
    }),
  );
});
afterAll(async () => {
  await simulator.close();
});

async function flowInIng(): Promise<{ flowId: string; fingerprint: string }> {
  const { flowId } = (await control.request('POST', '/esign/flows', {})) as { flowId: string };
  await control.request('POST', `/esign/flows/${flowId}/progress`, {
    flowStatus: 'ING',
    subFlows: [{ subFlowId: 'a', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR' }],
  });
  const read = await runIn(new MockActivityEnvironment(), () => activities.readIdentityOutline({ flowId }));
  if (read.kind !== 'outline') throw new Error('expected an outline');
  return { flowId, fingerprint: outlineFingerprint(read.outline) };
}

/** Runs one activity in a mock activity context (the mock's own typing loses the result type). */
function runIn<R>(env: MockActivityEnvironment, fn: () => Promise<R>): Promise<R> {
  return env.run<[], R, () => Promise<R>>(fn);
}

function input(
  flowId: string,
  lastFingerprint: string | null,
  overrides: Partial<WaitForOutlineChangeInput> = {},
): WaitForOutlineChangeInput {
  return { flowId, lastFingerprint, readImmediately: true, polling, deadlineAt: Date.now() + 60_000, ...overrides };
}

describe('waitForOutlineChange', () => {
  it('returns at once with the first outline when the workflow knows none', async () => {
    const { flowId } = await flowInIng();
    const result = await runIn(new MockActivityEnvironment(), () =>
      activities.waitForOutlineChange(input(flowId, null)),
    );
    expect(result).toMatchObject({
      reason: 'changed',
      polls: 1,
      read: { kind: 'outline', outline: { flowStatus: 'ING' } },
    });
  });

  it('keeps polling while nothing changes, heartbeating its progress, and returns on the change', async () => {
    const { flowId, fingerprint } = await flowInIng();
    const env = new MockActivityEnvironment();
    const beats: PollerProgress[] = [];
    env.on('heartbeat', (details: PollerProgress) => beats.push(details));
    const running = runIn(env, () => activities.waitForOutlineChange(input(flowId, fingerprint)));
    while ((await control.counter(`outline:${flowId}`)) < 6) await new Promise((resolve) => setTimeout(resolve, 10));
    await control.request('POST', `/esign/flows/${flowId}/progress`, {
      subFlowStatus: { a: 'SUCCESS' },
      callback: false,
    });
    const result = await running;
    expect(result.reason).toBe('changed');
    expect(result.read).toMatchObject({
      kind: 'outline',
      outline: { subFlows: [{ subFlowId: 'a', status: 'SUCCESS' }] },
    });
    expect(result.polls).toBeGreaterThanOrEqual(5);
    expect(beats.at(-1)).toMatchObject({ polls: result.polls, intervalMs: 40 });
  });

  it('resumes the poll count and backoff from the last heartbeat after a retry', async () => {
    const { flowId, fingerprint } = await flowInIng();
    const env = new MockActivityEnvironment({
      attempt: 2,
      heartbeatDetails: { polls: 41, intervalMs: 40, lastPolledAt: 1 },
    });
    const beats: PollerProgress[] = [];
    env.on('heartbeat', (details: PollerProgress) => beats.push(details));
    const deadlineAt = Date.now() + 150;
    const result = await runIn(env, () => activities.waitForOutlineChange(input(flowId, fingerprint, { deadlineAt })));
    expect(result.reason).toBe('deadline');
    expect(result.polls).toBeGreaterThan(41);
    expect(beats.every((beat) => beat.intervalMs === 40)).toBe(true);
  });

  it('waits one interval before its first read when the workflow has just seen the outline', async () => {
    const { flowId, fingerprint } = await flowInIng();
    const slow = pollingPolicySchema.parse({ initialIntervalMs: 300, maxIntervalMs: 300, heartbeatTimeoutMs: 400 });
    const before = await control.counter(`outline:${flowId}`);
    const running = runIn(new MockActivityEnvironment(), () =>
      activities.waitForOutlineChange(input(flowId, fingerprint, { readImmediately: false, polling: slow })),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await control.counter(`outline:${flowId}`)).toBe(before);
    await control.request('POST', `/esign/flows/${flowId}/progress`, { flowStatus: 'SUCCESS', callback: false });
    expect(await running).toMatchObject({ reason: 'final', polls: 1 });
  });

  it('reports back at a checkpoint even when nothing changes', async () => {
    const { flowId, fingerprint } = await flowInIng();
    const checkpointing = pollingPolicySchema.parse({ ...polling, checkpointEveryMs: 100 });
    const result = await runIn(new MockActivityEnvironment(), () =>
      activities.waitForOutlineChange(input(flowId, fingerprint, { polling: checkpointing })),
    );
    expect(result).toMatchObject({ reason: 'checkpoint', read: { kind: 'outline', outline: { flowStatus: 'ING' } } });
    expect(result.polls).toBeGreaterThan(1);
  });

  it('returns a gone flow as data, with the provider code', async () => {
    const { flowId, fingerprint } = await flowInIng();
    await control.request('POST', `/esign/flows/${flowId}/expire`);
    const result = await runIn(new MockActivityEnvironment(), () =>
      activities.waitForOutlineChange(input(flowId, fingerprint)),
    );
    expect(result).toMatchObject({ reason: 'gone', read: { kind: 'gone', reason: 'EXPIRED', providerCode: 30500003 } });
  });

  it('stops with a cancellation, not a result, when the workflow cancels it', async () => {
    const { flowId, fingerprint } = await flowInIng();
    const env = new MockActivityEnvironment();
    const running = runIn(env, () => activities.waitForOutlineChange(input(flowId, fingerprint)));
    while ((await control.counter(`outline:${flowId}`)) < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });

  it('turns a configuration error into a non-retryable failure', async () => {
    const wrong = createIdentityFlowActivities(
      new EsignClient({
        baseUrl: simulator.url,
        appId: APP_ID,
        appSecret: 'wrong',
        authMode: 'signature',
        timeoutMs: 2_000,
      }),
    );
    await expect(
      runIn(new MockActivityEnvironment(), () => wrong.waitForOutlineChange(input('1', null))),
    ).rejects.toMatchObject({
      type: 'EsignConfigurationError',
      nonRetryable: true,
    });
  });
});
