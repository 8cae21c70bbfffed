/**
 * The client as other services get it: `npm pack packages/client`, the tarball installed into a
 * project of its own in a temporary folder outside the repository (`npm ci --offline` from the npm
 * cache), then used there with no access to the repository's sources or node_modules: the
 * package's JavaScript example run with node, its TypeScript example compiled against the
 * package's declarations (the repository's typescript) and run, and the installed `kyc` binary.
 * The workers are the test stack's, on the shared dev server, with the bank simulator.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { KycClient } from '../../client';
import { BankDeviceControl } from '../../simulators/bank-device';
import { startTestStack, type TestStack } from '../harness';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import {
  CLIENT_PACKAGE_DIR,
  ROOT,
  clientManifest,
  installPackedClient,
  packClient,
  run,
  type PackedClient,
} from '../support/client-package';

jest.setTimeout(600_000);

const manifest = clientManifest();
let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;
let project: string;
let packed: PackedClient;
let installedOffline: boolean;

beforeAll(async () => {
  stack = await startTestStack();
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
  project = mkdtempSync(join(tmpdir(), 'kyc-client-consumer-'));
  packed = await packClient(project);
  ({ offline: installedOffline } = await installPackedClient(project, packed));
  for (const file of readdirSync(join(CLIENT_PACKAGE_DIR, 'examples'))) {
    copyFileSync(join(CLIENT_PACKAGE_DIR, 'examples', file), join(project, file));
  }
});

afterAll(async () => {
  await stack?.shutdown();
  if (project) rmSync(project, { recursive: true, force: true });
});

const installed = () => join(project, 'node_modules', ...manifest.name.split('/'));

/** Only what a service using the package would set: no repository path, no profile of the demo. */
function consumerEnv(): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: project,
    TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: stack.env.TEMPORAL_NAMESPACE,
    KYC_TASK_QUEUE: stack.taskQueue,
    KYC_PAYLOAD_KEYS: stack.env.KYC_PAYLOAD_KEYS,
  };
}

function writeInput(name: string, input: unknown): string {
  const path = join(project, name);
  writeFileSync(path, JSON.stringify(input));
  return path;
}

/** The payloads of the run's start event as the server stores them. */
async function storedStartInput(workflowId: string): Promise<temporal.api.common.v1.IPayload[]> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.find(
    (event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  );
  return started?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
}

function expectEncrypted(payloads: temporal.api.common.v1.IPayload[]): void {
  expect(payloads.length).toBeGreaterThan(0);
  for (const payload of payloads) {
    expect(Buffer.from(payload.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload.data ?? []).toString('latin1')).not.toContain(TEST_APPROVER_CPF);
  }
}

describe('the tarball', () => {
  it('holds the compiled JavaScript and declarations of client/, contracts/ and common/, nothing else', () => {
    const unexpected = packed.files.filter(
      (file) => !/^(package\.json|README\.md|lib\/(client|contracts|common)\/.+\.(js|d\.ts))$/.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'lib/client/index.js',
        'lib/client/index.d.ts',
        'lib/client/cli.js',
        'lib/common/payload-codec.js',
        // Loaded by path (require.resolve), not imported: the data converter names it to the SDK.
        'lib/common/failure-converter.js',
        'README.md',
      ]),
    );
  });

  it('resolves every relative require and declaration import inside the package', () => {
    const missing: string[] = [];
    for (const file of packed.files.filter((path) => path.endsWith('.js') || path.endsWith('.d.ts'))) {
      const text = readFileSync(join(installed(), file), 'utf8');
      const declaration = file.endsWith('.d.ts');
      const pattern = declaration
        ? /(?:from |import\()["'](\.{1,2}\/[^"']+)["']/g
        : /require(?:\.resolve)?\(["'](\.{1,2}\/[^"']+)["']\)/g;
      for (const [, specifier] of text.matchAll(pattern)) {
        const target = join(dirname(file), specifier!);
        const candidates = declaration ? [`${target}.d.ts`, join(target, 'index.d.ts')] : [`${target}.js`, target];
        if (!candidates.some((candidate) => packed.files.includes(candidate))) {
          missing.push(`${file} → ${specifier}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('installs its runtime dependencies only, from the npm cache', () => {
    const has = (name: string) => existsSync(join(project, 'node_modules', name, 'package.json'));
    for (const name of Object.keys(manifest.dependencies)) expect(has(name)).toBe(true);
    for (const name of ['@temporalio/worker', '@temporalio/core-bridge', 'tsx', 'typescript', 'fastify', 'jose']) {
      expect({ name, installed: has(name) }).toEqual({ name, installed: false });
    }
    // A cleaned npm cache makes the install ask the registry (installPackedClient); say so.
    if (!installedOffline)
      console.warn('client package test: npm ci --offline lacked a cached tarball, used the registry');
  });
});

describe('used from the installed package', () => {
  it('plain JavaScript: starts an approval, queries it and cancels it, with encrypted payloads', async () => {
    const input = approvalInput(accountKey);
    const result = await run('node', ['device-approval.js', writeInput('approval.json', input)], {
      cwd: project,
      env: consumerEnv(),
    });
    expect(result.stderr).toBe('');
    const workflowId = `device-approval/${accountKey}/${input.deviceKey}`;
    expect(result.stdout.trim().split('\n')).toEqual([
      'refused before sending: invalid device approval input: approverCpf is not a valid CPF (check digits do not match)',
      `started ${workflowId}`,
      'state: WAITING_FOR_TOKEN, 3 attempts left',
      'cancel: CANCELLED, device disabled: true',
      'final: CANCELLED',
    ]);
    expect(result.code).toBe(0);
    expect((await stack.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
    expectEncrypted(await storedStartInput(workflowId));
  });

  it('TypeScript: compiles against the declarations, then approves with the token the bank sent', async () => {
    // Negative checks: if the declarations degraded to `any`, these directives would be unused (an error).
    writeFileSync(
      join(project, 'type-checks.ts'),
      [
        "import type { DeviceApprovalInput, KycClient, PhoneCheckResult, SubmitTokenResult } from '@kyc-temporal/client';",
        'export async function typeChecks(kyc: KycClient, input: DeviceApprovalInput): Promise<void> {',
        '  // @ts-expect-error fax is not a contact type',
        "  await kyc.deviceApprovals.start({ ...input, contactType: 'fax' });",
        '  const { handle } = await kyc.deviceApprovals.start(input);',
        "  const answer: SubmitTokenResult = await handle.submitToken('A1B2C3');",
        '  // @ts-expect-error attemptsLeft exists on a wrong token answer only',
        '  void answer.attemptsLeft;',
        '  // @ts-expect-error the token is a string',
        '  await handle.submitToken(123456);',
        "  const run = await kyc.phoneChecks.run({ phone: '13812345600', idCard: '11010519491231002X', name: 'x' }, 'r-1');",
        "  const outcome: PhoneCheckResult['outcome'] = run.result.outcome;",
        '  // @ts-expect-error an outcome is one of the gateway outcomes, not any string',
        "  const unknownOutcome: PhoneCheckResult['outcome'] = 'MAYBE';",
        '  void [outcome, unknownOutcome];',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.test.json'),
      JSON.stringify({ extends: './tsconfig.json', files: ['device-approval.ts', 'type-checks.ts'] }),
    );
    // skipLibCheck off: the package's own .d.ts files are checked too. Errors inside other packages'
    // declarations are theirs (@temporalio/common's imports `ms`, whose exports map has no types
    // condition under node16 resolution), so they are told apart by path.
    const tsc = await run(
      'node',
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json', '--skipLibCheck', 'false'],
      { cwd: project, env: consumerEnv() },
    );
    const errors = tsc.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    const ours = errors.filter(
      (line) => !line.startsWith('node_modules/') || line.startsWith(`node_modules/${manifest.name}/`),
    );
    expect(ours).toEqual([]);
    // The KycClient typed there is the installed one, not the repository's.
    expect(existsSync(join(project, 'dist', 'device-approval.js'))).toBe(true);

    const input = approvalInput(accountKey);
    const child = spawn('node', ['dist/device-approval.js', writeInput('approval-ts.json', input)], {
      cwd: project,
      env: consumerEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      // Bounded, so a prompt that never comes fails with the output instead of hanging the file.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the example did not ask for the token within 120 s:\n${stdout}\n${stderr}`));
      }, 120_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('token: ')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the example ended before asking for the token:\n${stdout}\n${stderr}`));
      });
    });
    // The approver reads the token the bank sent and types it.
    const { token } = await bank.sentToken(input.deviceKey);
    child.stdin.end(`${token}\n`);
    const code = await exited;

    expect(stderr).toBe('');
    const workflowId = `device-approval/${accountKey}/${input.deviceKey}`;
    expect(stdout).toMatch(
      new RegExp(`^${workflowId}: WAITING_FOR_TOKEN \\(token sent by sms, until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)\n`),
    );
    expect(stdout.endsWith('token: accepted\nfinal: APPROVED\n')).toBe(true);
    expect(code).toBe(0);
    expectEncrypted(await storedStartInput(workflowId));
  });

  it('the installed kyc binary runs with plain node and sends an update', async () => {
    const bin = join(project, 'node_modules', '.bin', 'kyc');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(readFileSync(bin, 'utf8')).not.toContain('tsx');

    const input = approvalInput(accountKey);
    const kyc = new KycClient(stack.client, stack.config.temporal);
    const { handle } = await kyc.deviceApprovals.start(input);
    for await (const state of handle.watch()) if (state.status !== 'CREATING') break;
    const { token } = await bank.sentToken(input.deviceKey);

    const result = await run(bin, ['--json', 'device', 'token', handle.workflowId, token!, '--request-id', 'pkg-1'], {
      cwd: project,
      env: consumerEnv(),
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ workflowId: handle.workflowId, outcome: 'accepted' });
    expect((await handle.result()).status).toBe('APPROVED');
  });
});
