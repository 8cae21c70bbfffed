/**
 * `kyc identity ...` and `kyc phone ...` as a user runs them: the npm bin shim in a subprocess,
 * configured only by the stack's environment, against the real dev server, the production
 * workers and the simulators. Checks output, exit codes and that no personal data is printed.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EsignControl } from '../../simulators/esign';
import { startTestStack, uniqueId, type TestStack } from '../harness';

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

function kyc(args: string[], stdin = '', onOutput?: (stdout: string) => void): Promise<Run> {
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
