/**
 * `kyc dev …` and the e-signature simulator's user page, as the README's "Using it" drives them
 * on the real dev server: register the account of approval.json at the bank simulator, start the
 * approval, read the token the bank "sent", approve; open a flow's user link (HTML), start and
 * finish the checks from its buttons, and move another flow on with `kyc dev esign progress`.
 * Also: loopback only, and the simulators keep their state in a folder across restarts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { runCli } from '../../client/cli/program';
import type { CliIo } from '../../client/cli/context';
import { EXIT } from '../../client/cli/exit-codes';
import { startAllSimulators } from '../../simulators/main';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import { TEST_APPROVER_CPF } from '../support/device-approval';
import { startTestStack, uniqueId, type TestStack } from '../harness';

let stack: TestStack;
let dir: string;

beforeAll(async () => {
  stack = await startTestStack();
  dir = mkdtempSync(join(tmpdir(), 'kyc-dev-'));
});
afterAll(async () => {
  await stack?.shutdown();
});

async function kyc(args: string[], env: NodeJS.ProcessEnv = stack.env) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    readStdin: () => '',
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

it('follows the device example: register the account, start, read the sent token, approve', async () => {
  const file = join(dir, 'approval.json');
  const accountKey = randomUUID();
  const deviceKey = randomUUID();
  writeFileSync(
    file,
    JSON.stringify({
      accountKey,
      deviceKey,
      sessionId: randomUUID(),
      approverCpf: TEST_APPROVER_CPF,
      contactType: 'sms',
    }),
  );
  const registered = await kyc(['dev', 'bank', 'register-account', '--input-file', file]);
  expect(registered).toMatchObject({ code: EXIT.ok, stderr: '' });
  expect(registered.stdout).toContain(`Registered account ${accountKey}`);
  expect(registered.stdout).not.toContain(TEST_APPROVER_CPF);

  const started = await kyc(['device', 'start', '--input-file', file]);
  expect(started.code).toBe(EXIT.ok);
  expect(started.stdout).toContain('WAITING_FOR_TOKEN');

  const approval = `device-approval/${accountKey}/${deviceKey}`;
  const sent = await kyc(['--json', 'dev', 'bank', 'sent-token', approval]);
  expect(sent.code).toBe(EXIT.ok);
  const { token } = JSON.parse(sent.stdout) as { token: string };
  expect(token).toMatch(/^[a-z0-9]{6}$/);

  const submitted = await kyc(['device', 'token', approval, token]);
  expect(submitted.code).toBe(EXIT.ok);
  expect(submitted.stdout).toContain('accepted');
  const status = await kyc(['--json', 'device', 'status', approval]);
  expect(JSON.parse(status.stdout)).toMatchObject({ state: { status: 'APPROVED' } });
});

it('the user link opens a page whose buttons complete the flow; the tracker sees SUCCESS', async () => {
  const started = await kyc([
    '--json',
    'identity',
    'start',
    '--context-id',
    uniqueId('order'),
    '--poll-interval',
    '200ms',
  ]);
  expect(started.code).toBe(EXIT.ok);
  const { flow } = JSON.parse(started.stdout) as { flow: { flowId: string; authUrl: string; shortLink: string } };

  // The short link redirects to the page; the page shows the flow and its buttons.
  const page = await fetch(flow.shortLink);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  const html = await page.text();
  expect(html).toContain(flow.flowId);
  expect(html).toContain('Finish: verified');

  const press = (step: string) => fetch(`${flow.authUrl}?step=${step}`, { method: 'POST', redirect: 'manual' });
  expect((await press('start')).status).toBe(303);
  expect(await (await fetch(flow.authUrl)).text()).toContain('<strong id="status">ING</strong>');
  const finished = await press('finish');
  expect(finished.status).toBe(303);
  // The signed callback reached the worker's receiver.
  expect(finished.headers.get('location')).toContain('callback=200');

  const watched = await kyc(['identity', 'watch', flow.flowId]);
  expect(watched.code).toBe(EXIT.ok);
  const status = await kyc(['--json', 'identity', 'status', flow.flowId]);
  expect(JSON.parse(status.stdout)).toMatchObject({ view: { phase: 'DONE', result: { status: 'SUCCESS' } } });
});

it('kyc dev esign progress moves a flow on (ING, then FAIL with the reason)', async () => {
  const started = await kyc([
    '--json',
    'identity',
    'start',
    '--context-id',
    uniqueId('order'),
    '--poll-interval',
    '200ms',
  ]);
  const { flow } = JSON.parse(started.stdout) as { flow: { flowId: string } };
  const ing = await kyc(['dev', 'esign', 'progress', `identity-flow/${flow.flowId}`, '--to', 'ING']);
  expect(ing).toMatchObject({ code: EXIT.ok, stdout: `Flow ${flow.flowId} is now ING.\n` });
  const failed = await kyc(['dev', 'esign', 'progress', flow.flowId, '--to', 'FAIL', '--reason', 'face mismatch']);
  expect(failed.code).toBe(EXIT.ok);
  expect(failed.stdout).toContain('signed callback answered HTTP 200');
  await kyc(['identity', 'watch', flow.flowId]);
  const status = await kyc(['--json', 'identity', 'status', flow.flowId]);
  expect(JSON.parse(status.stdout)).toMatchObject({ view: { result: { status: 'FAIL', reason: 'face mismatch' } } });
});

it('refuses a simulator URL that is not loopback, before any call', async () => {
  const run = await kyc(['dev', 'bank', 'register-account'], { ...stack.env, BANK_BASE_URL: 'http://192.0.2.1:7301' });
  expect(run.code).toBe(EXIT.invalidInput);
  expect(run.stderr).toContain('BANK_BASE_URL');
  expect(run.stderr).toContain('loopback');
  const down = await kyc(['dev', 'esign', 'progress', '123', '--to', 'ING'], {
    ...stack.env,
    ESIGN_BASE_URL: 'http://127.0.0.1:1',
  });
  expect(down.code).toBe(EXIT.connection);
  expect(down.stderr).toContain('npm run demo');
});

it('simulators started with a state folder keep accounts and flows across a restart', async () => {
  const stateDir = join(dir, 'simulators');
  const first = await startAllSimulators({ credentials: stack.credentials, stateDir });
  const firstAccount = randomUUID();
  await new BankDeviceControl(first.controls.bank).registerAccount({
    account_key: firstAccount,
    approvers: [TEST_APPROVER_CPF],
  });
  const { flowId } = await new EsignControl(first.controls.esign).createFlow();
  await new EsignControl(first.controls.esign).progress(flowId, { flowStatus: 'ING', callback: false });
  await first.close();

  const second = await startAllSimulators({ credentials: stack.credentials, stateDir });
  try {
    const flow = (await second.controls.esign.request('GET', `/esign/flows/${flowId}`)) as { flowStatus: string };
    expect(flow.flowStatus).toBe('ING');
    // A change after the restart is saved together with what was restored.
    const secondAccount = randomUUID();
    await new BankDeviceControl(second.controls.bank).registerAccount({
      account_key: secondAccount,
      approvers: [TEST_APPROVER_CPF],
    });
    const saved = readFileSync(join(stateDir, 'bank.json'), 'utf8');
    expect(saved).toContain(firstAccount);
    expect(saved).toContain(secondAccount);
  } finally {
    await second.close();
  }
});
