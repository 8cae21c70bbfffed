/**
 * A slot ledger that does not answer must not hold a worker's gateway calls for ever
 * (activities/phone-gateway-slots.ts, `ledgerRequestTimeoutMs`): here no worker polls the ledger's
 * task queue, so its update never completes. The slot wait rejects once its request's deadline
 * passes (the attempt then fails unbilled and Temporal retries it), and the next call sends a
 * request of its own instead of queueing behind the stuck one. Without the deadline the first
 * wait never settles and the test times out.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGatewaySlotWait } from '../../activities/phone-gateway-slots';
import { phoneGatewaySlotsWorkflowId } from '../../contracts/phone-gateway-slots';
import { startTestStack, uniqueId, type TestStack } from '../harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
});
afterAll(() => stack?.shutdown());

test('a ledger that never answers: each wait fails after the request deadline, and the next asks again', async () => {
  const gatewayTaskQueue = uniqueId('unanswered-ledger');
  const wait = createGatewaySlotWait({
    ledgerTaskQueue: uniqueId('nobody-polls'),
    gatewayTaskQueue,
    ratePerSecond: 20,
    jitterMs: 50,
    callTimeoutMs: 5_000,
    ledgerRequestTimeoutMs: 2_000,
  });
  const environment = new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000 }, { client: stack.client });
  await expect(environment.run(wait)).rejects.toThrow();
  await expect(environment.run(wait)).rejects.toThrow();
  // The update-with-start did start the ledger; it would otherwise wait an hour for a worker.
  await stack.client.workflow.getHandle(phoneGatewaySlotsWorkflowId(gatewayTaskQueue)).terminate('test over');
}, 60_000);
