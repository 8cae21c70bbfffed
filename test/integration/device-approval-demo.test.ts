/** The device approval demo step runs end to end against a test stack, narrating no personal data. */
import { KycClient } from '../../client';
import type { DemoContext } from '../../scripts/demo/context';
import { runDeviceApprovalDemo } from '../../scripts/demo/device-approval';
import { startTestStack, type TestStack } from '../harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.shutdown();
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
  expect(narration).not.toContain('52998224725');
  expect(narration).not.toContain('52998224726');
  const { counters } = await stack.simulators.controls.bank.stats();
  expect(counters.devicesCreated).toBe(3);
  // Started through the client library: every run has the summary the UI shows.
  const started = [];
  for await (const execution of stack.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) {
    started.push(execution.workflowId);
  }
  expect(started).toHaveLength(3);
  for (const workflowId of started) {
    expect(await (await stack.client.workflow.getHandle(workflowId).describe()).staticSummary()).toMatch(
      /^Device approval/,
    );
  }
});
