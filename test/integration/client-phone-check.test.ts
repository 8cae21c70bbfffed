/**
 * The client library's phone check against the real dev server, the production worker wiring and
 * the gateway simulator: typed results, one billed call per request id, failures as typed errors,
 * bad input refused in the caller, lists by outcome, user metadata.
 */
import type { PhoneCheckInput } from '../../contracts/phone-check';
import { InvalidInputError } from '../../contracts/validation';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { FlowFailedError, KycClient } from '../../client';
import { startTestStack, uniqueId, type TestStack } from '../harness';

const CALLS = `calls:POST ${PHONE_VERIFICATION_PATH}`;
const ID_CARD = '11010519491231002X';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 100, maximumAttempts: 2 };

/** Test data, not a real person: the phone's last two digits pick the simulator's answer. */
function factors(phoneSuffix: string): PhoneCheckInput {
  return { phone: `138123456${phoneSuffix}`, idCard: ID_CARD, name: '张三', retry: FAST_RETRY };
}

let stack: TestStack;
let kyc: KycClient;

beforeAll(async () => {
  stack = await startTestStack();
  kyc = new KycClient(stack.client, stack.config.temporal);
});
afterAll(() => stack?.shutdown());
beforeEach(() => stack.simulators.controls.phone.reset());

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

it('returns the typed result, and the same answer without a second call for the same request id', async () => {
  const requestId = uniqueId('verify');
  const first = await kyc.phoneChecks.run(factors('00'), requestId);
  expect(first).toMatchObject({ workflowId: `phone-check/${requestId}`, started: true });
  expect(first.result).toMatchObject({ outcome: 'VERIFIED', resultCode: 0, billed: true, carrier: 'CHINA_MOBILE' });

  const again = await kyc.phoneChecks.run(factors('00'), requestId);
  expect(again.started).toBe(false);
  expect(again.result).toEqual(first.result);
  expect(await stack.simulators.controls.phone.counter(CALLS)).toBe(1);
});

it('labels the run for the UI with the request id and no factor', async () => {
  const requestId = uniqueId('label');
  await kyc.phoneChecks.run(factors('04'), requestId);
  const description = await stack.client.workflow.getHandle(`phone-check/${requestId}`).describe();
  expect(await description.staticSummary()).toBe(`Phone three-factor check for request ${requestId}`);
  const details = (await description.staticDetails()) ?? '';
  expect(details).toContain('up to 2 attempts');
  expect(details).not.toContain('13812345604');
  expect(details).not.toContain(ID_CARD);
});

it('lists checks by outcome', async () => {
  const requestId = uniqueId('mismatch');
  expect((await kyc.phoneChecks.run(factors('04'), requestId)).result.outcome).toBe('MISMATCH');
  const deadline = Date.now() + 15_000;
  let found = await kyc.phoneChecks.list({ outcome: 'MISMATCH' });
  while (!found.some((item) => item.requestId === requestId) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    found = await kyc.phoneChecks.list({ outcome: 'MISMATCH' });
  }
  expect(found.find((item) => item.requestId === requestId)).toMatchObject({
    outcome: 'MISMATCH',
    execution: 'COMPLETED',
  });
  expect(found.every((item) => item.outcome === 'MISMATCH')).toBe(true);
});

it('reports a check that failed as FlowFailedError, and lets the same request id run again', async () => {
  const requestId = uniqueId('busy');
  const error = await caught(kyc.phoneChecks.run(factors('11'), requestId));
  expect(error).toBeInstanceOf(FlowFailedError);
  expect(error).toMatchObject({ failureType: 'PhoneGatewayBusy', workflowId: `phone-check/${requestId}` });
  expect(await stack.simulators.controls.phone.counter(CALLS)).toBe(FAST_RETRY.maximumAttempts);

  // A failed check bought no answer, so the reuse policy allows the same id again.
  const retried = await kyc.phoneChecks.run(factors('00'), requestId);
  expect(retried.started).toBe(true);
  expect(retried.result.outcome).toBe('VERIFIED');
});

it('refuses bad factors in the caller, naming them, before any gateway call', async () => {
  const error = await caught(kyc.phoneChecks.run({ ...factors('00'), phone: '2381234560', name: '' }, uniqueId('bad')));
  expect(error).toBeInstanceOf(InvalidInputError);
  expect((error as InvalidInputError).issues.map((issue) => issue.field)).toEqual(['phone', 'name']);
  expect((error as Error).message).not.toContain('2381234560');
  expect(await stack.simulators.controls.phone.counter(CALLS)).toBe(0);
});
