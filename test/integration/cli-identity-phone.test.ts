/**
 * `kyc identity ...` and `kyc phone ...` as a user runs them: the npm bin shim in a subprocess,
 * configured only by the stack's environment, against the real dev server, the production
 * workers and the simulators. Checks output, exit codes and that no personal data is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EsignControl } from '../../simulators/esign';
import { spawnWorkerProcess, startTestStack, uniqueId, type TestStack } from '../harness';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');
const ID_CARD = '11010519491231002X';
const NAME = '张三';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stack: TestStack;
let esign: EsignControl;

beforeAll(async () => {
  stack = await startTestStack();
  esign = new EsignControl(stack.simulators.controls.esign);
});
afterAll(() => stack?.shutdown());

/** Runs the CLI; `onOutput` sees stdout and `onStderr` stderr as they arrive (with the child, to signal it). */
function kyc(
  args: string[],
  stdin = '',
  onOutput?: (stdout: string) => void,
  onStderr?: (stderr: string, child: ChildProcess) => void,
): Promise<Run> {
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
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function expectNoPersonalData(run: Run, phone: string): void {
  for (const value of [phone, ID_CARD, NAME]) {
    expect(run.stdout).not.toContain(value);
    expect(run.stderr).not.toContain(value);
  }
}

describe('identity', () => {
  const contextId = uniqueId('cli-order');
  let flowId: string;

  it('starts a flow and prints the user link; a repeated request attaches', async () => {
    const args = [
      'identity',
      'start',
      '--context-id',
      contextId,
      '--poll-interval',
      '20ms',
      '--max-poll-interval',
      '100ms',
    ];
    const run = await kyc(['--json', ...args]);
    expect(run.code).toBe(0);
    const started = JSON.parse(run.stdout) as { started: boolean; flow: { flowId: string; authUrl: string } };
    expect(started.started).toBe(true);
    flowId = started.flow.flowId;

    const again = await kyc(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Attached to identity flow ${flowId} (request identity-flow-start/${contextId})`);
    expect(again.stdout).toMatch(/user link\s+http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('shows the status and lists the flow in progress', async () => {
    const status = await kyc(['identity', 'status', flowId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Identity flow ${flowId} (identity-flow/${flowId})`);
    expect(status.stdout).toMatch(/phase\s+TRACKING/);

    const list = await kyc(['identity', 'list', '--in-progress']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`(INIT|ING)\\s+${flowId}\\s+.*RUNNING`));
  });

  it('watches as JSON lines until the flow succeeds', async () => {
    let firstView: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (firstView = resolve));
    const watching = kyc(['identity', 'watch', `identity-flow/${flowId}`, '--json'], '', () => firstView());
    await started;
    await esign.progress(flowId, { flowStatus: 'ING', subFlows: [{ subFlowType: 'FACEAUTH_ESIGN' }] });
    await esign.progress(flowId, { flowStatus: 'SUCCESS', subFlowStatus: { [`${flowId}-sub-1`]: 'SUCCESS' } });
    const run = await watching;
    expect(run.code).toBe(0);
    const views = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { phase: string; result: { status: string } | null });
    expect(views.length).toBeGreaterThanOrEqual(2);
    expect(views.at(-1)).toMatchObject({ phase: 'DONE', result: { status: 'SUCCESS' } });
  });

  it('stops tracking a flow (workflow cancellation), and a repeated stop reports it already ended', async () => {
    const { flowId: other } = await esign.createFlow();
    const tracked = await kyc(['identity', 'track', other, '--poll-interval', '20ms', '--max-poll-interval', '50ms']);
    expect(tracked.code).toBe(0);

    const stop = await kyc(['identity', 'stop', other]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`Stopped tracking identity-flow/${other}: CANCELLED`);

    const again = await kyc(['--json', 'identity', 'stop', other]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      workflowId: `identity-flow/${other}`,
      outcome: 'alreadyEnded',
      status: 'CANCELLED',
    });
    const list = await kyc(['identity', 'list', '--status', 'CANCELLED']);
    expect(list.stdout).toContain(other);
  });

  it('exits 4 for a flow that is not tracked', async () => {
    const run = await kyc(['identity', 'status', '999999999999999999']);
    expect(run.code).toBe(4);
  });
});

/** The one line the waiting commands print when no worker polls their task queue (client/cli/waiting.ts). */
const NO_WORKER = /no worker seems to be polling task queue (\S+) in namespace (\S+) /;

describe('waiting with no worker polling the task queue', () => {
  it('phone check says so once, keeps waiting, and finishes when a worker starts', async () => {
    const unpolled = `${stack.taskQueue}-phone-unpolled`;
    const phone = '13812345601';
    const requestId = uniqueId('cli-unpolled');
    let worker: Awaited<ReturnType<typeof spawnWorkerProcess>> | undefined;
    let workerStart: Promise<void> | undefined;
    try {
      const run = await kyc(
        ['--task-queue', unpolled, 'phone', 'check', '--request-id', requestId, '--input-file', '-'],
        JSON.stringify({ phone, idCard: ID_CARD, name: NAME }),
        undefined,
        (stderr) => {
          // The notice is out: start a worker on that queue (with a grace time shorter than
          // PROVIDER_TIMEOUT_MS and JSON logs, to see the worker's start warning too).
          if (!workerStart && NO_WORKER.test(stderr)) {
            workerStart = spawnWorkerProcess(stack, {
              KYC_TASK_QUEUE: unpolled,
              KYC_SHUTDOWN_GRACE_TIME: '5s',
              PROVIDER_TIMEOUT_MS: '10000',
              KYC_LOG_FORMAT: 'json',
              // The stack's worker already listens for callbacks.
              CALLBACK_RECEIVER: 'off',
            }).then((started) => {
              worker = started;
            });
          }
        },
      );
      await workerStart;
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/outcome\s+VERIFIED/);
      const notices = run.stderr.split('\n').filter((line) => NO_WORKER.test(line));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(
        new RegExp(`^kyc: no worker seems to be polling task queue ${unpolled} in namespace \\S+ `),
      );
      expect(notices[0]).toContain(`phone-check/${requestId}`);
      expect(notices[0]).toContain('it continues when a worker starts');
      expect(notices[0]).toContain(
        `Ctrl-C stops waiting; the workflow keeps running (follow it later with \`kyc phone status ${requestId}\`)`,
      );
      expectNoPersonalData(run, phone);

      // The worker warned once, as a structured line, that its grace time is shorter than a provider call.
      const warnings = (worker?.stdout() ?? '')
        .split('\n')
        .filter((line) => line.includes('KYC_SHUTDOWN_GRACE_TIME'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(warnings).toEqual([
        expect.objectContaining({ level: 'WARN', shutdownGraceTimeMs: 5000, providerTimeoutMs: 10000 }),
      ]);
      expect(worker?.output()).not.toContain(phone);
    } finally {
      await workerStart?.catch(() => undefined);
      await worker?.kill('SIGTERM');
    }
  });

  it('identity start says so once (JSON), and Ctrl-C stops the wait, not the workflow (exit 130)', async () => {
    const unpolled = `${stack.taskQueue}-identity-unpolled`;
    const contextId = uniqueId('cli-unpolled');
    let interrupted = false;
    const run = await kyc(
      ['--json', '--task-queue', unpolled, 'identity', 'start', '--context-id', contextId],
      '',
      undefined,
      (stderr, child) => {
        // Once: a second Ctrl-C while the command stops ends it at once, as usual.
        if (!interrupted && stderr.includes('NoWorkerPolling')) interrupted = child.kill('SIGINT');
      },
    );
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    const [notice, stopped, ...rest] = run.stderr
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { notice?: Record<string, unknown>; error?: { type: string; message: string } },
      );
    expect(rest).toEqual([]);
    expect(notice?.notice).toMatchObject({
      type: 'NoWorkerPolling',
      taskQueue: unpolled,
      workflowId: `identity-flow-start/${contextId}`,
    });
    expect(stopped?.error).toMatchObject({ type: 'WaitInterruptedError' });
    expect(stopped?.error?.message).toContain('the workflow keeps running');
    expect(stopped?.error?.message).toContain(`kyc identity start --context-id ${contextId}`);
    expect(run.stderr).not.toContain('cancelled');
    const handle = stack.client.workflow.getHandle(`identity-flow-start/${contextId}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test cleanup');
  });
});

describe('phone', () => {
  it('checks factors read from standard input and never prints them', async () => {
    const phone = '13812345600';
    const requestId = uniqueId('cli-check');
    const input = JSON.stringify({ phone, idCard: ID_CARD, name: NAME });
    const run = await kyc(['phone', 'check', '--request-id', requestId, '--input-file', '-'], input);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Phone check phone-check/${requestId}\n`);
    expect(run.stdout).toMatch(/outcome\s+VERIFIED/);
    expect(run.stdout).toMatch(/billed\s+yes/);
    expectNoPersonalData(run, phone);

    const again = await kyc(['phone', 'check', '--request-id', requestId, '--input-file', '-'], input);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('(answer from the earlier request)');

    const list = await kyc(['--json', 'phone', 'list', '--outcome', 'VERIFIED']);
    expect(JSON.parse(list.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ requestId, outcome: 'VERIFIED' })]),
    );
  });

  it('exits 6 with the failure type when the gateway stays busy', async () => {
    const phone = '13812345611';
    const run = await kyc([
      'phone',
      'check',
      '--request-id',
      uniqueId('cli-busy'),
      '--phone',
      phone,
      '--id-card',
      ID_CARD,
      '--name',
      NAME,
      '--max-attempts',
      '2',
      '--retry-interval',
      '50ms',
      '--max-retry-interval',
      '100ms',
    ]);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/failed \(PhoneGatewayBusy\)/);
    expectNoPersonalData(run, phone);
  });
});
