/**
 * Identity-flow tracking end to end on the real dev server, the production worker wiring and the
 * e-signature simulator: INIT -> ING -> SUCCESS / FAIL by polling, new flows through the starter,
 * repeated starts attaching, unknown sub-flow types kept, not found / expired / our deadline,
 * provider 5xx and timeouts survived, and bad input refused before any provider call.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  IDENTITY_FLOW_STATUS_KEY,
  identityFlowOutlineQuery,
  identityFlowStarterOptions,
  identityFlowStartOptions,
  identityFlowWorkflowId,
  type IdentityFlowView,
  type StartIdentityFlowInput,
  type StartedIdentityFlow,
  type TrackIdentityFlowInput,
} from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowStarterWorkflow, identityFlowWorkflow } from '../../workflows/identity-flow';
import { startTestStack, uniqueId, type TestStack } from '../harness';

/** Millisecond policies: the policies are workflow input, so tests run in seconds. */
const FAST = {
  polling: { initialIntervalMs: 10, backoffCoefficient: 1.5, maxIntervalMs: 40, heartbeatTimeoutMs: 2_000 },
  providerRetry: { initialIntervalMs: 50, backoffCoefficient: 2, maxIntervalMs: 200 },
  deadlineMs: 60_000,
} satisfies Partial<TrackIdentityFlowInput>;

let stack: TestStack;
let esign: EsignControl;

beforeAll(async () => {
  // A short provider timeout so the "timeouts survived" case is quick.
  stack = await startTestStack({ env: { PROVIDER_TIMEOUT_MS: '400' } });
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(async () => {
  await stack?.shutdown();
});

async function track(
  flowId: string,
  overrides: Partial<TrackIdentityFlowInput> = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof identityFlowWorkflow>> {
  return stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [{ flowId, ...FAST, ...overrides }],
  });
}

/** Starts (or attaches to) the starter for a contextId and returns the new flow and its tracking id. */
async function startNewFlow(input: StartIdentityFlowInput): Promise<StartedIdentityFlow> {
  const options = identityFlowStarterOptions(input.contextId, stack.taskQueue);
  try {
    const handle = await stack.client.workflow.start<typeof identityFlowStarterWorkflow>(
      'identityFlowStarterWorkflow',
      {
        ...options,
        args: [input],
      },
    );
    return await handle.result();
  } catch (error) {
    // The starter already completed for this contextId: its result stands.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return stack.client.workflow.getHandle<typeof identityFlowStarterWorkflow>(options.workflowId).result();
  }
}

async function viewWhen(
  handle: WorkflowHandle,
  predicate: (view: IdentityFlowView) => boolean,
  timeoutMs = 15_000,
): Promise<IdentityFlowView> {
  const deadline = Date.now() + timeoutMs;
  let last: IdentityFlowView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(identityFlowOutlineQuery);
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`query never matched; last view: ${JSON.stringify(last)}`);
}

async function statusAttribute(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(IDENTITY_FLOW_STATUS_KEY);
}

describe('identity flow by polling', () => {
  it('follows INIT -> ING -> SUCCESS, showing each outline in the query and the status in the search attribute', async () => {
    const { flowId } = await esign.createFlow({ objectType: 'INDIVIDUAL' });
    const handle = await track(flowId);
    expect(handle.workflowId).toBe(identityFlowWorkflowId(flowId));

    const init = await viewWhen(handle, (view) => view.outline !== null);
    expect(init).toMatchObject({ phase: 'TRACKING', outline: { flowStatus: 'INIT', subFlows: [] }, changes: 1 });
    expect(init.lastCheckedAt).toEqual(expect.any(Number));
    expect(await statusAttribute(handle)).toBe('INIT');

    await esign.progress(flowId, {
      flowStatus: 'ING',
      subFlows: [{ subFlowId: 'tel', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' }],
      callback: false,
    });
    const ing = await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
    expect(ing.outline?.subFlows).toEqual([
      { subFlowId: 'tel', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' },
    ]);
    expect(await statusAttribute(handle)).toBe('ING');

    await esign.progress(flowId, { flowStatus: 'SUCCESS', subFlowStatus: { tel: 'SUCCESS' }, callback: false });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'SUCCESS', flowId, outline: { flowStatus: 'SUCCESS' } });
    if (result.status !== 'SUCCESS') throw new Error('expected SUCCESS');
    expect(result.outline.subFlows).toEqual([
      { subFlowId: 'tel', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'SUCCESS' },
    ]);
    expect(await statusAttribute(handle)).toBe('SUCCESS');
    const done = await handle.query(identityFlowOutlineQuery);
    expect(done).toMatchObject({ phase: 'DONE', changes: 3, result: { status: 'SUCCESS' } });
  });

  it('ends in FAIL with the provider reason', async () => {
    const { flowId } = await esign.createFlow();
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline !== null);
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
    await esign.progress(flowId, {
      flowStatus: 'FAIL',
      failReason: 'operator information does not match',
      callback: false,
    });
    expect(await handle.result()).toMatchObject({
      status: 'FAIL',
      flowId,
      reason: 'operator information does not match',
      providerCode: null,
      outline: { flowStatus: 'FAIL' },
    });
    expect(await statusAttribute(handle)).toBe('FAIL');
  });

  it('keeps unknown sub-flow types and statuses and the related flows of an organisation flow', async () => {
    const { flowId } = await esign.createFlow({ objectType: 'ORGANIZATION' });
    await esign.progress(flowId, {
      flowStatus: 'ING',
      subFlows: [
        { subFlowId: 'pay', subFlowType: 'ORGANIZATION_TRANSFER_RANDOM_AMOUNT', status: 'ING' },
        { subFlowId: 'new', subFlowType: 'ORGANIZATION_QUANTUM_CHECK', status: 'WAITING_FOR_SOMETHING' },
      ],
      relatedFlows: [
        {
          flowId: '802965095964494307',
          flowStatus: 'SUCCESS',
          subFlows: [{ subFlowId: 'face', subFlowType: 'FACEAUTH_SOMETHING_NEW', status: 'SUCCESS' }],
        },
      ],
      callback: false,
    });
    const handle = await track(flowId);
    const view = await viewWhen(handle, (current) => current.outline?.flowStatus === 'ING');
    expect(view.outline?.subFlows.map((subFlow) => [subFlow.subFlowType, subFlow.status])).toEqual([
      ['ORGANIZATION_TRANSFER_RANDOM_AMOUNT', 'ING'],
      ['ORGANIZATION_QUANTUM_CHECK', 'WAITING_FOR_SOMETHING'],
    ]);
    expect(view.outline?.relatedFlows).toEqual([
      expect.objectContaining({
        flowId: '802965095964494307',
        flowStatus: 'SUCCESS',
        subFlows: [{ subFlowId: 'face', subFlowType: 'FACEAUTH_SOMETHING_NEW', status: 'SUCCESS' }],
      }),
    ]);
    await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
    const result = await handle.result();
    expect(result.status).toBe('SUCCESS');
    if (result.status === 'SUCCESS') expect(result.outline.subFlows[1]?.subFlowType).toBe('ORGANIZATION_QUANTUM_CHECK');
  });
});

describe('starting and attaching', () => {
  it('starts a new flow through the starter, returns the user link, and a repeated request attaches', async () => {
    const contextId = uniqueId('order');
    const first = await startNewFlow({ contextId, objectType: 'INDIVIDUAL', ...FAST });
    expect(first.workflowId).toBe(identityFlowWorkflowId(first.flowId));
    expect(first.authUrl).toContain(first.flowId);

    const again = await startNewFlow({ contextId, objectType: 'INDIVIDUAL', ...FAST });
    expect(again).toEqual(first);

    const handle = stack.client.workflow.getHandle<typeof identityFlowWorkflow>(first.workflowId);
    const view = await viewWhen(handle, (current) => current.outline !== null);
    expect(view).toMatchObject({ authUrl: first.authUrl, outline: { contextId, flowStatus: 'INIT' } });

    // The flow was started with our notify URL, so the platform's end-of-flow callback reaches the receiver.
    const { deliveries } = await esign.progress(first.flowId, { flowStatus: 'SUCCESS' });
    expect(deliveries).toEqual([expect.objectContaining({ status: 200, url: stack.config.esign.notifyUrl })]);
    expect(await handle.result()).toMatchObject({ status: 'SUCCESS', flowId: first.flowId });
  });

  it('attaches a repeated start for the same flow id to the running workflow', async () => {
    const { flowId } = await esign.createFlow();
    const first = await track(flowId);
    const second = await track(flowId);
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
    expect((await first.result()).status).toBe('SUCCESS');
  });

  it('refuses bad input before any provider call', async () => {
    const flowId = 'not/a-flow-id';
    const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
      workflowId: uniqueId('identity-bad-input'),
      taskQueue: stack.taskQueue,
      args: [{ flowId, polling: { initialIntervalMs: 50, maxIntervalMs: 10 } }],
    });
    const failure = await handle.result().then(
      () => {
        throw new Error('expected a failure');
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(cause?.message).toContain('flowId');
    expect(cause?.message).toContain('polling.maxIntervalMs');
    expect(await esign.outlineReads(flowId)).toBe(0);
  });
});

describe('flows that end without a verdict', () => {
  it.each([
    ['30500004', 30500004],
    ['30500001 (the page reading)', 30500001],
  ])('reports NOT_FOUND for code %s, keeping the provider code and message', async (_label, code) => {
    const { flowId } = await esign.createFlow();
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline !== null);
    await esign.gone(flowId, code);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'NOT_FOUND', flowId, providerCode: code });
    if (result.status === 'NOT_FOUND') expect(result.providerMessage).toBeTruthy();
    expect(await statusAttribute(handle)).toBe('NOT_FOUND');
  });

  it('reports NOT_FOUND for a flow id the provider never issued', async () => {
    const handle = await track('800000000000000001');
    expect(await handle.result()).toMatchObject({ status: 'NOT_FOUND', providerCode: 30500004 });
  });

  it('reports EXPIRED (provider) when the platform expires the flow, with the last outline seen', async () => {
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
    await esign.expire(flowId);
    expect(await handle.result()).toMatchObject({
      status: 'EXPIRED',
      source: 'provider',
      providerCode: 30500003,
      outline: { flowStatus: 'ING' },
    });
    expect(await statusAttribute(handle)).toBe('EXPIRED');
  });

  it('reports EXPIRED (deadline) when our own deadline passes first', async () => {
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await track(flowId, { deadlineMs: 500 });
    expect(await handle.result()).toMatchObject({
      status: 'EXPIRED',
      source: 'deadline',
      providerCode: null,
      outline: { flowStatus: 'ING' },
    });
  });

  it('maps the attempt limit to FAIL with the provider code', async () => {
    const { flowId } = await esign.createFlow();
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline !== null);
    await esign.gone(flowId, 30500052);
    expect(await handle.result()).toMatchObject({
      status: 'FAIL',
      providerCode: 30500052,
    });
    expect(JSON.stringify(await handle.result())).toContain('attempt limit');
  });
});

describe('provider trouble', () => {
  it('survives 5xx answers, dropped connections, truncated answers and timeouts', async () => {
    const { flowId } = await esign.createFlow();
    const route = 'GET /v2/identity/auth/api/common/:flowId/outline';
    const control = stack.simulators.controls.esign;
    await control.injectFault({ route, kind: 'status', status: 502, times: 2 });
    await control.injectFault({ route, kind: 'drop', times: 1 });
    await control.injectFault({ route, kind: 'malformed', times: 1 });
    await control.injectFault({ route, kind: 'delay', delayMs: 1_000, times: 1 });
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline !== null);
    const stats = await control.stats();
    expect(stats.counters).toMatchObject({
      'faults:status': 2,
      'faults:drop': 1,
      'faults:malformed': 1,
      'faults:delay': 1,
    });

    await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
    expect((await handle.result()).status).toBe('SUCCESS');
    const history = await handle.fetchHistory();
    // Retries of the poller are not history events: only the final attempt is recorded.
    const attempts = history.events?.flatMap((event) =>
      event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
    expect(Math.max(...(attempts ?? [1]))).toBeGreaterThanOrEqual(5);
  });
});
