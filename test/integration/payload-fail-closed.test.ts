/**
 * Encryption fails closed, on the real dev server with the production worker:
 * - without a payload key the library, the `kyc` CLI and the worker refuse before any side effect
 *   (no workflow, no update event, no plain personal data in the raw history, read with a client
 *   that has no codec);
 * - with a key the worker does not write with (it rotated to a newer active key), an action is
 *   carried out and reported as such: exit 7, the workflow id, "do not repeat it";
 * - the CLI finds the demo-style profile (`temporal.toml`) and the key file next to it, with
 *   explicit settings winning.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ConfigError, KycClient } from '../../client';
import { writeLocalSettings } from '../../common/local-profile';
import { deviceApprovalWorkflowId } from '../../contracts/device-approval';
import { startWorkerProcess } from '../../scripts/lib/worker-process';
import { BankDeviceControl } from '../../simulators/bank-device';
import { harnessInfo, startTestStack, uniqueId, type TestStack } from '../harness';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');
/** Test data, not a real person. */
const CPF = '52998224725';

const key = () => randomBytes(32).toString('base64');
/** The worker rotated keys: it writes with `new` and still reads `old`. */
const OLD_KEY = `old-${randomBytes(3).toString('hex')}:${key()}`;
const NEW_KEY = `new-${randomBytes(3).toString('hex')}:${key()}`;

let stack: TestStack;
let kyc: KycClient;
let raw: Client;
let bank: BankDeviceControl;
let accountKey: string;
/** No demo profile or key in it: what the checkout's `.data` holds must not change these tests. */
const emptyDataDir = mkdtempSync(join(tmpdir(), 'kyc-no-profile-'));

beforeAll(async () => {
  stack = await startTestStack({ env: { KYC_PAYLOAD_KEYS: `${NEW_KEY},${OLD_KEY}` } });
  kyc = new KycClient(stack.client, stack.config.temporal);
  // Same server, no data converter: sees payloads exactly as Temporal stores them.
  raw = new Client({ connection: stack.client.connection, namespace: stack.config.temporal.namespace });
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [CPF] });
});
afterAll(() => stack?.shutdown());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `kyc` bin with only the variables given (plus PATH/HOME), so nothing leaks in from the test run. */
function cli(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KYC_DATA_DIR: emptyDataDir, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (`${stdout}${stderr}`.includes(CPF)) reject(new Error(`kyc ${args.join(' ')} printed personal data`));
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** The stack's server and queue, and no key at all. */
function serverEnv(): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: harnessInfo().temporalAddress,
    TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    KYC_TASK_QUEUE: stack.taskQueue,
  };
}

function startArgs(deviceKey: string): string[] {
  return [
    'device',
    'start',
    '--account-key',
    accountKey,
    '--device-key',
    deviceKey,
    '--session-id',
    randomUUID(),
    '--contact-type',
    'sms',
    '--input-file',
    '-',
  ];
}

/** Every event as text, with every byte field read as UTF-8, so plain JSON payloads would show as they are. */
async function rawHistoryText(workflowId: string): Promise<{ text: string; types: string[] }> {
  const events: temporal.api.history.v1.IHistoryEvent[] =
    (await raw.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const text = events
    .map((event) =>
      JSON.stringify(event, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
      ),
    )
    .join('\n');
  return { text, types: events.map((event) => String(event.eventType)) };
}

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(raw.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** A running approval waiting for its token, started with the stack's (keyed) client. */
async function waitingApproval(): Promise<{ workflowId: string; deviceKey: string }> {
  const deviceKey = randomUUID();
  const { handle } = await kyc.deviceApprovals.start({
    accountKey,
    deviceKey,
    sessionId: randomUUID(),
    approverCpf: CPF,
    contactType: 'sms',
  });
  for await (const state of handle.watch()) if (state.status !== 'CREATING') break;
  return { workflowId: handle.workflowId, deviceKey };
}

describe('without a payload key nothing is sent', () => {
  it('the library refuses at connect, before connecting (the address is a closed port)', async () => {
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:1', KYC_TASK_QUEUE: stack.taskQueue };
    const refusal = KycClient.connect({ env });
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(/KYC_PAYLOAD_KEYS: is not set.*\.data\/payload-keys/s);
    // A data converter without a codec is refused too, and so is wrapping a codec-less client.
    await expect(KycClient.connect({ env, dataConverter: {} })).rejects.toBeInstanceOf(ConfigError);
    expect(() => new KycClient(raw, stack.config.temporal)).toThrow(ConfigError);
  });

  it('kyc device start exits 5 naming the key, and no workflow exists', async () => {
    const deviceKey = randomUUID();
    const devicesBefore = await bank.counter('devicesCreated');
    const run = await cli(startArgs(deviceKey), serverEnv(), JSON.stringify({ approverCpf: CPF }));
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('KYC_PAYLOAD_KEYS: is not set');
    expect(run.stderr).toContain('.data/payload-keys');
    await expectNoWorkflow(deviceApprovalWorkflowId(accountKey, deviceKey));
    expect(await bank.counter('devicesCreated')).toBe(devicesBefore);
  });

  it('kyc device token exits 5: no update reaches the approval, no attempt is used, the token is nowhere in history', async () => {
    const { workflowId, deviceKey } = await waitingApproval();
    const { token } = await bank.sentToken(deviceKey);
    const before = await rawHistoryText(workflowId);
    const run = await cli(['device', 'token', workflowId, token!, '--request-id', uniqueId('t')], serverEnv());
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('KYC_PAYLOAD_KEYS: is not set');
    const after = await rawHistoryText(workflowId);
    expect(after.types.filter((type) => type.includes('UPDATE'))).toEqual([]);
    expect(after.text).not.toContain(token!);
    expect(after.text).not.toContain(CPF);
    expect(after.types.length).toBe(before.types.length);
    expect((await kyc.deviceApprovals.get(workflowId.replace('device-approval/', '')).state()).attemptsLeft).toBe(3);
  });

  it('the worker refuses to start (exit 2), naming the key', async () => {
    const { KYC_PAYLOAD_KEYS: _keys, ...withoutKeys } = stack.env;
    await expect(
      startWorkerProcess({
        env: { PATH: process.env.PATH, ...withoutKeys, KYC_WORKFLOW_BUNDLE: harnessInfo().workflowBundlePath },
        readyTimeoutMs: 60_000,
      }),
    ).rejects.toThrow(/exited with code 2 before it was ready:[\s\S]*KYC_PAYLOAD_KEYS: is not set/);
  });
});

describe('an answer the client cannot decode', () => {
  const oldKeyOnly = () => ({ ...serverEnv(), KYC_PAYLOAD_KEYS: OLD_KEY });

  it('start: the approval exists, exit 7 names its workflow id and says not to repeat it', async () => {
    const deviceKey = randomUUID();
    const workflowId = deviceApprovalWorkflowId(accountKey, deviceKey);
    const run = await cli(startArgs(deviceKey), oldKeyOnly(), JSON.stringify({ approverCpf: CPF }));
    expect(run.code).toBe(7);
    expect(run.stderr).toContain(`start device approval was carried out on workflow ${workflowId}`);
    expect(run.stderr).toContain('do not repeat it');
    expect(run.stderr).toContain('KYC_PAYLOAD_KEYS');
    expect((await raw.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    // The input was encrypted with the old key, which the worker still reads: no plain CPF.
    expect((await rawHistoryText(workflowId)).text).not.toContain(CPF);
  });

  it('token: the attempt is used once, exit 7 (JSON kind "unreadable"), the same request id is not used twice', async () => {
    const { workflowId } = await waitingApproval();
    const requestId = uniqueId('t');
    const args = ['--json', 'device', 'token', workflowId, 'ZZZZ99', '--request-id', requestId];
    const first = await cli(args, oldKeyOnly());
    expect(first.code).toBe(7);
    const error = (JSON.parse(first.stderr) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ type: 'ResultUnreadableError', kind: 'unreadable', workflowId, applied: true });
    expect(error.detail).toMatch(/unknown key id "new-/);
    const handle = kyc.deviceApprovals.get(workflowId.replace('device-approval/', ''));
    expect((await handle.state()).attemptsLeft).toBe(2);

    expect((await cli(args, oldKeyOnly())).code).toBe(7); // deduplicated by the server: the first answer again
    expect((await handle.state()).attemptsLeft).toBe(2);

    // With the worker's keys the same CLI reads the state.
    const status = await cli(['device', 'status', workflowId], {
      ...serverEnv(),
      KYC_PAYLOAD_KEYS: `${NEW_KEY},${OLD_KEY}`,
    });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/attempts left\s+2/);
  });
});

describe('the CLI finds the local profile and key file', () => {
  function profileDir(address: string, payloadKeys: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-profile-'));
    writeLocalSettings(dir, {
      address,
      namespace: stack.config.temporal.namespace,
      codecEndpoint: harnessInfo().codecUrl,
      payloadKeys,
    });
    return dir;
  }

  it('reads the address and the key from <data dir>/temporal.toml and payload-keys, exporting nothing else', async () => {
    const { workflowId } = await waitingApproval();
    const dir = profileDir(harnessInfo().temporalAddress, `${NEW_KEY},${OLD_KEY}`);
    const run = await cli(['device', 'status', workflowId], { KYC_DATA_DIR: dir, KYC_TASK_QUEUE: stack.taskQueue });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('WAITING_FOR_TOKEN');
  });

  it('TEMPORAL_CONFIG_FILE wins over the data dir, explicit variables win over the profile', async () => {
    const { workflowId } = await waitingApproval();
    const good = profileDir(harnessInfo().temporalAddress, `${NEW_KEY},${OLD_KEY}`);
    const unreachable = profileDir('127.0.0.1:1', OLD_KEY);
    const base = { KYC_TASK_QUEUE: stack.taskQueue, KYC_DATA_DIR: unreachable };

    const viaConfigFile = await cli(['device', 'status', workflowId], {
      ...base,
      TEMPORAL_CONFIG_FILE: join(good, 'temporal.toml'),
    });
    expect(viaConfigFile.code).toBe(0);

    const explicitAddress = await cli(['device', 'status', workflowId], {
      ...base,
      TEMPORAL_CONFIG_FILE: join(good, 'temporal.toml'),
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(explicitAddress.code).toBe(5);
    expect(explicitAddress.stderr).toContain('cannot use the Temporal server at 127.0.0.1:1');

    // An explicit key beats the key file next to the profile: the old key alone cannot read the state.
    const explicitKey = await cli(['device', 'status', workflowId], {
      ...base,
      TEMPORAL_CONFIG_FILE: join(good, 'temporal.toml'),
      KYC_PAYLOAD_KEYS: OLD_KEY,
    });
    expect(explicitKey.code).toBe(7);

    const missing = await cli(['device', 'status', workflowId], {
      ...base,
      TEMPORAL_CONFIG_FILE: join(good, 'nope.toml'),
    });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('TEMPORAL_CONFIG_FILE: cannot read');
  });
});
