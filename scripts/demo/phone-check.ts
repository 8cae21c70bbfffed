/**
 * Demo of the phone three-factor check, as a caller would run it: start by request id, see the
 * gateway's busy answers retried, start the same request again without a second call, see a
 * mismatch, and see bad input refused before any call. Narration carries no personal data.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_WORKFLOW_TYPE,
  phoneCheckWorkflowId,
  type PhoneCheckInput,
} from '../../contracts/phone-check';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import type { DemoContext } from './context';

const ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;

/** Made-up test factors; the simulator picks its answer from the phone's last two digits. */
function demoFactors(phoneSuffix: string): PhoneCheckInput {
  return { phone: `138000000${phoneSuffix}`, idCard: '11010519491231002X', name: '张三' };
}

export async function runPhoneCheckDemo(ctx: DemoContext): Promise<void> {
  const gateway = ctx.controls.phone;
  const runTag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const gatewayCounts = async () => ({
    calls: await gateway.counter(`calls:${ROUTE}`),
    billed: await gateway.counter('billedCalls'),
  });
  const start = (requestId: string, input: PhoneCheckInput): Promise<WorkflowHandle<typeof phoneCheckWorkflow>> =>
    ctx.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
      taskQueue: ctx.taskQueue,
      workflowId: phoneCheckWorkflowId(requestId),
      args: [input],
      workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
      workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
    });

  // 1. A check the gateway first answers "busy" (-11) twice.
  const requestId = `demo-${runTag}`;
  await gateway.injectFault({ route: ROUTE, kind: 'busy', times: 2 });
  const before = await gatewayCounts();
  ctx.say(`Starting check for request ${requestId}; the gateway will answer "busy" twice first.`);
  const handle = await start(requestId, demoFactors('00'));
  ctx.say(`Workflow: ${ctx.workflowLink(handle.workflowId)}`);
  const result = await handle.result();
  const after = await gatewayCounts();
  ctx.say(
    `Result: ${result.outcome} (Result ${result.resultCode}, carrier ${result.carrier}, gateway RequestId ${result.requestId}).`,
  );
  ctx.say(
    `Gateway calls: ${after.calls - before.calls} (two busy, one answer); billed: ${after.billed - before.billed}.`,
  );

  // 2. The same request again: refused as a new run, answered from the completed one.
  try {
    await start(requestId, demoFactors('00'));
    throw new Error('a completed check was started again');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  const again = await ctx.client.workflow.getHandle<typeof phoneCheckWorkflow>(handle.workflowId).result();
  const afterRepeat = await gatewayCounts();
  ctx.say(
    `Same request id again: no new run, same answer (${again.outcome}); new gateway calls: ${afterRepeat.calls - after.calls}.`,
  );

  // 3. Factors that do not belong together: a final, billed answer, never retried.
  const mismatch = await start(`demo-${runTag}-mismatch`, demoFactors('04'));
  ctx.say(`Mismatch check: ${ctx.workflowLink(mismatch.workflowId)}`);
  ctx.say(`Result: ${(await mismatch.result()).outcome}.`);

  // 4. A resident ID with a wrong check character: refused before any gateway call.
  const beforeBad = await gatewayCounts();
  const bad = await start(`demo-${runTag}-bad-input`, { ...demoFactors('00'), idCard: '110105194912310021' });
  ctx.say(`Bad input check: ${ctx.workflowLink(bad.workflowId)}`);
  try {
    await bad.result();
    throw new Error('bad input was accepted');
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    ctx.say(`Refused: ${error.cause?.message ?? 'invalid input'}.`);
  }
  ctx.say(`Gateway calls for the bad input: ${(await gatewayCounts()).calls - beforeBad.calls}.`);
}
