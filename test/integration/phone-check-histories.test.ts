/**
 * Runs one phone check per workflow branch on the real server and replays each fresh history with
 * the current workflow code. With RECORD_PHONE_CHECK_HISTORIES=1 it also writes them (decoded) to
 * test/histories/phone-check/, which test/replay/phone-check-replay.test.ts replays without a
 * server, so a change that breaks checks already in flight fails CI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_WORKFLOW_TYPE,
  phoneCheckWorkflowId,
  type PhoneCheckInput,
} from '../../contracts/phone-check';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import type { SimulatorControl } from '../../simulators/framework/control-client';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';
import { historyJson } from '../support/histories';

const HISTORIES_DIR = join(__dirname, '..', 'histories', 'phone-check');
const RECORD = process.env.RECORD_PHONE_CHECK_HISTORIES === '1';
const ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;
const CLIENT_TIMEOUT_MS = 1_000;
const FAST_RETRY = { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 4 };

type Handle = WorkflowHandle<typeof phoneCheckWorkflow>;

let stack: TestStack;
let gateway: SimulatorControl;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROVIDER_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS) } });
  gateway = stack.simulators.controls.phone;
  if (RECORD) mkdirSync(HISTORIES_DIR, { recursive: true });
});
afterAll(() => stack?.shutdown());
beforeEach(() => gateway.reset());

function input(phoneSuffix: string, extra: Partial<PhoneCheckInput> = {}): PhoneCheckInput {
  return { phone: `138123456${phoneSuffix}`, idCard: '11010519491231002X', name: '张三', retry: FAST_RETRY, ...extra };
}

function start(request: PhoneCheckInput): Promise<Handle> {
  return stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: phoneCheckWorkflowId(uniqueId('hist')),
    args: [request],
    workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
    workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
  });
}

/** How each branch ends: the result's outcome, or the failure type at the root. */
async function ending(handle: Handle): Promise<string> {
  try {
    return (await handle.result()).outcome;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    let cause: unknown = error.cause;
    while (typeof cause === 'object' && cause !== null && 'cause' in cause && cause.cause) cause = cause.cause;
    return String((cause as { type?: unknown }).type);
  }
}

const SCENARIOS: Record<string, { run: () => Promise<Handle>; ends: string }> = {
  verified: { run: () => start(input('00')), ends: 'VERIFIED' },
  'timeout-then-verified': {
    run: async () => {
      await gateway.injectFault({ route: ROUTE, kind: 'delay', delayMs: CLIENT_TIMEOUT_MS * 3 });
      return start(input('00'));
    },
    ends: 'VERIFIED',
  },
  'unavailable-then-mismatch': {
    run: async () => {
      await gateway.injectFault({ route: ROUTE, kind: 'status', status: 503, body: { error: 'maintenance' } });
      return start(input('04'));
    },
    ends: 'MISMATCH',
  },
  'auth-rejected': {
    run: async () => {
      await gateway.injectFault({ route: ROUTE, kind: 'status', status: 401, body: { error: 'token' } });
      return start(input('00'));
    },
    ends: 'PhoneGatewayAuthRejected',
  },
};

it.each(Object.keys(SCENARIOS))('%s: ends as expected and its history replays', async (name) => {
  const scenario = SCENARIOS[name]!;
  const handle = await scenario.run();
  expect(await ending(handle)).toBe(scenario.ends);
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
    await handle.fetchHistory(),
    name,
  );
  if (RECORD) writeFileSync(join(HISTORIES_DIR, `${name}.json`), await historyJson(handle.workflowId));
});
