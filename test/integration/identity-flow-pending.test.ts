/**
 * A tracking run that sees the end by polling leaves no activity behind (`describe` of the closed
 * run lists no pending activity; before the poller-cancel-wait patch the UI showed "Pending
 * Activities 1", CANCEL_REQUESTED). A run woken by a callback completes at once (patch
 * identity-flow-prompt-completion): it no longer waits for the sleeping poller it cancelled, which
 * hears of it only on its next throttled heartbeat.
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

it('a run woken by a callback completes at once, without waiting for the poller it cancelled', async () => {
  const flowId = await flowInIng();
  // Ten minutes between polls: the first poller is asleep when the callback arrives. Its heartbeats
  // are throttled to 80 % of 20 s, so it cannot hear of its cancellation for about 16 s.
  const handle = await track(flowId, {
    initialIntervalMs: 600_000,
    maxIntervalMs: 600_000,
    heartbeatTimeoutMs: 20_000,
  });
  await esign.progress(flowId, { flowStatus: 'SUCCESS' });
  expect(await handle.result()).toMatchObject({ status: 'SUCCESS', flowId });
  const history = await handle.fetchHistory();
  if (RECORD) writeFileSync(join(HISTORIES_DIR, 'callback-woken-prompt.json'), historyToJSON(history));
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
    history,
    'callback-woken-prompt',
  );
  // The run completed with the cancellation requested, before the sleeping poller acknowledged it
  // (issue 11: waiting for that acknowledgement held the result up to a heartbeat interval).
  const types = (history.events ?? []).map((event) => event.eventType);
  expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
  expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
});

it('a run that sees the end by polling completes with no pending activity', async () => {
  const flowId = await flowInIng();
  const handle = await track(flowId, { initialIntervalMs: 200, maxIntervalMs: 200, heartbeatTimeoutMs: 2_000 });
  await esign.progress(flowId, { flowStatus: 'FAIL', failReason: 'face mismatch', callback: false });
  expect(await handle.result()).toMatchObject({ status: 'FAIL', reason: 'face mismatch' });
  await checkAndRecord(handle, 'polled-to-fail');
});
