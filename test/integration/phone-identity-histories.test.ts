/**
 * Runs the phone check and the identity tracker through their main paths on the real server and
 * replays each fresh history with the current workflow code. With RECORD_HISTORIES=1 it also
 * writes them to test/histories/phone-check/ and test/histories/identity-flow/, which
 * test/replay/phone-identity-replay.test.ts replays without a server, so a later change to
 * `workflows/` that breaks determinism for runs already in flight fails CI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  identityFlowOutlineQuery,
  identityFlowStartOptions,
  type IdentityFlowView,
  type TrackIdentityFlowInput,
} from '../../contracts/identity-flow';
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_WORKFLOW_TYPE,
  phoneCheckWorkflowId,
  type PhoneCheckInput,
} from '../../contracts/phone-check';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { EsignControl } from '../../simulators/esign';
import type { identityFlowWorkflow } from '../../workflows/identity-flow';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';
import { HISTORIES_ROOT, historyJson } from '../support/histories';

const RECORD = process.env.RECORD_HISTORIES === '1';
const FAST_RETRY = { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 4 };
const FAST_TRACKING = {
  polling: { initialIntervalMs: 10, backoffCoefficient: 1.5, maxIntervalMs: 40, heartbeatTimeoutMs: 2_000 },
  providerRetry: { initialIntervalMs: 50, backoffCoefficient: 2, maxIntervalMs: 200 },
  deadlineMs: 60_000,
} satisfies Partial<TrackIdentityFlowInput>;
/** Ten minutes between polls: only the callback makes the tracker read again in time. */
const SLOW_POLLING = { initialIntervalMs: 600_000, maxIntervalMs: 600_000, heartbeatTimeoutMs: 2_000 };

let stack: TestStack;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROVIDER_TIMEOUT_MS: '1000' } });
  esign = new EsignControl(stack.simulators.controls.esign);
  if (RECORD) {
    mkdirSync(join(HISTORIES_ROOT, 'phone-check'), { recursive: true });
    mkdirSync(join(HISTORIES_ROOT, 'identity-flow'), { recursive: true });
  }
});
afterAll(async () => {
  await stack?.shutdown();
});

/** Test data, not a real person: a valid-checksum ID, and a phone whose last two digits pick the answer. */
function factors(phoneSuffix: string): PhoneCheckInput {
  return { phone: `138123456${phoneSuffix}`, idCard: '11010519491231002X', name: '张三', retry: FAST_RETRY };
}

function startPhoneCheck(input: PhoneCheckInput): Promise<WorkflowHandle<typeof phoneCheckWorkflow>> {
  return stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: phoneCheckWorkflowId(uniqueId('req')),
    args: [input],
    workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
    workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
  });
}

function track(flowId: string, overrides: Partial<TrackIdentityFlowInput> = {}) {
  return stack.client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
    ...identityFlowStartOptions(flowId, stack.taskQueue),
    args: [{ flowId, ...FAST_TRACKING, ...overrides }],
  });
}

async function viewWhen(handle: WorkflowHandle, predicate: (view: IdentityFlowView) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: IdentityFlowView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(identityFlowOutlineQuery);
    if (predicate(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`query never matched; last view: ${JSON.stringify(last)}`);
}

/** How a run ended: its result's status / outcome, or the failure's type. */
async function ending(handle: WorkflowHandle): Promise<string> {
  try {
    const result = (await handle.result()) as { status?: string; outcome?: string };
    return result.status ?? result.outcome ?? 'COMPLETED';
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    const cause = error.cause as { type?: string; cause?: { type?: string } } | undefined;
    return `failed:${cause?.cause?.type ?? cause?.type ?? 'unknown'}`;
  }
}

/** A run to record: the folder, the handle, and (for continue-as-new) the extra runs to record. */
interface Recording {
  handle: WorkflowHandle;
  expected: string;
  earlierRuns?: Array<{ name: string; runId: string }>;
}

const PHONE_SCENARIOS: Record<string, () => Promise<Recording>> = {
  verified: async () => ({ handle: await startPhoneCheck(factors('00')), expected: 'VERIFIED' }),
  mismatch: async () => ({ handle: await startPhoneCheck(factors('04')), expected: 'MISMATCH' }),
  'busy-then-verified': async () => {
    await stack.simulators.controls.phone.injectFault({
      route: `POST ${PHONE_VERIFICATION_PATH}`,
      kind: 'busy',
      times: 2,
    });
    return { handle: await startPhoneCheck(factors('00')), expected: 'VERIFIED' };
  },
  'busy-until-retries-exhausted': async () => ({
    handle: await startPhoneCheck(factors('11')),
    expected: 'failed:PhoneGatewayBusy',
  }),
  'input-rejected': async () => ({
    handle: await startPhoneCheck({ ...factors('00'), idCard: '110105194912310021' }),
    expected: 'failed:InvalidInput',
  }),
};

const IDENTITY_SCENARIOS: Record<string, () => Promise<Recording>> = {
  'polled-init-ing-success': async () => {
    const { flowId } = await esign.createFlow({ objectType: 'INDIVIDUAL' });
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline?.flowStatus === 'INIT');
    await esign.progress(flowId, {
      flowStatus: 'ING',
      subFlows: [{ subFlowId: 'tel', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' }],
      callback: false,
    });
    await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
    await esign.progress(flowId, { flowStatus: 'SUCCESS', subFlowStatus: { tel: 'SUCCESS' }, callback: false });
    return { handle, expected: 'SUCCESS' };
  },
  'polled-fail': async () => {
    const { flowId } = await esign.createFlow();
    const handle = await track(flowId);
    await viewWhen(handle, (view) => view.outline !== null);
    await esign.progress(flowId, { flowStatus: 'FAIL', failReason: 'recorded scenario', callback: false });
    return { handle, expected: 'FAIL' };
  },
  'callback-wake-success': async () => {
    const { flowId } = await esign.createFlow();
    await esign.progress(flowId, { flowStatus: 'ING', callback: false });
    const handle = await track(flowId, { polling: SLOW_POLLING });
    await viewWhen(handle, (view) => view.outline?.flowStatus === 'ING');
    // The signed callback goes through the real receiver, which signals the tracker.
    await esign.progress(flowId, { flowStatus: 'SUCCESS' });
    return { handle, expected: 'SUCCESS' };
  },
  'deadline-expired': async () => {
    const { flowId } = await esign.createFlow();
    return { handle: await track(flowId, { deadlineMs: 500 }), expected: 'EXPIRED' };
  },
  'continued-as-new-then-success': async () => {
    const { flowId } = await esign.createFlow({ objectType: 'ORGANIZATION' });
    const handle = await track(flowId, {
      polling: { initialIntervalMs: 5, maxIntervalMs: 20, heartbeatTimeoutMs: 2_000 },
      continueAsNewAfterEvents: 20,
    });
    await viewWhen(handle, (view) => view.changes === 1);
    await esign.sendCallbacks(flowId);
    await viewWhen(handle, (view) => view.callbacks === 1);
    for (let i = 1; i <= 6; i++) {
      await esign.progress(flowId, {
        flowStatus: 'ING',
        addSubFlows: [{ subFlowId: `sub-${i}`, subFlowType: 'ORGANIZATION_INFO_AUTH' }],
        callback: false,
      });
      await viewWhen(handle, (view) => view.changes === 1 + i);
    }
    await viewWhen(handle, (view) => view.run > 1);
    await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
    // The first run ends in continue-as-new; it is recorded too (the resume path is the last run).
    return {
      handle,
      expected: 'SUCCESS',
      earlierRuns: [{ name: 'continued-as-new-first-run', runId: handle.firstExecutionRunId }],
    };
  },
};

async function recordAndReplay(folder: string, name: string, scenario: () => Promise<Recording>): Promise<void> {
  const { handle, expected, earlierRuns = [] } = await scenario();
  expect(await ending(handle)).toBe(expected);
  const lastRunId = (await handle.describe()).runId;
  const runs = [...earlierRuns, { name, runId: lastRunId }];
  for (const run of runs) {
    const history = await stack.client.workflow.getHandle(handle.workflowId, run.runId).fetchHistory();
    // Fetched with the run's payload keys: the replay decodes with the same converter.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: harnessInfo().workflowBundlePath }, dataConverter: stack.dataConverter },
      history,
      run.name,
    );
    if (RECORD)
      writeFileSync(join(HISTORIES_ROOT, folder, `${run.name}.json`), await historyJson(handle.workflowId, run.runId));
  }
}

describe('phone check', () => {
  it.each(Object.keys(PHONE_SCENARIOS))('%s: finishes as expected and its history replays', async (name) => {
    await recordAndReplay('phone-check', name, PHONE_SCENARIOS[name]!);
  });
});

describe('identity tracker', () => {
  it.each(Object.keys(IDENTITY_SCENARIOS))('%s: finishes as expected and its history replays', async (name) => {
    await recordAndReplay('identity-flow', name, IDENTITY_SCENARIOS[name]!);
  });
});
