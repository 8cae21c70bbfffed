/**
 * A worker process killed (SIGKILL) in the middle of a long poll: polling stops, and when a new
 * worker process starts, the poller is retried after its heartbeat timeout and resumes from its
 * heartbeat details (poll count, backoff) instead of starting over; the flow then completes.
 */
import type { Payload } from '@temporalio/common';
import {
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  pollerProgressSchema,
  type PollerProgress,
} from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import { decodePayloads, spawnWorkerProcess, startTestStack, type TestStack, type WorkerProcess } from '../harness';

let stack: TestStack;
let esign: EsignControl;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await stack?.shutdown();
});

async function readsReach(flowId: string, count: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reads = await esign.outlineReads(flowId);
    if (reads >= count) return reads;
    if (Date.now() > deadline) throw new Error(`only ${reads} outline reads, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pollerState(handle: { describe(): Promise<{ raw: { pendingActivities?: unknown[] | null } }> }) {
  const [pending] = ((await handle.describe()).raw.pendingActivities ?? []) as Array<{
    attempt?: number | null;
    heartbeatDetails?: { payloads?: Payload[] | null } | null;
  }>;
  // Heartbeat details are encrypted like every payload: decode them as the stack's client would.
  const [payload] = await decodePayloads(stack, pending?.heartbeatDetails?.payloads ?? []);
  const progress: PollerProgress | undefined = payload?.data
    ? pollerProgressSchema.parse(JSON.parse(Buffer.from(payload.data).toString('utf8')))
    : undefined;
  return { attempt: pending?.attempt ?? 0, progress };
}

it('resumes polling from the last heartbeat after the worker is killed mid-poll', async () => {
  const { flowId } = await esign.createFlow();
  await esign.progress(flowId, { flowStatus: 'ING', callback: false });
  worker = await spawnWorkerProcess(stack);

  const handle = await stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [
      {
        flowId,
        polling: { initialIntervalMs: 20, backoffCoefficient: 1, maxIntervalMs: 20, heartbeatTimeoutMs: 1_000 },
        providerRetry: { initialIntervalMs: 50, maxIntervalMs: 200 },
      },
    ],
  });
  await readsReach(flowId, 60);
  // Heartbeats are throttled to a fraction of the timeout: wait until one carries real progress.
  let before = await pollerState(handle);
  while ((before.progress?.polls ?? 0) < 20) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    before = await pollerState(handle);
  }
  expect(before.attempt).toBe(1);

  await worker.kill('SIGKILL');
  const readsAtKill = await esign.outlineReads(flowId);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  // Nothing polls while no worker runs (one request may have been in flight at the kill).
  expect(await esign.outlineReads(flowId)).toBeLessThanOrEqual(readsAtKill + 1);

  worker = await spawnWorkerProcess(stack);
  await readsReach(flowId, readsAtKill + 20);
  const after = await pollerState(handle);
  expect(after.attempt).toBeGreaterThanOrEqual(2);
  // The retried attempt continued the count from the heartbeat instead of starting from zero.
  expect(after.progress?.polls ?? 0).toBeGreaterThan(before.progress?.polls ?? 0);

  await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
  expect(await handle.result()).toMatchObject({ status: 'SUCCESS', flowId });
  const view = await handle.query(identityFlowOutlineQuery);
  expect(view.checks).toBeGreaterThan((before.progress?.polls ?? 0) + 20);
  expect(worker.output()).not.toContain(stack.credentials.esignAppSecret);
});
