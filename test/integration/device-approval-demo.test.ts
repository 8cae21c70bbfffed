/** The device approval demo step runs end to end against a test stack, narrating no personal data. */
import { randomBytes } from 'node:crypto';
import { KycClient } from '../../client';
import type { DemoContext } from '../../scripts/demo/context';
import { runDeviceApprovalDemo } from '../../scripts/demo/device-approval';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import {
  NOTIFICATION_PATH,
  NotificationReceiverControl,
  startNotificationReceiver,
} from '../../simulators/notification-receiver';
import { startTestStack, type TestStack } from '../harness';

let stack: TestStack;
let receiver: RunningSimulator;

beforeAll(async () => {
  // As `npm run demo` sets it up: every approval notifies a receiver that verifies the signature.
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  receiver = await startNotificationReceiver({ secrets: [secret] });
  stack = await startTestStack({
    env: { KYC_NOTIFY_URL: `${receiver.url}${NOTIFICATION_PATH}`, KYC_NOTIFY_SECRETS: `${receiver.url}=${secret}` },
  });
});
afterAll(async () => {
  await stack?.shutdown();
  await receiver?.close();
});

it('runs the demo: approvals, a wrong then right token, liveness, cancel, bad input', async () => {
  const lines: string[] = [];
  const context: DemoContext = {
    kyc: new KycClient(stack.client, stack.config.temporal),
    client: stack.client,
    taskQueue: stack.taskQueue,
    namespace: stack.config.temporal.namespace,
    uiUrl: 'http://127.0.0.1:8233',
    controls: stack.simulators.controls,
    notifications: new NotificationReceiverControl(receiver.url),
    say: (line) => lines.push(line),
    workflowLink: (workflowId) => `ui/${workflowId}`,
  };
  await runDeviceApprovalDemo(context);
  const narration = lines.join('\n');
  expect(narration).toContain('same run (yes)');
  expect(narration).toContain('Result: APPROVED');
  expect(narration).toMatch(/waiting for a token on this account .*: 1\./);
  expect(narration).toContain('→ CANCELLED, device disabled: true');
  expect(narration).toContain('Bank create calls caused by the bad input: 0.');
  expect(narration).toMatch(/Completion notification msg_[0-9a-f]{32}_approved: DELIVERED after 1 attempt\(s\)/);
  expect(narration).toContain('The receiver verified its signature and got: {');
  expect(narration).not.toContain('52998224725');
  expect(narration).not.toContain('52998224726');
  const { counters } = await stack.simulators.controls.bank.stats();
  expect(counters.devicesCreated).toBe(3);
  // Started through the client library: every run has the summary the UI shows.
  const started = [];
  const approvals = `TaskQueue = '${stack.taskQueue}' AND WorkflowType = 'deviceApprovalWorkflow'`;
  for await (const execution of stack.client.workflow.list({ query: approvals })) {
    started.push(execution.workflowId);
  }
  expect(started).toHaveLength(3);
  for (const workflowId of started) {
    expect(await (await stack.client.workflow.getHandle(workflowId).describe()).staticSummary()).toMatch(
      /^Device approval/,
    );
  }
});
