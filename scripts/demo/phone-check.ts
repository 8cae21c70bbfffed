/**
 * Demo of the phone three-factor check, as a caller would run it: start by request id, see the
 * gateway's busy answers retried, start the same request again without a second call, see a
 * mismatch, and see bad input refused before any call; through the project's client library, so
 * each run has its UI summary. Narration carries no personal data.
 */
import { randomBytes } from 'node:crypto';
import type { PhoneCheckInput } from '../../contracts/phone-check';
import { InvalidInputError } from '../../contracts/validation';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
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
  const checks = ctx.kyc.phoneChecks;

  // 1. A check the gateway first answers "busy" (-11) twice.
  const requestId = `demo-${runTag}`;
  await gateway.injectFault({ route: ROUTE, kind: 'busy', times: 2 });
  const before = await gatewayCounts();
  ctx.say(`Starting check for request ${requestId}; the gateway will answer "busy" twice first.`);
  const { workflowId } = await checks.start(demoFactors('00'), requestId);
  ctx.say(`Workflow: ${ctx.workflowLink(workflowId)}`);
  const result = await checks.result(requestId);
  const after = await gatewayCounts();
  ctx.say(
    `Result: ${result.outcome} (Result ${result.resultCode}, carrier ${result.carrier}, gateway RequestId ${result.requestId}).`,
  );
  ctx.say(
    `Gateway calls: ${after.calls - before.calls} (two busy, one answer); billed: ${after.billed - before.billed}.`,
  );

  // 2. The same request again: no new run, answered from the completed one.
  const again = await checks.run(demoFactors('00'), requestId);
  if (again.started) throw new Error('a completed check was started again');
  const afterRepeat = await gatewayCounts();
  ctx.say(
    `Same request id again: no new run, same answer (${again.result.outcome}); new gateway calls: ${afterRepeat.calls - after.calls}.`,
  );

  // 3. Factors that do not belong together: a final, billed answer, never retried.
  const mismatch = await checks.start(demoFactors('04'), `demo-${runTag}-mismatch`);
  ctx.say(`Mismatch check: ${ctx.workflowLink(mismatch.workflowId)}`);
  ctx.say(`Result: ${(await checks.result(`demo-${runTag}-mismatch`)).outcome}.`);

  // 4. A resident ID with a wrong check character: refused in the caller, before Temporal or the gateway.
  const beforeBad = await gatewayCounts();
  try {
    await checks.start({ ...demoFactors('00'), idCard: '110105194912310021' }, `demo-${runTag}-bad-input`);
    throw new Error('bad input was accepted');
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    ctx.say(`Refused: ${error.message}.`);
  }
  ctx.say(`Gateway calls for the bad input: ${(await gatewayCounts()).calls - beforeBad.calls}.`);
}
