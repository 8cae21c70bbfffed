/**
 * Callbacks do not depend on the worker that started the flow (issue 13 §3). The production shape,
 * on the real dev server: two worker processes with no receiver of their own (CALLBACK_RECEIVER=off)
 * and one standalone callback receiver (worker/callback-main.ts) at the stable address that
 * ESIGN_NOTIFY_URL names. An identity flow is started (the platform is given that address) and
 * tracked by worker A with a ten-minute poll interval; A is killed with SIGKILL; the platform's
 * signed callback goes to the stable address, the receiver signals the tracker by its workflow id
 * through Temporal, and worker B finishes the flow — long before any poll would have.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { KycClient } from '../../client';
import { identityFlowWorkflowId } from '../../contracts/identity-flow';
import { freePort } from '../../scripts/lib/free-port';
import { EsignControl } from '../../simulators/esign';
import { ESIGN_CALLBACK_PATH } from '../../worker/callback-receiver';
import {
  spawnCallbackReceiverProcess,
  spawnWorkerProcess,
  startTestStack,
  uniqueId,
  type TestStack,
  type WorkerProcess,
} from '../harness';

jest.setTimeout(240_000);

/** Ten minutes between polls: only the callback can end the flow within this test's time. */
const SLOW_POLLING = { initialIntervalMs: 600_000, maxIntervalMs: 600_000, heartbeatTimeoutMs: 2_000 };

let stack: TestStack;
let esign: EsignControl;
let kyc: KycClient;
let stableUrl: string;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  stableUrl = `http://127.0.0.1:${await freePort()}${ESIGN_CALLBACK_PATH}`;
  stack = await startTestStack({
    workers: false,
    // The workers give the platform the stable address and run no receiver themselves.
    env: { ESIGN_NOTIFY_URL: stableUrl, CALLBACK_RECEIVER: 'off' },
  });
  esign = new EsignControl(stack.simulators.controls.esign);
  kyc = new KycClient(stack.client, stack.config.temporal);
  processes.push(await spawnCallbackReceiverProcess(stack, { CALLBACK_LISTEN_PORT: new URL(stableUrl).port }));
});

afterAll(async () => {
  for (const child of processes) await child.kill('SIGKILL');
  await stack?.shutdown();
});

/** The identity (`<pid>@<host>`) of every worker that completed a workflow task of this run, in order. */
async function workflowTaskWorkers(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowTaskCompletedEventAttributes?.identity)
    .filter((identity): identity is string => Boolean(identity));
}

it('a callback to the stable address finishes a flow whose starting worker was killed, through another worker', async () => {
  const workerA = await spawnWorkerProcess(stack);
  processes.push(workerA);
  expect(workerA.output()).toContain('no callback receiver in this process');

  const { flow, handle } = await kyc.identityFlows.start({
    contextId: uniqueId(`order-${randomUUID().slice(0, 8)}`),
    objectType: 'INDIVIDUAL',
    polling: SLOW_POLLING,
  });
  expect(handle.workflowId).toBe(identityFlowWorkflowId(flow.flowId));
  // The tracker's first read is done (by worker A, the only one): it now waits ten minutes.
  for (let view = await handle.outline(); view.checks < 1; view = await handle.outline()) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tracker = stack.client.workflow.getHandle(handle.workflowId);
  const pidA = workerA.child.pid!;
  expect((await workflowTaskWorkers(tracker)).every((identity) => identity.startsWith(`${pidA}@`))).toBe(true);

  const workerB = await spawnWorkerProcess(stack);
  processes.push(workerB);
  await workerA.kill('SIGKILL');
  expect(workerA.child.signalCode).toBe('SIGKILL');

  // The platform calls the notify URL it was given when the flow started: the stable address.
  const { deliveries } = await esign.progress(flow.flowId, {
    flowStatus: 'SUCCESS',
    subFlowStatus: { tel: 'SUCCESS' },
  });
  expect(deliveries).toEqual([expect.objectContaining({ url: stableUrl, status: 200 })]);

  const result = await handle.result();
  expect(result).toMatchObject({ status: 'SUCCESS', flowId: flow.flowId });
  const view = await handle.status();
  expect(view.callbacks).toBe(1);
  // Woken by the callback: one read at the start, one after the callback, no scheduled poll between.
  expect(await esign.outlineReads(flow.flowId)).toBe(2);
  // The last workflow tasks, which saw the callback and completed the run, were worker B's.
  const identities = await workflowTaskWorkers(tracker);
  expect(identities.at(-1)).toMatch(new RegExp(`^${workerB.child.pid}@`));
});
