/**
 * Finding a person's flows without storing their number, as an operator does it: `kyc device
 * list --approver-cpf-file` and `kyc phone list --phone-file / --id-card-file` (the npm bin shim
 * in a subprocess) against the real dev server, the production workers and the simulators. The
 * flows carry keyed hashes (`KycPersonLookup`) written at start; neither the numbers nor the
 * hashes are ever printed; a key rotation finds runs tagged under the old and the new key.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { personLookupHashes } from '../../client/person-lookup';
import { PERSON_LOOKUP_KEY } from '../../contracts/person-lookup';
import { BankDeviceControl } from '../../simulators/bank-device';
import { startTestStack, uniqueId, type TestStack } from '../harness';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');
const CPF_A = '52998224725';
const CPF_B = '11144477735';
const PHONE = '13812345620';
const ID_CARD = '11010519491231002X';
const OTHER_ID_CARD = '110101198001010010';

const OLD_KEY = { id: 'lk-2025', key: new Uint8Array(randomBytes(32)) };
const NEW_KEY = { id: 'lk-2026', key: new Uint8Array(randomBytes(32)) };
const keysText = (...keys: Array<typeof OLD_KEY>) =>
  keys.map((key) => `${key.id}:${Buffer.from(key.key).toString('base64')}`).join(',');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;
let dir: string;
/** Numbers and hashes: none may appear in any output. */
const secrets: string[] = [CPF_A, CPF_B, PHONE, ID_CARD, OTHER_ID_CARD];

beforeAll(async () => {
  stack = await startTestStack();
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [CPF_A, CPF_B] });
  dir = mkdtempSync(join(tmpdir(), 'kyc-lookup-'));
  for (const number of [CPF_A, CPF_B]) {
    secrets.push(...personLookupHashes([{ kind: 'cpf', value: number }], [OLD_KEY, NEW_KEY]));
  }
  secrets.push(...personLookupHashes([{ kind: 'phone', value: PHONE }], [OLD_KEY, NEW_KEY]));
  secrets.push(...personLookupHashes([{ kind: 'residentId', value: ID_CARD }], [OLD_KEY, NEW_KEY]));
});
afterAll(() => stack?.shutdown());

function kyc(args: string[], lookupKeys: string | undefined, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env };
    delete env.KYC_LOOKUP_KEYS;
    if (lookupKeys !== undefined) env.KYC_LOOKUP_KEYS = lookupKeys;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      for (const secret of secrets) {
        // The hash part alone too: a printed value must not leak even without its key id.
        const hex = secret.includes(':') ? secret.slice(secret.indexOf(':') + 1) : secret;
        if (`${stdout}${stderr}`.includes(hex)) reject(new Error(`kyc ${args.join(' ')} printed a number or a hash`));
      }
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

async function startApproval(cpf: string, lookupKeys: string): Promise<string> {
  const deviceKey = randomUUID();
  const run = await kyc(
    [
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
      '--deadline',
      '15m',
      '--no-wait',
      '--input-file',
      '-',
    ],
    lookupKeys,
    JSON.stringify({ approverCpf: cpf }),
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return deviceKey;
}

/** Lists until `expected` are all there (visibility is eventually consistent); returns the last output. */
async function listUntil(args: string[], lookupKeys: string | undefined, expected: string[]): Promise<Run> {
  let run = await kyc(args, lookupKeys);
  for (let tries = 1; tries < 20 && run.code === 0 && !expected.every((id) => run.stdout.includes(id)); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    run = await kyc(args, lookupKeys);
  }
  return run;
}

describe('device approvals by approver', () => {
  let deviceA1: string;
  let deviceB: string;
  let deviceA2: string;

  beforeAll(async () => {
    deviceA1 = await startApproval(CPF_A, keysText(OLD_KEY));
    deviceB = await startApproval(CPF_B, keysText(OLD_KEY));
    // During a rotation: both keys, the new one first; this run carries both hashes.
    deviceA2 = await startApproval(CPF_A, keysText(NEW_KEY, OLD_KEY));
  });

  it("finds an approver's approvals from a file holding the CPF, and no one else's", async () => {
    const cpfFile = file('cpf-a', '529.982.247-25\n');
    const args = ['device', 'list', '--account-key', accountKey, '--approver-cpf-file', cpfFile];
    const run = await listUntil(args, keysText(NEW_KEY, OLD_KEY), [deviceA1, deviceA2]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(deviceA1);
    expect(run.stdout).toContain(deviceA2);
    expect(run.stdout).not.toContain(deviceB);

    const json = await kyc(['--json', ...args], keysText(NEW_KEY, OLD_KEY));
    const items = JSON.parse(json.stdout) as Array<{ deviceKey: string }>;
    expect(items.map((item) => item.deviceKey).sort()).toEqual([deviceA1, deviceA2].sort());
  });

  it('reads the CPF from standard input too', async () => {
    const args = ['device', 'list', '--account-key', accountKey, '--approver-cpf-file', '-'];
    const run = await kyc(args, keysText(OLD_KEY), `${CPF_B}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(deviceB);
    expect(run.stdout).not.toContain(deviceA1);
  });

  it('after a rotation, only runs tagged under a configured key are found', async () => {
    const cpfFile = file('cpf-a2', CPF_A);
    const args = ['device', 'list', '--account-key', accountKey, '--approver-cpf-file', cpfFile];
    const newOnly = await listUntil(args, keysText(NEW_KEY), [deviceA2]);
    expect(newOnly.code).toBe(0);
    expect(newOnly.stdout).toContain(deviceA2);
    // Started under the old key only: a closed or running run cannot be re-tagged.
    expect(newOnly.stdout).not.toContain(deviceA1);
  });

  it('stores hashes in KycPersonLookup, never the number', async () => {
    const description = await stack.client.workflow.getHandle(`device-approval/${accountKey}/${deviceA2}`).describe();
    const stored = description.typedSearchAttributes.get(PERSON_LOOKUP_KEY);
    expect(stored?.slice().sort()).toEqual(
      personLookupHashes([{ kind: 'cpf', value: CPF_A }], [NEW_KEY, OLD_KEY]).sort(),
    );
    expect(JSON.stringify(description.raw.workflowExecutionInfo?.searchAttributes)).not.toContain(CPF_A);
  });

  it('exits 5 naming KYC_LOOKUP_KEYS when no lookup key is configured', async () => {
    const run = await kyc(['device', 'list', '--approver-cpf-file', file('cpf-c', CPF_A)], undefined);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('KYC_LOOKUP_KEYS: is not set');
  });

  it('exits 2 naming the option for a bad number or file, without echoing it', async () => {
    const bad = await kyc(
      ['device', 'list', '--approver-cpf-file', file('cpf-bad', '529.982.247-26')],
      keysText(OLD_KEY),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('approver-cpf-file is not a valid CPF');
    expect(bad.stderr).not.toContain('52998224726');
    const missing = await kyc(['device', 'list', '--approver-cpf-file', join(dir, 'nope')], keysText(OLD_KEY));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('approver-cpf-file');
    expect(missing.stderr).toContain('not found');
  });
});

describe('phone checks by phone or resident ID number', () => {
  it('finds the checks of a number, by either factor', async () => {
    const requestId = uniqueId('lookup-check');
    const other = uniqueId('lookup-other');
    const factors = JSON.stringify({ phone: PHONE, idCard: ID_CARD, name: '张三' });
    const otherFactors = JSON.stringify({
      phone: '13812345622',
      idCard: OTHER_ID_CARD,
      name: '李四',
    });
    const check = await kyc(
      ['phone', 'check', '--request-id', requestId, '--input-file', '-'],
      keysText(OLD_KEY),
      factors,
    );
    expect(check.code).toBe(0);
    const otherCheck = await kyc(
      ['phone', 'check', '--request-id', other, '--input-file', '-'],
      keysText(OLD_KEY),
      otherFactors,
    );
    expect(otherCheck.code).toBe(0);

    const byPhone = await listUntil(
      ['phone', 'list', '--phone-file', file('phone', '+86 138 1234 5620\n')],
      keysText(OLD_KEY),
      [requestId],
    );
    expect(byPhone.code).toBe(0);
    expect(byPhone.stdout).toContain(requestId);
    expect(byPhone.stdout).not.toContain(other);

    const byId = await listUntil(
      ['phone', 'list', '--id-card-file', file('id', ID_CARD.toLowerCase())],
      keysText(OLD_KEY),
      [requestId],
    );
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain(requestId);
    expect(byId.stdout).not.toContain(other);
  });

  it('refuses both files at once', async () => {
    const run = await kyc(
      ['phone', 'list', '--phone-file', file('p2', PHONE), '--id-card-file', file('i2', ID_CARD)],
      keysText(OLD_KEY),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --phone-file or --id-card-file, not both');
  });
});
