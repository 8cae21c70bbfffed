/**
 * A finished tracking run leaves no activity behind: when a callback wakes the workflow, the
 * sleeping poller is cancelled and the workflow waits for that cancellation to complete before it
 * returns, so `describe` of the closed run lists no pending activity (the UI showed "Pending
 * Activities 1", CANCEL_REQUESTED, and the worker logged "Activity not found on completion").
 *
 * With RECORD_IDENTITY_FLOW_HISTORIES=1 it writes each history to test/histories/identity-flow/,
 * which test/replay replays without a server. The stack encrypts with a fixed fixture key so the
 * replay can decode the recorded payloads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import {
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  type IdentityFlowView,
} from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import { REPLAY_FIXTURE_PAYLOAD_KEYS } from '../support/replay-key';
import { harnessInfo, startTestStack, type TestStack } from '../harness';

const EventType = temporal.api.enums.v1.EventType;
const HISTORIES_DIR = join(__dirname, '..', 'histories', 'identity-flow');
const RECORD = process.env.RECORD_IDENTITY_FLOW_HISTORIES === '1';

let stack: TestStack;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack({ env: { KYC_PAYLOAD_KEYS: REPLAY_FIXTURE_PAYLOAD_KEYS } });
  esign = new EsignControl(stack.simulators.controls.esign);
  if (RECORD) mkdirSync(HISTORIES_DIR, { recursive: true });
});
afterAll(async () => {
  await stack?.shutdown();
});

async function track(
  flowId: string,
  polling: { initialIntervalMs: number; maxIntervalMs: number; heartbeatTimeoutMs: number },
): Promise<WorkflowHandle<typeof identityFlowWorkflow>> {
  const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [{ flowId, polling, providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 } }],
  });
  await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
  return handle;
}

async function viewWhen(
  handle: WorkflowHandle,
  predicate: (view: IdentityFlowView) => boolean,
): Promise<IdentityFlowView> {
  const deadline = Date.now() + 30_000;
  let last: IdentityFlowView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(identityFlowOutlineQuery);
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`query never matched; last view: ${JSON.stringify(last)}`);
}

async function flowInIng(): Promise<string> {
  const { flowId } = await esign.createFlow();
  await esign.progress(flowId, { flowStatus: 'ING', callback: false });
  return flowId;
}

async function checkAndRecord(handle: WorkflowHandle, name: string): Promise<void> {
  const history = await handle.fetchHistory();
  if (RECORD) writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.raw.pendingActivities ?? []).toEqual([]);
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
    history,
    name,
  );
}

it('a run woken by a callback completes with no pending activity: the cancelled poller ended first', async () => {
  const flowId = await flowInIng();
  // Ten minutes between polls: the first poller is asleep when the callback arrives.
  const handle = await track(flowId, { initialIntervalMs: 600_000, maxIntervalMs: 600_000, heartbeatTimeoutMs: 2_000 });
  await esign.progress(flowId, { flowStatus: 'SUCCESS' });
  expect(await handle.result()).toMatchObject({ status: 'SUCCESS', flowId });
  await checkAndRecord(handle, 'callback-woken');
  // The cancelled poller's end is in history, before the workflow's own completion.
  const types = ((await handle.fetchHistory()).events ?? []).map((event) => event.eventType);
  const cancelledAt = types.indexOf(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
  expect(cancelledAt).toBeGreaterThan(0);
  expect(cancelledAt).toBeLessThan(types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
});

it('a run that sees the end by polling completes with no pending activity', async () => {
  const flowId = await flowInIng();
  const handle = await track(flowId, { initialIntervalMs: 200, maxIntervalMs: 200, heartbeatTimeoutMs: 2_000 });
  await esign.progress(flowId, { flowStatus: 'FAIL', failReason: 'face mismatch', callback: false });
  expect(await handle.result()).toMatchObject({ status: 'FAIL', reason: 'face mismatch' });
  await checkAndRecord(handle, 'polled-to-fail');
});
