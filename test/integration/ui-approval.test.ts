/**
 * What an operator sees in the Temporal UI of the shared dev server, in headless Chromium: a
 * running approval listed under its readable workflow id with its status and search attributes,
 * and its summary and details (user metadata) on its page, with no personal data on either.
 * Screenshots go to test-output/ for a person to look at.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEVICE_APPROVAL_WORKFLOW_TYPE } from '../../contracts/device-approval';
import { KycClient, type DeviceApprovalHandle } from '../../client';
import { BUILTIN, and, equals } from '../../client/visibility';
import { BankDeviceControl } from '../../simulators/bank-device';
import { TEST_OUTPUT_DIR } from '../harness/harness-info';
import { harnessInfo, startTestStack, type TestStack } from '../harness';

const APPROVER_CPF = '52998224725';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The UI keeps its table columns per namespace in local storage: show the approval's search attributes. */
const COLUMNS = ['Status', 'Workflow ID', 'DeviceApprovalStatus', 'DeviceApprovalContactType', 'Type', 'Start'];

let stack: TestStack;
let browser: Browser;
let handle: DeviceApprovalHandle;
let page: Page;

beforeAll(async () => {
  stack = await startTestStack();
  const kyc = new KycClient(stack.client, stack.config.temporal);
  const accountKey = randomUUID();
  await new BankDeviceControl(stack.simulators.controls.bank).registerAccount({
    account_key: accountKey,
    approvers: [APPROVER_CPF],
  });
  ({ handle } = await kyc.deviceApprovals.start({
    accountKey,
    deviceKey: randomUUID(),
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'sms',
  }));
  for await (const state of handle.watch()) if (state.status !== 'CREATING') break;

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1920, height: 1000 } });
  const { namespace } = harnessInfo();
  const columns = { [namespace]: COLUMNS.map((label, index) => ({ label, pinned: index < 2 })) };
  // Runs in the page before its own scripts (a string: this project compiles without the DOM types).
  await page.addInitScript({
    content: `localStorage.setItem('namespace-workflow-table-columns', ${JSON.stringify(JSON.stringify(columns))});`,
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.shutdown();
});

/** The visible text of the page and of every frame in it. */
async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

function uiUrl(path: string): string {
  const { uiUrl, namespace } = harnessInfo();
  if (!uiUrl) throw new Error('global setup started the dev server without its UI');
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}${path}`;
}

it('lists the running approval with its status and search attributes', async () => {
  const query = and(
    equals(BUILTIN.WorkflowType, DEVICE_APPROVAL_WORKFLOW_TYPE),
    equals(BUILTIN.TaskQueue, stack.taskQueue),
  );
  await page.goto(uiUrl(`/workflows?query=${encodeURIComponent(query)}`));
  const row = page.getByRole('row').filter({ hasText: handle.workflowId });
  await row.waitFor({ timeout: 30_000 });
  const text = await row.innerText();
  expect(text).toContain('Running');
  expect(text).toContain('WAITING_FOR_TOKEN');
  expect(text).toContain('sms');
  expect(await allText(page)).not.toContain(APPROVER_CPF);
  await page.screenshot({ path: join(TEST_OUTPUT_DIR, 'ui-approval-list.png') });
});

it("shows the run's summary and details, without personal data", async () => {
  await page.getByRole('link', { name: handle.workflowId }).first().click();
  await page.getByText('User Metadata', { exact: true }).click();
  // The UI renders each markdown text in a frame of its own.
  const deadline = Date.now() + 30_000;
  let text = await allText(page);
  while (!text.includes('Wrong tokens allowed') && Date.now() < deadline) {
    await page.waitForTimeout(250);
    text = await allText(page);
  }
  expect(text).toContain('Device approval by SMS token: device');
  expect(text).toContain('Wrong tokens allowed: 3; re-sends: 3, at least 1 min apart');
  expect(text).toContain(`--name submitToken`);
  expect(text).not.toContain(APPROVER_CPF);
  await page.screenshot({ path: join(TEST_OUTPUT_DIR, 'ui-approval-metadata.png') });
});
