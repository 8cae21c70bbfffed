/**
 * Credentials: a worker whose e-signature secret differs from the platform's fails the workflow at
 * once with a configuration error (no retry storm); the token auth mode works end to end.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  IDENTITY_FLOW_STATUS_KEY,
  identityFlowStartOptions,
  type TrackIdentityFlowInput,
} from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import { startTestStack, type TestStack } from '../harness';

const FAST: Partial<TrackIdentityFlowInput> = {
  polling: { initialIntervalMs: 10, maxIntervalMs: 40, heartbeatTimeoutMs: 2_000 },
  providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 },
};

async function track(stack: TestStack, flowId: string) {
  return stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [{ flowId, ...FAST }],
  });
}

describe('a worker with the wrong e-signature secret', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The simulators keep the generated credentials; only the worker gets the wrong secret.
    stack = await startTestStack({ env: { ESIGN_APP_SECRET: 'wrong-secret-value' } });
  });
  afterAll(async () => {
    await stack?.shutdown();
  });

  it('fails the workflow with a non-retryable configuration error that says what to check', async () => {
    const esign = new EsignControl(stack.simulators.controls.esign);
    const { flowId } = await esign.createFlow();
    const handle = await track(stack, flowId);
    const failure = await handle.result().then(
      () => {
        throw new Error('expected the workflow to fail');
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'EsignConfigurationError', nonRetryable: true });
    expect(cause?.message).toContain('INVALID_SIGNATURE');
    expect(cause?.message).toContain('ESIGN_APP_SECRET');
    expect(cause?.message).not.toContain('wrong-secret-value');

    // One attempt, no retries: configuration errors are not retried.
    expect(await stack.simulators.controls.esign.counter('rejected:INVALID_SIGNATURE')).toBe(1);
    expect((await handle.describe()).typedSearchAttributes.get(IDENTITY_FLOW_STATUS_KEY)).toBe('ERROR');
  });
});

describe('token auth mode', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ESIGN_AUTH_MODE: 'token' } });
  });
  afterAll(async () => {
    await stack?.shutdown();
  });

  it('tracks a flow with a cached token instead of signed requests', async () => {
    const esign = new EsignControl(stack.simulators.controls.esign);
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await track(stack, flowId);
    while ((await esign.outlineReads(flowId)) < 10) await new Promise((resolve) => setTimeout(resolve, 20));
    await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
    expect((await handle.result()).status).toBe('SUCCESS');
    const counters = (await stack.simulators.controls.esign.stats()).counters;
    expect(counters['tokens:issued']).toBe(1);
    expect(counters['rejected:INVALID_TOKEN'] ?? 0).toBe(0);
  });
});
