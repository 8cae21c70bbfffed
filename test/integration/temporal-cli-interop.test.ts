/**
 * The official `temporal` CLI works on these workflows as docs/client.md shows: query the state,
 * send a token through the update (deduplicated by update id, refused by the validator), list by
 * custom search attribute with a query the library builds, and read the user metadata.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeLocalSettings } from '../../common/local-profile';
import { DEVICE_APPROVAL_STATUS_KEY, type DeviceApprovalState } from '../../contracts/device-approval';
import type { IdentityFlowView } from '../../contracts/identity-flow';
import { KycClient, type DeviceApprovalHandle } from '../../client';
import { BUILTIN, and, equals } from '../../client/visibility';
import { BANK_ROUTES, BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import { harnessInfo, startTestStack, type TestStack } from '../harness';

const run = promisify(execFile);
const APPROVER_CPF = '52998224725';

let stack: TestStack;
let kyc: KycClient;
let bank: BankDeviceControl;
let accountKey: string;
let deviceKey: string;
let handle: DeviceApprovalHandle;

/** Runs the real `temporal` binary without the codec server: it sees payloads as stored. */
async function temporalWithoutCodec<T>(...args: string[]): Promise<T> {
  const { cliPath, temporalAddress, namespace } = harnessInfo();
  const { stdout } = await run(cliPath, [
    ...args,
    '--address',
    temporalAddress,
    '--namespace',
    namespace,
    '-o',
    'json',
  ]);
  return JSON.parse(stdout) as T;
}

/** Runs the real `temporal` binary against the shared dev server, decoding payloads through the run's codec server. */
function temporal<T>(...args: string[]): Promise<T> {
  return temporalWithoutCodec<T>(...args, '--codec-endpoint', harnessInfo().codecUrl);
}

async function temporalFails(...args: string[]): Promise<string> {
  try {
    await temporal(...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  throw new Error(`temporal ${args.join(' ')} succeeded`);
}

beforeAll(async () => {
  stack = await startTestStack();
  kyc = new KycClient(stack.client, stack.config.temporal);
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  deviceKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
  ({ handle } = await kyc.deviceApprovals.start({
    accountKey,
    deviceKey,
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'sms',
  }));
  for await (const state of handle.watch()) if (state.status !== 'CREATING') break;
});
afterAll(() => stack?.shutdown());

it('queries the state', async () => {
  const answer = await temporal<{ queryResult: DeviceApprovalState[] }>(
    'workflow',
    'query',
    '--workflow-id',
    handle.workflowId,
    '--type',
    'state',
  );
  expect(answer.queryResult[0]).toMatchObject({ status: 'WAITING_FOR_TOKEN', accountKey, deviceKey, attemptsLeft: 3 });
});

it('cannot read the state without the codec server: payloads are encrypted', async () => {
  const answer = await temporalWithoutCodec<{ queryResult: unknown[] }>(
    'workflow',
    'query',
    '--workflow-id',
    handle.workflowId,
    '--type',
    'state',
  );
  const shown = JSON.stringify(answer);
  expect(shown).not.toContain('WAITING_FOR_TOKEN');
  expect(shown).not.toContain(accountKey);
  expect(shown).toContain(Buffer.from('binary/encrypted').toString('base64'));
});

it('lists by custom search attribute with a query the library builds', async () => {
  const query = and(
    equals(DEVICE_APPROVAL_STATUS_KEY, 'WAITING_FOR_TOKEN'),
    equals(BUILTIN.TaskQueue, stack.taskQueue),
  );
  type Listed = Array<{ execution: { workflowId: string }; status: string }>;
  let listed = await temporal<Listed>('workflow', 'list', '--query', query);
  for (let tries = 1; tries < 20 && listed.length === 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    listed = await temporal<Listed>('workflow', 'list', '--query', query);
  }
  expect(listed).toEqual([
    expect.objectContaining({
      execution: expect.objectContaining({ workflowId: handle.workflowId }) as unknown,
      status: 'WORKFLOW_EXECUTION_STATUS_RUNNING',
    }),
  ]);
});

it('shows the user metadata the client set', async () => {
  const described = await temporal<{ executionConfig: { userMetadata: { summary: string; details: string } } }>(
    'workflow',
    'describe',
    '--workflow-id',
    handle.workflowId,
  );
  expect(described.executionConfig.userMetadata.summary).toMatch(/^Device approval by SMS token: device /);
  expect(described.executionConfig.userMetadata.details).not.toContain(APPROVER_CPF);
  // Every command printed for the operator carries the codec endpoint; the update its update id.
  const commands = described.executionConfig.userMetadata.details.match(/`temporal [^`]+`/g) ?? [];
  expect(commands.length).toBeGreaterThan(0);
  for (const command of commands) expect(command).toContain('--codec-endpoint ');
  expect(commands.filter((command) => command.includes('update execute'))).toEqual([
    expect.stringContaining('--update-id submitToken:<request id>'),
  ]);
});

it('refuses a malformed token through the validator, naming the field', async () => {
  const stderr = await temporalFails(
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    handle.workflowId,
    '--name',
    'submitToken',
    '--input',
    '{"token":"12"}',
  );
  expect(stderr).toContain('token must be exactly 6 letters or digits (type: InvalidInput');
});

it('sends a token through the update, deduplicated by the update id the kyc CLI uses', async () => {
  const validations = () => bank.counter(`calls:${BANK_ROUTES.validate}`);
  const before = await validations();
  const { token } = await bank.sentToken(deviceKey);
  const update = [
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    handle.workflowId,
    '--name',
    'submitToken',
    '--input',
    JSON.stringify({ token }),
    '--update-id',
    'submitToken:ops-ticket-42',
  ];
  expect(await temporal(...update)).toMatchObject({ result: { outcome: 'accepted' } });
  expect(await temporal(...update)).toMatchObject({ result: { outcome: 'accepted' } });
  expect(await validations()).toBe(before + 1);
  // The same request id through the library is the same update: its first answer comes back.
  expect(await handle.submitToken(token ?? '', { requestId: 'ops-ticket-42' })).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');
});

it('queries an identity flow outline', async () => {
  const esign = new EsignControl(stack.simulators.controls.esign);
  const { flowId } = await esign.createFlow({ objectType: 'INDIVIDUAL' });
  const tracked = await kyc.identityFlows.track({
    flowId,
    polling: { initialIntervalMs: 20, maxIntervalMs: 100, heartbeatTimeoutMs: 2_000 },
  });
  const deadline = Date.now() + 15_000;
  let view: IdentityFlowView | undefined;
  while (Date.now() < deadline) {
    view = (
      await temporal<{ queryResult: IdentityFlowView[] }>(
        'workflow',
        'query',
        '--workflow-id',
        tracked.workflowId,
        '--type',
        'outline',
      )
    ).queryResult[0];
    if (view?.outline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(view).toMatchObject({ flowId, phase: 'TRACKING', outline: { flowStatus: 'INIT' } });
  await esign.remove(flowId);
  expect((await tracked.handle.result()).status).toBe('NOT_FOUND');
});

it('reads the profile the demo writes (TEMPORAL_CONFIG_FILE): address and codec endpoint, no flags', async () => {
  const info = harnessInfo();
  const dir = mkdtempSync(join(tmpdir(), 'kyc-temporal-profile-'));
  const { profileFile } = writeLocalSettings(dir, {
    address: info.temporalAddress,
    namespace: info.namespace,
    codecEndpoint: info.codecUrl,
    payloadKeys: info.payloadKeys,
  });
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  const { stdout } = await run(
    info.cliPath,
    ['workflow', 'describe', '--workflow-id', handle.workflowId, '-o', 'json'],
    { env: { ...env, TEMPORAL_CONFIG_FILE: profileFile } },
  );
  const described = JSON.parse(stdout) as { executionConfig: { userMetadata: { summary: string } } };
  expect(described.executionConfig.userMetadata.summary).toMatch(/^Device approval by SMS token: device /);
});

it('an update without the codec is applied, then fails to decode; the same update id returns that answer', async () => {
  const waiting = randomUUID();
  const started = await kyc.deviceApprovals.start({
    accountKey,
    deviceKey: waiting,
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'sms',
  });
  for await (const state of started.handle.watch()) if (state.status !== 'CREATING') break;
  const update = [
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    started.handle.workflowId,
    '--name',
    'submitToken',
    '--input',
    '{"token":"ZZZZ99"}',
    '--update-id',
    'submitToken:ops-ticket-43',
  ];
  let stderr = '';
  await temporalWithoutCodec(...update).catch((error: { stderr?: string }) => (stderr = String(error.stderr)));
  expect(stderr).toContain('binary/encrypted: payload encoding is not supported');
  expect((await started.handle.state()).attemptsLeft).toBe(2); // Temporal's behaviour: the attempt was used
  expect(await temporal(...update)).toMatchObject({ result: { outcome: 'wrong', attemptsLeft: 2 } });
  expect((await started.handle.state()).attemptsLeft).toBe(2);
});
