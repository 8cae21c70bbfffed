/**
 * Signed callbacks from the e-signature simulator, through the real receiver and dev server, wake
 * a tracking workflow whose poll interval is long; forged and stale callbacks are refused and wake
 * nothing; duplicates are tolerated; callbacks for flows nobody tracks still get their 200.
 */
import type { WorkflowHandle } from '@temporalio/client';
import {
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  type IdentityFlowView,
} from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import { startTestStack, type TestStack } from '../harness';

/** Ten minutes between polls: only a callback can make the workflow notice a change in time. */
const SLOW_POLLING = { initialIntervalMs: 600_000, maxIntervalMs: 600_000, heartbeatTimeoutMs: 2_000 };

let stack: TestStack;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack();
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(async () => {
  await stack?.shutdown();
});

async function trackSlowly(flowId: string): Promise<WorkflowHandle<typeof identityFlowWorkflow>> {
  const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [{ flowId, polling: SLOW_POLLING, providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 } }],
  });
  await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
  return handle;
}

async function viewWhen(
  handle: WorkflowHandle,
  predicate: (view: IdentityFlowView) => boolean,
): Promise<IdentityFlowView> {
  const deadline = Date.now() + 15_000;
  let last: IdentityFlowView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(identityFlowOutlineQuery);
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`query never matched; last view: ${JSON.stringify(last)}`);
}

async function flowInIng(): Promise<string> {
  const { flowId } = await esign.createFlow();
  await esign.progress(flowId, { flowStatus: 'ING', callback: false });
  return flowId;
}

it('a callback wakes a workflow that would otherwise not poll for ten minutes', async () => {
  const flowId = await flowInIng();
  const handle = await trackSlowly(flowId);
  expect(await esign.outlineReads(flowId)).toBe(1);

  const calledBack = Date.now();
  const { deliveries } = await esign.progress(flowId, { flowStatus: 'SUCCESS' });
  expect(deliveries).toEqual([expect.objectContaining({ status: 200 })]);
  expect(deliveries[0]!.elapsedMs).toBeLessThan(1_000);

  const result = await handle.result();
  const elapsed = Date.now() - calledBack;
  expect(result).toMatchObject({ status: 'SUCCESS', flowId });
  expect(elapsed).toBeLessThan(5_000);
  // The callback was a hint: the verdict came from a fresh outline read.
  expect(await esign.outlineReads(flowId)).toBe(2);
  expect(await handle.query(identityFlowOutlineQuery)).toMatchObject({ callbacks: 1, phase: 'DONE' });
});

it('refuses forged and stale callbacks with 401 and they wake nothing', async () => {
  const flowId = await flowInIng();
  const handle = await trackSlowly(flowId);
  await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });

  const forged = await esign.sendCallbacks(flowId, { tamper: 'signature' });
  const stale = await esign.sendCallbacks(flowId, { tamper: 'stale' });
  expect([...forged, ...stale].map((delivery) => delivery.status)).toEqual([401, 401]);

  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await handle.query(identityFlowOutlineQuery)).toMatchObject({ phase: 'TRACKING', callbacks: 0 });
  expect(await esign.outlineReads(flowId)).toBe(1);

  // A genuine callback still gets through afterwards.
  expect((await esign.sendCallbacks(flowId)).map((delivery) => delivery.status)).toEqual([200]);
  expect((await handle.result()).status).toBe('SUCCESS');
});

it('tolerates duplicate callbacks: each is answered 200 and the flow ends once', async () => {
  const flowId = await flowInIng();
  const handle = await trackSlowly(flowId);
  await esign.progress(flowId, { flowStatus: 'FAIL', failReason: 'face mismatch', callback: false });
  const deliveries = await esign.sendCallbacks(flowId, { times: 4 });
  expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200, 200]);
  expect(await handle.result()).toMatchObject({ status: 'FAIL', reason: 'face mismatch' });
  // Late duplicates for a finished workflow are still answered 200.
  expect((await esign.sendCallbacks(flowId, { times: 2 })).map((delivery) => delivery.status)).toEqual([200, 200]);
});

it('answers 200 to a callback for a flow that no workflow tracks', async () => {
  const { flowId } = await esign.createFlow();
  await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
  const deliveries = await esign.sendCallbacks(flowId);
  expect(deliveries).toEqual([expect.objectContaining({ status: 200 })]);
  expect(deliveries[0]!.elapsedMs).toBeLessThan(1_000);
});
