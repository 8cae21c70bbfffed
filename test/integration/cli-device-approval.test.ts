/**
 * `kyc device ...` as a user runs it: the npm bin shim in a subprocess, configured only by the
 * stack's environment, against the real dev server, the production workers and the bank
 * simulator. Checks the output, the exit codes, and that no personal data is ever printed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BankDeviceControl } from '../../simulators/bank-device';
import { startTestStack, type TestStack } from '../harness';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');
const APPROVER_CPF = '52998224725';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stack: TestStack;
let bank: BankDeviceControl;
let accountKey: string;
/** Every secret and personal value this file uses: none may appear in any output. */
const typedSecrets: string[] = [APPROVER_CPF];

beforeAll(async () => {
  stack = await startTestStack();
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
});
afterAll(() => stack?.shutdown());

/** Runs the CLI; `onOutput` sees stdout as it arrives (for `watch`). */
function kyc(args: string[], stdin?: string, onOutput?: (stdout: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onOutput?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      for (const secret of typedSecrets) {
        if (stdout.includes(secret) || stderr.includes(secret))
          reject(new Error(`kyc ${args[0]} printed personal data`));
      }
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
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
    // Generous: under load these steps take minutes, and the re-send test needs the cooldown to
    // still be running when it asks.
    '--deadline',
    '15m',
    '--resend-cooldown',
    '1h',
    '--input-file',
    '-',
  ];
}

describe('an approval from start to APPROVED', () => {
  const deviceKey = randomUUID();
  let ref: string;

  beforeAll(() => {
    ref = `${accountKey}/${deviceKey}`;
  });

  it('starts it, reading the CPF from standard input, and shows the state', async () => {
    const run = await kyc(startArgs(deviceKey), JSON.stringify({ approverCpf: APPROVER_CPF }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Started device approval device-approval/${ref}`);
    expect(run.stdout).toMatch(/status\s+WAITING_FOR_TOKEN/);
    expect(run.stdout).toMatch(/attempts left\s+3/);
  });

  it('attaches a repeated start', async () => {
    const run = await kyc(startArgs(deviceKey), JSON.stringify({ approverCpf: APPROVER_CPF }));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Attached to the running device approval device-approval/${ref}`);
  });

  it('lists it among the approvals waiting for a token', async () => {
    // Visibility is eventually consistent: a few tries at most.
    let run = await kyc(['device', 'list', '--waiting']);
    for (let tries = 1; tries < 5 && !run.stdout.includes(deviceKey); tries++)
      run = await kyc(['device', 'list', '--waiting']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^STATUS\s+CONTACT\s+ACCOUNT\s+DEVICE\s+STARTED\s+RUN$/);
    expect(run.stdout).toMatch(new RegExp(`WAITING_FOR_TOKEN\\s+sms\\s+${accountKey}\\s+${deviceKey}\\s+.*RUNNING`));
  });

  it('prints the state as JSON for scripts', async () => {
    const run = await kyc(['--json', 'device', 'status', `device-approval/${ref}`]);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as { workflowId: string; state: { status: string; attemptsLeft: number } };
    expect(parsed).toMatchObject({ workflowId: `device-approval/${ref}`, state: { status: 'WAITING_FOR_TOKEN' } });
  });

  it('exits 3 with the reason when the workflow refuses a re-send', async () => {
    const run = await kyc(['device', 'resend', ref]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/resendToken refused by .* \(ResendCooldown\): the next re-send is allowed at /);
  });

  it('watches live while tokens arrive, and ends when the approval does', async () => {
    let firstState: () => void = () => undefined;
    const watchStarted = new Promise<void>((resolve) => (firstState = resolve));
    const watching = kyc(['device', 'watch', ref], undefined, () => firstState());
    await watchStarted;

    typedSecrets.push('ZZZZ99');
    const wrong = await kyc(['device', 'token', ref, 'ZZZZ99', '--request-id', 'cli-wrong-1']);
    expect(wrong).toMatchObject({ code: 0, stdout: 'Wrong token: 2 attempts left.\n' });

    const { token } = await bank.sentToken(deviceKey);
    typedSecrets.push(token ?? '');
    const right = await kyc(['device', 'token', ref, token ?? '', '--request-id', 'cli-right-1']);
    expect(right).toMatchObject({ code: 0, stdout: 'Token accepted: the device is APPROVED.\n' });

    const watched = await watching;
    expect(watched.code).toBe(0);
    const statuses = watched.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[1]);
    expect(statuses[0]).toBe('WAITING_FOR_TOKEN');
    expect(statuses).toContain('VALIDATING');
    expect(statuses.at(-1)).toBe('APPROVED');
    expect(watched.stdout).toContain('(wrong token)');
  });

  it('exits 3 when the approval already finished', async () => {
    const run = await kyc(['device', 'token', ref, 'AAAAAA']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('already finished (COMPLETED)');
  });
});

describe('cancel and errors', () => {
  it('cancels an approval and reports the device disabled', async () => {
    const deviceKey = randomUUID();
    expect((await kyc(startArgs(deviceKey), JSON.stringify({ approverCpf: APPROVER_CPF }))).code).toBe(0);
    const run = await kyc(['device', 'cancel', `${accountKey}/${deviceKey}`, '--reason', 'customer gave up']);
    expect(run).toMatchObject({ code: 0, stdout: 'Approval CANCELLED; device disabled.\n' });
  });

  it('exits 4 for an approval that does not exist', async () => {
    const run = await kyc(['device', 'status', `${accountKey}/${randomUUID()}`]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^kyc: no workflow device-approval\/.* was found\n$/);
  });

  it('says once that no worker polls the task queue, keeps waiting, and Ctrl-C stops the wait, not the approval', async () => {
    // No worker polls this queue: the start succeeds and nothing can answer it. The command used
    // to fail after the query timeout (exit 8, sometimes "query state failed: cancelled").
    const unpolled = `${stack.taskQueue}-unpolled`;
    const deviceKey = randomUUID();
    const workflowId = `device-approval/${accountKey}/${deviceKey}`;
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--task-queue', unpolled, ...startArgs(deviceKey)], {
        cwd: ROOT,
        env: { ...process.env, ...stack.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let interrupted = false;
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Once: a second Ctrl-C while the command stops ends it at once, as usual.
        if (!interrupted && stderr.includes('no worker seems to be polling')) interrupted = child.kill('SIGINT');
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(JSON.stringify({ approverCpf: APPROVER_CPF }));
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^kyc: no worker seems to be polling task queue ${unpolled} in namespace \\S+ \\(device approval ${workflowId} has waited \\d+ s for one\\); still waiting`,
      ),
    );
    expect(lines[0]).toContain(`follow it later with \`kyc device watch ${workflowId}\``);
    expect(lines[1]).toBe(
      `kyc: stopped waiting for device approval ${workflowId}; the workflow keeps running (follow it with \`kyc device watch ${workflowId}\`)`,
    );
    expect(run.stderr).not.toContain('cancelled');
    expect(run.stderr).not.toContain(APPROVER_CPF);
    const handle = stack.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test cleanup');
  });

  it('exits 2 naming the field for a bad input, without connecting or echoing it', async () => {
    typedSecrets.push('52998224700');
    const run = await kyc(startArgs(randomUUID()), JSON.stringify({ approverCpf: '52998224700' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('approverCpf is not a valid CPF');
  });
});

describe('reminders and the deadline warning from the command line', () => {
  it('starts with --remind-after and --deadline-warning, and shows them in the state', async () => {
    const deviceKey = randomUUID();
    const args = [...startArgs(deviceKey), '--remind-after', '2h', '--deadline-warning', '80%'];
    const run = await kyc(['--json', ...args], JSON.stringify({ approverCpf: APPROVER_CPF }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { state } = JSON.parse(run.stdout) as {
      state: { remindersSent?: number; nextReminderAt?: string; deadlineWarningAt?: string; deadline: string };
    };
    expect(state.remindersSent).toBe(0);
    // The cool-down (1h) is shorter than --remind-after (2h): the first reminder is 2h after the token.
    expect(Date.parse(state.nextReminderAt!) - Date.now()).toBeGreaterThan(60 * 60 * 1000);
    // 80 % of the 15-minute deadline: 3 minutes before it.
    expect(Date.parse(state.deadline) - Date.parse(state.deadlineWarningAt!)).toBe(3 * 60 * 1000);

    const status = await kyc(['device', 'status', `${accountKey}/${deviceKey}`]);
    expect(status.stdout).toMatch(/reminders sent\s+0/);
    expect(status.stdout).toMatch(/next reminder\s+in /);
    expect(status.stdout).toMatch(/deadline warning\s+at /);
    await kyc(['device', 'cancel', `${accountKey}/${deviceKey}`, '--reason', 'test done']);
  });

  it.each([
    [['--deadline-warning', '100'], 'policy.deadlineWarningPercent Too big: expected number to be <=99'],
    [
      ['--deadline-warning', 'most'],
      "option '--deadline-warning <percent>' argument '…' is invalid. expected a whole percentage",
    ],
    [['--remind-after', 'soon'], "option '--remind-after <duration>' argument '…' is invalid. expected a duration"],
    [['--remind-after', '31d'], 'policy.remindAfterMs Too big'],
  ])('exits 2 naming the field for %j', async (extra, message) => {
    const run = await kyc([...startArgs(randomUUID()), ...extra], JSON.stringify({ approverCpf: APPROVER_CPF }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
