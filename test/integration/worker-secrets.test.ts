/**
 * Secrets are checked when the worker process starts (worker/main.ts, the production entry point):
 * a SEC1 "EC PRIVATE KEY" on P-521, as the bank's key guide has integrators create it, signs calls
 * the bank simulator verifies; a key on the wrong curve stops the worker before it polls, with exit
 * code 2 and a message naming the variable, never the key.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { approvalStateQuery, deviceApprovalStartOptions } from '../../contracts/device-approval';
import { BankDeviceControl } from '../../simulators/bank-device';
import type { deviceApprovalWorkflow } from '../../workflows/device-approval';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { spawnWorkerProcess, startTestStack, type TestStack } from '../harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: false, env: { PROVIDER_TIMEOUT_MS: '2000' } });
});
afterAll(() => stack?.shutdown());

it('a P-256 key stops the worker at start, exit code 2, naming BANK_PRIVATE_KEY_PEM and not echoing the key', async () => {
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ type: 'sec1', format: 'pem' })
    .toString();
  const started = spawnWorkerProcess(stack, { BANK_PRIVATE_KEY_PEM: p256 });
  await expect(started).rejects.toThrow(/exited with code 2 before it was ready/);
  const message = await started.catch((error: Error) => error.message);
  expect(message).toContain('BANK_PRIVATE_KEY_PEM: is an EC key on prime256v1; ES512 needs P-521 (secp521r1)');
  const body = p256.split('\n')[1]!;
  expect(message).not.toContain(body);
});

it('a missing workflow bundle stops the worker at start, exit code 2, naming KYC_WORKFLOW_BUNDLE', async () => {
  const started = spawnWorkerProcess(stack, { KYC_WORKFLOW_BUNDLE: '/nonexistent/workflow-bundle.js' });
  await expect(started).rejects.toThrow(/exited with code 2 before it was ready/);
  const message = await started.catch((error: Error) => error.message);
  expect(message).toContain('KYC_WORKFLOW_BUNDLE: /nonexistent/workflow-bundle.js does not exist');
});

it('a SEC1 P-521 key (openssl ecparam -genkey -noout form) signs the device create the bank accepts', async () => {
  const sec1 = createPrivateKey(stack.credentials.bankPrivateKeyPem).export({ type: 'sec1', format: 'pem' }).toString();
  expect(sec1.startsWith('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
  const worker = await spawnWorkerProcess(stack, { BANK_PRIVATE_KEY_PEM: sec1 });
  try {
    const bank = new BankDeviceControl(stack.simulators.controls.bank);
    const accountKey = randomUUID();
    await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
    const input = approvalInput(accountKey);
    const handle = await stack.client.workflow.start<typeof deviceApprovalWorkflow>(
      'deviceApprovalWorkflow',
      deviceApprovalStartOptions(input, stack.taskQueue),
    );
    const deadline = Date.now() + 60_000;
    let status = (await handle.query(approvalStateQuery)).status;
    while (status === 'CREATING' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await handle.query(approvalStateQuery)).status;
    }
    expect(status).toBe('WAITING_FOR_TOKEN');
    expect((await bank.sentToken(input.deviceKey)).token).toMatch(/^[A-Za-z0-9]{6}$/);
    await handle.terminate('test over');
  } finally {
    await worker.kill('SIGTERM');
  }
});
