/**
 * The phone gateway's limit is for the account: a burst of checks served by two worker processes.
 * Properties, not timings (what reaches the simulator also carries both processes' scheduling
 * delays, which on a shared test machine at load 20–36 reach a second, so a peak measured at the
 * gateway belongs to the benchmark, docs/performance.md §4):
 *
 * - the account's send schedule (the slots the ledger workflow granted, read from its history)
 *   never holds more than PHONE_RATE_PER_SECOND slots in any sliding second;
 * - no call reaches the gateway before a slot: sorted, the k-th arrival is never earlier than
 *   the k-th slot (each call waits for its own slot, and delays only make it later);
 * - every check completes, with one call each (plus any repeat of an unanswered call);
 * - both processes made calls, so the schedule was shared, not per worker.
 *
 * Without the ledger (Temporal's task-queue limit alone) there is no schedule and a burst reaches
 * the gateway at once; with a ledger that spaced slots too closely the first property fails.
 */
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_WORKFLOW_TYPE,
  phoneCheckWorkflowId,
  phoneGatewayTaskQueue,
} from '../../contracts/phone-check';
import { freePort } from '../../scripts/lib/free-port';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { gatewayCallTimes, peakInSlidingWindow } from '../../simulators/phone-gateway/call-times';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { grantedGatewaySlots } from '../../scripts/lib/gateway-slots';
import { startWorkerProcess } from '../../scripts/lib/worker-process';
import { harnessInfo, startTestStack, uniqueId, type TestStack, type WorkerProcess } from '../harness';

const RATE = 10;
const CHECKS = 100;

let stack: TestStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    workers: false,
    env: { PHONE_RATE_PER_SECOND: String(RATE) },
  });
  const ports = [await freePort(), await freePort()];
  workers.push(
    ...(await Promise.all(
      ports.map((port) =>
        startWorkerProcess({
          env: {
            ...process.env,
            ...stack.env,
            KYC_WORKFLOW_BUNDLE: harnessInfo().workflowBundlePath,
            CALLBACK_LISTEN_PORT: String(port),
          },
          // Shared test machines start workers slowly.
          readyTimeoutMs: 240_000,
        }),
      ),
    )),
  );
}, 300_000);
afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGTERM');
  await stack?.shutdown();
});

/** Every slot the ledger handed out (epoch ms), from its history's update results, over all its runs. */
const grantedSlots = () =>
  grantedGatewaySlots(stack.client, stack.dataConverter, phoneGatewayTaskQueue(stack.taskQueue));

test(`${CHECKS} checks at once on two workers: at most ${RATE} send slots in every sliding second, no call before its slot, none lost`, async () => {
  const gateway = stack.simulators.controls.phone;
  await gateway.reset();
  const handles = await Promise.all(
    Array.from({ length: CHECKS }, (_, index) =>
      stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: phoneCheckWorkflowId(uniqueId(`rate-${index}`)),
        args: [{ phone: '13812345600', idCard: '11010519491231002X', name: '张三' }],
        workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
        workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
      }),
    ),
  );
  const results = await Promise.all(handles.map((handle) => handle.result()));
  // One call per check, plus any call repeated after it went unanswered (a loaded machine).
  const unanswered = results.reduce((sum, result) => sum + (result.unansweredCalls ?? 0), 0);
  const times = await gatewayCallTimes(gateway);
  expect(times).toHaveLength(CHECKS + unanswered);
  expect(await gateway.counter(`calls:POST ${PHONE_VERIFICATION_PATH}`)).toBe(CHECKS + unanswered);

  const slots = await grantedSlots();
  expect(peakInSlidingWindow(slots, 1000)).toBeLessThanOrEqual(RATE);
  expect(times.length).toBeLessThanOrEqual(slots.length);
  const sortedTimes = [...times].sort((a, b) => a - b);
  const sortedSlots = [...slots].sort((a, b) => a - b);
  const early = sortedTimes.filter((time, k) => time < sortedSlots[k]!);
  expect(early).toEqual([]);

  // Both processes made calls (the worker identity names its process): the limit held for the
  // account, not for one worker.
  const identities = new Set<string>();
  for (const handle of handles) {
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity);
    }
  }
  expect(identities.size).toBe(2);
}, 300_000);
