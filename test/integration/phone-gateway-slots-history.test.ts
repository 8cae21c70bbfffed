/**
 * Runs the phone gateway's slot ledger on the real server with requests as three workers would
 * send them (consecutive slots for waiting calls, a reservation spaced at a worker's own rate, two
 * requests at once), checks the slots it hands out, and replays its history with the current
 * workflow code. With RECORD_GATEWAY_SLOT_HISTORY=<name> it also writes that history (decoded) to
 * test/histories/phone-gateway-slots/<name>.json, which test/replay/phone-gateway-slots-replay.test.ts
 * replays without a server, so a change that would rebuild a running ledger's schedule
 * differently from what it handed out is caught.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE,
  phoneGatewaySlotsWorkflowId,
  reserveGatewaySlotUpdate,
  type SlotRequest,
} from '../../contracts/phone-gateway-slots';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';
import { historyJson } from '../support/histories';

const HISTORIES_DIR = join(__dirname, '..', 'histories', 'phone-gateway-slots');
const RECORD_AS = process.env.RECORD_GATEWAY_SLOT_HISTORY;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  if (RECORD_AS) mkdirSync(HISTORIES_DIR, { recursive: true });
});
afterAll(() => stack?.shutdown());

test('a ledger serving three workers: every slot one spacing from all others, and its history replays', async () => {
  // Its own gateway queue name: a ledger of its own, not the one the stack's phone checks use.
  const workflowId = phoneGatewaySlotsWorkflowId(uniqueId('slots-history'));
  const reserve = (request: SlotRequest) =>
    stack.client.workflow.executeUpdateWithStart(reserveGatewaySlotUpdate, {
      args: [request],
      startWorkflowOperation: new WithStartWorkflowOperation(PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: stack.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{}],
      }),
    });
  const spacingMs = 52.5; // 20 calls/s with a 50 ms jitter allowance
  const grants = [await reserve({ count: 3, spacingMs, leadMs: 100 })];
  grants.push(await reserve({ count: 4, spacingMs, leadMs: 100, everyMs: 105 }));
  grants.push(
    ...(await Promise.all([
      reserve({ count: 2, spacingMs, leadMs: 20 }),
      reserve({ count: 3, spacingMs, leadMs: 20, everyMs: 160 }),
    ])),
  );
  const slots = grants.flatMap((grant) => grant.slotsMs).sort((a, b) => a - b);
  expect(slots).toHaveLength(12);
  for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(spacingMs - 1e-6);

  const handle = stack.client.workflow.getHandle(workflowId);
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
    await handle.fetchHistory(),
    workflowId,
  );
  if (RECORD_AS) writeFileSync(join(HISTORIES_DIR, `${RECORD_AS}.json`), await historyJson(workflowId));
  // The ledger would wait an idle hour before it ends.
  await handle.terminate('test over');
}, 120_000);
