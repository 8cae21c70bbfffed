/**
 * Demo of identity-flow tracking, as a caller and a user would drive it: start a new flow by the
 * caller's contextId (the starter returns the user's link), watch the outline change in the
 * query while the user works through the sub-flows, repeat the start and attach to the same flow,
 * and see the platform's signed callback wake the workflow for the verdict. Driven through the
 * project's client library, so each run has its UI summary. No personal data.
 */
import { randomBytes } from 'node:crypto';
import type { IdentityFlowHandle } from '../../client';
import type { IdentityFlowView, StartIdentityFlowInput } from '../../contracts/identity-flow';
import { EsignControl } from '../../simulators/esign';
import type { DemoContext } from './context';

async function viewWhen(
  handle: IdentityFlowHandle,
  predicate: (view: IdentityFlowView) => boolean,
): Promise<IdentityFlowView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const view = await handle.outline();
    if (predicate(view)) return view;
    if (Date.now() > deadline) throw new Error('the outline did not change in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function describe(view: IdentityFlowView): string {
  const outline = view.outline;
  if (!outline) return 'no outline yet';
  const subFlows = outline.subFlows.map((subFlow) => `${subFlow.subFlowType}=${subFlow.status}`).join(', ') || 'none';
  return `status ${outline.flowStatus}; sub-flows: ${subFlows}; ${view.checks} provider reads, ${view.changes} changes`;
}

export async function runIdentityFlowDemo(ctx: DemoContext): Promise<void> {
  const esign = new EsignControl(ctx.controls.esign);
  const contextId = `demo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const input: StartIdentityFlowInput = {
    contextId,
    objectType: 'INDIVIDUAL',
    // Quick polls so the demo shows each step; callbacks make the verdict immediate anyway.
    polling: { initialIntervalMs: 300, backoffCoefficient: 1.5, maxIntervalMs: 2_000 },
  };

  // 1. The caller asks for a verification; the starter starts the provider flow and its tracker.
  ctx.say(`Starting an identity flow for caller context ${contextId}...`);
  const { flow: started, handle } = await ctx.kyc.identityFlows.start(input);
  ctx.say(`Provider flow ${started.flowId}; the user completes it at ${started.authUrl}`);
  ctx.say(`Tracking workflow: ${ctx.workflowLink(started.workflowId)}`);
  ctx.say(`Outline: ${describe(await viewWhen(handle, (view) => view.outline !== null))}`);

  // 2. The same request again attaches: same flow, no second provider flow.
  const { flow: again } = await ctx.kyc.identityFlows.start(input);
  ctx.say(`Same contextId again: flow ${again.flowId} (${again.flowId === started.flowId ? 'attached' : 'NEW?!'}).`);

  // 3. The user opens the link and works through the checks; polling sees each change.
  await esign.progress(started.flowId, {
    flowStatus: 'ING',
    subFlows: [{ subFlowId: 'telecom', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' }],
    callback: false,
  });
  ctx.say(`User started the carrier check. Outline: ${describe(await viewWhen(handle, (view) => view.changes >= 2))}`);
  await esign.progress(started.flowId, {
    subFlowStatus: { telecom: 'SUCCESS' },
    addSubFlows: [{ subFlowId: 'face', subFlowType: 'FACEAUTH_ESIGN', status: 'ING' }],
    callback: false,
  });
  ctx.say(
    `Carrier check passed, face check begun. Outline: ${describe(await viewWhen(handle, (view) => view.changes >= 3))}`,
  );

  // 4. The face check passes; the platform calls back and the workflow reads the verdict at once.
  const { deliveries } = await esign.progress(started.flowId, {
    flowStatus: 'SUCCESS',
    subFlowStatus: { face: 'SUCCESS' },
  });
  ctx.say(`Flow finished at the provider; signed callback answered HTTP ${deliveries[0]?.status ?? 'n/a'}.`);
  const result = await handle.result();
  const view = await handle.outline();
  const events = (await ctx.client.workflow.getHandle(handle.workflowId).fetchHistory()).events?.length ?? 0;
  ctx.say(`Result: ${result.status}. ${describe(view)}; ${view.callbacks} callback(s); ${events} history events.`);
  ctx.say(`See it in the UI: ${ctx.workflowLink(started.workflowId)}`);
}
