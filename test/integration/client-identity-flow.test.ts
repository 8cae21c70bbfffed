/**
 * The client library's identity flows against the real dev server, the production worker wiring
 * and the e-signature simulator: start and attach by request id, track an existing flow, the
 * outline, watch (across continue-as-new), lists by status and age, and typed errors.
 */
import type { IdentityFlowView, TrackIdentityFlowInput } from '../../contracts/identity-flow';
import { InvalidInputError } from '../../contracts/validation';
import { FlowNotFoundError, KycClient, type IdentityFlowHandle } from '../../client';
import { EsignControl } from '../../simulators/esign';
import { startTestStack, uniqueId, type TestStack } from '../harness';

const START_ROUTE = 'calls:POST /v2/identity/auth/web/indivAuthUrl';
const FAST = {
  polling: { initialIntervalMs: 20, backoffCoefficient: 1.5, maxIntervalMs: 100, heartbeatTimeoutMs: 2_000 },
  providerRetry: { initialIntervalMs: 50, backoffCoefficient: 2, maxIntervalMs: 200 },
  deadlineMs: 120_000,
} satisfies Partial<TrackIdentityFlowInput>;

let stack: TestStack;
let kyc: KycClient;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack();
  kyc = new KycClient(stack.client, stack.config.temporal);
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(() => stack?.shutdown());

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function outlineWhen(handle: IdentityFlowHandle, ok: (view: IdentityFlowView) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const view = await handle.outline();
    if (ok(view) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a new flow for a request id', () => {
  const contextId = uniqueId('order');
  let handle: IdentityFlowHandle;
  let flowId: string;

  beforeAll(async () => {
    const started = await kyc.identityFlows.start({ contextId, objectType: 'INDIVIDUAL', ...FAST });
    expect(started.started).toBe(true);
    handle = started.handle;
    flowId = started.flow.flowId;
    expect(started.flow.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(started.flow.workflowId).toBe(`identity-flow/${flowId}`);
  });

  it('attaches a repeated request to the same provider flow', async () => {
    const again = await kyc.identityFlows.start({ contextId, objectType: 'INDIVIDUAL', ...FAST });
    expect(again.started).toBe(false);
    expect(again.flow.flowId).toBe(flowId);
    expect(await stack.simulators.controls.esign.counter(START_ROUTE)).toBe(1);
  });

  it('labels the starter run for the UI without personal data', async () => {
    const description = await stack.client.workflow.getHandle(`identity-flow-start/${contextId}`).describe();
    expect(await description.staticSummary()).toBe(`Start an identity flow (individual) for request ${contextId}`);
  });

  it('labels the tracking run the starter created, too', async () => {
    const description = await stack.client.workflow.getHandle(`identity-flow/${flowId}`).describe();
    expect(await description.staticSummary()).toBe(`Track identity flow ${flowId} until it succeeds, fails or expires`);
    expect(await description.staticDetails()).toContain(`\`identity-flow-start/${contextId}\``);
  });

  it('reads the outline through the query', async () => {
    const view = await outlineWhen(handle, (candidate) => candidate.outline !== null);
    expect(view).toMatchObject({ flowId, phase: 'TRACKING', result: null });
    expect(view.outline?.flowStatus).toBe('INIT');
  });

  it('lists it among the flows in progress, and by age', async () => {
    const inProgress = await eventually(
      () => kyc.identityFlows.list({ status: ['INIT', 'ING'], execution: 'Running' }),
      (items) => items.some((item) => item.flowId === flowId),
    );
    expect(inProgress.find((item) => item.flowId === flowId)).toMatchObject({ execution: 'RUNNING' });
    expect((await kyc.identityFlows.inProgressOlderThan(60 * 60_000)).map((item) => item.flowId)).not.toContain(flowId);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await kyc.identityFlows.inProgressOlderThan(1_000)).map((item) => item.flowId)).toContain(flowId);
  });

  it('streams each change until the flow succeeds', async () => {
    const seen: IdentityFlowView[] = [];
    const watching = (async () => {
      for await (const view of handle.watch()) seen.push(view);
    })();
    // Let the watch read its first view (INIT) before the flow moves on, or a slow first read skips it.
    for (const deadline = Date.now() + 10_000; seen.length === 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await esign.progress(flowId, { flowStatus: 'ING', subFlows: [{ subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR' }] });
    await outlineWhen(handle, (view) => view.outline?.flowStatus === 'ING');
    await esign.progress(flowId, { flowStatus: 'SUCCESS', subFlowStatus: { [`${flowId}-sub-1`]: 'SUCCESS' } });
    await watching;

    expect(seen.map((view) => view.outline?.flowStatus)).toEqual(expect.arrayContaining(['INIT', 'ING', 'SUCCESS']));
    expect(seen.at(-1)).toMatchObject({ phase: 'DONE', result: { status: 'SUCCESS', flowId } });
    for (let i = 1; i < seen.length; i++) expect(JSON.stringify(seen[i])).not.toBe(JSON.stringify(seen[i - 1]));
    expect(await handle.result()).toMatchObject({ status: 'SUCCESS', flowId });
  });
});

describe('tracking a flow started elsewhere', () => {
  it('follows it across continue-as-new runs to its end', async () => {
    const { flowId } = await esign.createFlow({ objectType: 'INDIVIDUAL', contextId: uniqueId('ext') });
    const tracked = await kyc.identityFlows.track({ flowId, ...FAST, continueAsNewAfterEvents: 20 });
    expect(tracked.started).toBe(true);
    const again = await kyc.identityFlows.track({ flowId, ...FAST });
    expect(again.started).toBe(false);

    const runs = new Set<number>();
    const watching = (async () => {
      let last: IdentityFlowView | undefined;
      for await (const view of tracked.handle.watch()) {
        runs.add(view.run);
        last = view;
      }
      return last;
    })();
    await outlineWhen(tracked.handle, (view) => view.outline !== null);
    // Each change adds history; with a limit of 20 events the tracking continues as new along the way.
    for (let step = 1; step <= 4; step++) {
      await esign.progress(flowId, { flowStatus: 'ING', addSubFlows: [{ subFlowType: `STEP_${step}` }] });
      await outlineWhen(tracked.handle, (view) => (view.outline?.subFlows.length ?? 0) === step);
    }
    await esign.remove(flowId);
    const last = await watching;

    expect(last?.result).toMatchObject({ status: 'NOT_FOUND', flowId });
    expect(Math.max(...runs)).toBeGreaterThan(1);
  });

  it('labels a tracking run it started', async () => {
    const { flowId } = await esign.createFlow({ objectType: 'ORGANIZATION' });
    const { handle } = await kyc.identityFlows.track({ flowId, ...FAST });
    const description = await stack.client.workflow.getHandle(handle.workflowId).describe();
    expect(await description.staticSummary()).toBe(`Track identity flow ${flowId} until it succeeds, fails or expires`);
    await esign.remove(flowId);
    expect((await handle.result()).status).toBe('NOT_FOUND');
  });
});

describe('errors', () => {
  it('refuses a bad request before starting anything, naming the field', async () => {
    const error = await caught(kyc.identityFlows.start({ contextId: 'has space', objectType: 'INDIVIDUAL' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((issue) => issue.field)).toEqual(['contextId']);
  });

  it('reports an unknown flow as not found', async () => {
    expect(await caught(kyc.identityFlows.get('000000000000000001').outline())).toBeInstanceOf(FlowNotFoundError);
  });
});
