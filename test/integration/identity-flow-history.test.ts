/**
 * History grows with changes, not with polls: a flow that stays ING for hundreds of polls keeps
 * a small, fixed history; and a flow with many changes continues as new, carrying its state.
 */
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  type IdentityFlowView,
  type TrackIdentityFlowInput,
} from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import { startTestStack, type TestStack } from '../harness';

const EventType = temporal.api.enums.v1.EventType;

/** A history bound that does not depend on the number of polls: start, one poller, one change, the end. */
const HISTORY_BOUND = 30;
const POLLS = 400;

let stack: TestStack;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack();
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(async () => {
  await stack?.shutdown();
});

async function track(
  flowId: string,
  overrides: Partial<TrackIdentityFlowInput>,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof identityFlowWorkflow>> {
  return stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [{ flowId, providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 }, ...overrides }],
  });
}

async function viewWhen(
  handle: WorkflowHandle,
  predicate: (view: IdentityFlowView) => boolean,
): Promise<IdentityFlowView> {
  const deadline = Date.now() + 20_000;
  let last: IdentityFlowView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(identityFlowOutlineQuery);
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`query never matched; last view: ${JSON.stringify(last)}`);
}

it(`keeps history under ${HISTORY_BOUND} events while a flow stays ING for ${POLLS} polls`, async () => {
  const { flowId } = await esign.createFlow();
  await esign.progress(flowId, { flowStatus: 'ING', callback: false });
  const handle = await track(flowId, {
    polling: { initialIntervalMs: 2, backoffCoefficient: 1, maxIntervalMs: 2, heartbeatTimeoutMs: 2_000 },
  });

  const deadline = Date.now() + 60_000;
  while ((await esign.outlineReads(flowId)) < POLLS) {
    if (Date.now() > deadline) throw new Error('the poller did not reach the poll count');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const midway = await handle.fetchHistory();
  await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
  expect((await handle.result()).status).toBe('SUCCESS');

  const reads = await esign.outlineReads(flowId);
  const events = (await handle.fetchHistory()).events ?? [];
  const view = await handle.query(identityFlowOutlineQuery);
  console.log(
    `identity-flow history: ${events.length} events for ${reads} outline reads ` +
      `(${midway.events?.length ?? 0} events after ${POLLS}+ polls, before the change)`,
  );
  expect(reads).toBeGreaterThanOrEqual(POLLS);
  expect(view.checks).toBeGreaterThanOrEqual(POLLS);
  expect(midway.events?.length ?? 0).toBeLessThan(HISTORY_BOUND);
  expect(events.length).toBeLessThan(HISTORY_BOUND);
});

it('continues as new before history grows, carrying outline, counters and callbacks', async () => {
  const { flowId } = await esign.createFlow({ objectType: 'ORGANIZATION' });
  const handle = await track(flowId, {
    polling: { initialIntervalMs: 5, maxIntervalMs: 20, heartbeatTimeoutMs: 2_000 },
    continueAsNewAfterEvents: 20,
  });
  await viewWhen(handle, (view) => view.changes === 1);
  await esign.sendCallbacks(flowId);
  await viewWhen(handle, (view) => view.callbacks === 1);

  const changes = 8;
  for (let i = 1; i <= changes; i++) {
    await esign.progress(flowId, {
      flowStatus: 'ING',
      addSubFlows: [{ subFlowId: `sub-${i}`, subFlowType: i % 2 ? 'ORGANIZATION_INFO_AUTH' : 'SOME_FUTURE_TYPE' }],
      callback: false,
    });
    await viewWhen(handle, (view) => view.changes === 1 + i);
  }
  const beforeEnd = await handle.query(identityFlowOutlineQuery);
  expect(beforeEnd.run).toBeGreaterThan(1);
  expect(beforeEnd).toMatchObject({ callbacks: 1, changes: 1 + changes });
  expect(beforeEnd.outline?.subFlows).toHaveLength(changes);

  await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
  const result = await handle.result();
  expect(result.status).toBe('SUCCESS');
  if (result.status === 'SUCCESS')
    expect(result.outline.subFlows.map((subFlow) => subFlow.subFlowId)).toHaveLength(changes);

  // Every run but the last ended in continue-as-new, and each stayed small.
  const firstRun = stack.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
  const firstEvents = (await firstRun.fetchHistory()).events ?? [];
  expect(firstEvents.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect(firstEvents.length).toBeLessThan(40);
  const lastRun = await handle.describe();
  expect(lastRun.runId).not.toBe(handle.firstExecutionRunId);
});
