/**
 * A second and a third SIGTERM reach the worker process while it drains a phone gateway call the
 * gateway holds: the process stays up (the SDK's Runtime stops listening after the first signal,
 * and Node's default handler would kill it mid-call), says once that the shutdown is already in
 * progress, lets the call finish within KYC_SHUTDOWN_GRACE_TIME, reports it and exits 0; its JSON
 * log says when the shutdown started and when it completed. The next worker ends the check: the
 * gateway saw exactly one call, so nothing was bought twice.
 */
import { PHONE_CHECK_WORKFLOW_TYPE, phoneCheckWorkflowId, type PhoneCheckInput } from '../../contracts/phone-check';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { freePort } from '../../scripts/lib/free-port';
import type { SimulatorControl } from '../../simulators/framework/control-client';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { spawnWorkerProcess, startTestStack, uniqueId, type TestStack, type WorkerProcess, waitFor } from '../harness';

const ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;
/** The gateway holds the call this long: the repeated signals certainly come while it runs. */
const GATEWAY_DELAY_MS = 12_000;
const PHONE = '13812345600';
const ID_CARD = '11010519491231002X';

let stack: TestStack;
let gateway: SimulatorControl;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  gateway = stack.simulators.controls.phone;
});
afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGKILL');
  await stack?.shutdown();
});

it('repeated SIGTERMs during a gateway call: the process stays up, the call finishes once, the check completes', async () => {
  await gateway.reset();
  const healthPort = await freePort();
  const first = await spawnWorkerProcess(stack, {
    KYC_SHUTDOWN_GRACE_TIME: '60s',
    KYC_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
    // The client waits for the held answer.
    PROVIDER_TIMEOUT_MS: '25000',
    KYC_LOG_FORMAT: 'json',
  });
  workers.push(first);
  const readyz = () => fetch(`http://127.0.0.1:${healthPort}/readyz`).then((response) => response.status);

  await gateway.injectFault({ route: '*', kind: 'delay', delayMs: GATEWAY_DELAY_MS });
  const input: PhoneCheckInput = {
    phone: PHONE,
    idCard: ID_CARD,
    name: '张三',
    retry: { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 4 },
  };
  const handle = await stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: phoneCheckWorkflowId(uniqueId('req')),
    args: [input],
  });
  await waitFor(
    () => gateway.counter(`calls:${ROUTE}`),
    (calls) => calls === 1,
    'the call to reach the gateway',
  );

  const stopped = first.kill('SIGTERM');
  await waitFor(readyz, (status) => status === 503, '/readyz to answer 503 during shutdown');
  first.child.kill('SIGTERM');
  // Killed by the signal, the process would report nothing: its exit ends the wait too.
  await waitFor(
    () => first.output(),
    (output) =>
      output.includes('shutdown already in progress') ||
      first.child.exitCode !== null ||
      first.child.signalCode !== null,
    'the repeated signal to be reported',
  );
  first.child.kill('SIGTERM');
  // The signals came while the gateway still held the call (it logs a request once answered).
  expect(await gateway.requests()).toEqual([]);
  await stopped;
  expect(first.child.signalCode).toBeNull();
  expect(first.child.exitCode).toBe(0);
  // Every stdout line is a JSON log entry; the process's own shutdown lines, in order.
  const entries = first
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: string; message: string });
  const shutdownLines = entries.filter((entry) => /shutdown/.test(entry.message));
  expect(shutdownLines.map(({ level, message }) => ({ level, message }))).toEqual([
    { level: 'INFO', message: 'shutdown started (signal SIGTERM, grace 60s)' },
    {
      level: 'WARN',
      message:
        'SIGTERM: shutdown already in progress (running activities get up to 60s (KYC_SHUTDOWN_GRACE_TIME)); ' +
        'send SIGKILL to stop at once',
    },
    { level: 'INFO', message: 'shutdown complete' },
  ]);
  expect(entries.at(-1)!.message).toBe('shutdown complete');

  // The stopping worker reported the call: one attempt, completed.
  const { events } = await handle.fetchHistory();
  const started = events!.filter((event) => event.activityTaskStartedEventAttributes);
  expect(started.map((event) => event.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  expect(events!.filter((event) => event.activityTaskCompletedEventAttributes)).toHaveLength(1);

  const second = await spawnWorkerProcess(stack);
  workers.push(second);
  const result = await handle.result();
  expect(result.resultCode).toBeDefined();
  expect(await gateway.counter(`calls:${ROUTE}`)).toBe(1);
  expect((await gateway.requests()).map((entry) => entry.route)).toEqual([ROUTE]);
  for (const output of [first.output(), second.output()]) {
    expect(output).not.toContain(PHONE);
    expect(output).not.toContain(ID_CARD);
  }
});

it('a gateway call the shutdown grace time cuts off is counted as unanswered, not retried uncounted', async () => {
  // The worker stops before the gateway answers: the call may have been billed. A fresh user saw
  // it retried by Temporal as a cancelled activity: two billed calls, unansweredCalls 0.
  // Only this test's workers poll the queue: the call must be on the one that is stopped.
  for (const worker of workers.splice(0)) await worker.kill('SIGKILL');
  await gateway.reset();
  const first = await spawnWorkerProcess(stack, { KYC_SHUTDOWN_GRACE_TIME: '1s', PROVIDER_TIMEOUT_MS: '25000' });
  workers.push(first);
  await gateway.injectFault({ route: '*', kind: 'delay', delayMs: 6_000 });
  const handle = await stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: phoneCheckWorkflowId(uniqueId('req')),
    args: [
      {
        phone: PHONE,
        idCard: ID_CARD,
        name: '张三',
        retry: { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 4 },
      },
    ],
  });
  await waitFor(
    () => gateway.counter(`calls:${ROUTE}`),
    (calls) => calls === 1,
    'the call to reach the gateway',
  );
  await first.kill('SIGTERM');
  // The stopping worker reported the cut-off call as an unanswered one (the workflow's to decide).
  const { events } = await handle.fetchHistory();
  const failures = events!.filter((event) => event.activityTaskFailedEventAttributes);
  expect(
    failures.map((event) => event.activityTaskFailedEventAttributes!.failure?.applicationFailureInfo?.type),
  ).toEqual(['PhoneGatewayTimeout']);

  await gateway.clearFaults();
  const second = await spawnWorkerProcess(stack);
  workers.push(second);
  const result = await handle.result();
  expect(result.outcome).toBe('VERIFIED');
  expect(result.unansweredCalls).toBe(1);
  expect(await gateway.counter(`calls:${ROUTE}`)).toBe(2);
});
