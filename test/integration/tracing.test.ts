/**
 * OpenTelemetry tracing end to end (common/tracing.ts, worker/tracing.ts): the `kyc` CLI and the
 * worker process, both with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a loopback OTLP/HTTP receiver,
 * run a real phone check against the dev server and the simulators. The CLI's start span, the
 * workflow run and its activity arrive in one trace, and no personal data is in any span.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../../scripts/lib/free-port';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPAN_ATTRIBUTES } from '../../common/tracing';
import { phoneCheckWorkflowId } from '../../contracts/phone-check';
import { buildWorkflowBundle } from '../../worker/bundle';
import { spawnWorkerProcess, startTestStack, uniqueId, type TestStack, type WorkerProcess } from '../harness';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'client', 'bin.js');
const PHONE = '13812345600';
const ID_CARD = '11010519491231002X';
const NAME = '张三';

let stack: TestStack;
let receiver: OtlpReceiver;
let worker: WorkerProcess;
let otelEnv: Record<string, string>;
let bundlePath: string;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  receiver = await startOtlpReceiver();
  bundlePath = join(mkdtempSync(join(tmpdir(), 'kyc-otel-bundle-')), 'workflow-bundle-otel.js');
  writeFileSync(bundlePath, await buildWorkflowBundle(undefined, { tracing: true }));
  otelEnv = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // Batches leave within 200 ms instead of the default 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  worker = await spawnWorkerProcess(stack, {
    ...otelEnv,
    KYC_WORKFLOW_BUNDLE: bundlePath,
    // The activity's own log entries (activities/phone-check.ts) get the trace id from the interceptor.
    KYC_LOG_FORMAT: 'json',
    KYC_LOG_LEVEL: 'INFO',
  });
}, 180_000);
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await receiver?.close();
  await stack?.shutdown();
});

function kyc(
  args: string[],
  stdin: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env, ...otelEnv, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Waits until the receiver holds spans matching every predicate (the worker exports in batches). */
async function spansFor(predicates: Array<(span: ReceivedSpan) => boolean>): Promise<ReceivedSpan[]> {
  for (;;) {
    const spans = receiver.spans();
    if (predicates.every((matches) => spans.some(matches))) return spans;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

it('a phone check started by the CLI is one trace: start, workflow run, activity; no personal data in spans', async () => {
  const requestId = uniqueId('otel-check');
  const workflowId = phoneCheckWorkflowId(requestId);
  const run = await kyc(
    ['phone', 'check', '--request-id', requestId, '--input-file', '-'],
    JSON.stringify({ phone: PHONE, idCard: ID_CARD, name: NAME }),
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/outcome\s+VERIFIED/);

  const ofFlow = (name: string) => (span: ReceivedSpan) =>
    span.name === name && (span.attributes.temporalWorkflowId ?? span.attributes.workflowId) === workflowId;
  const workflowRun = ofFlow('RunWorkflow:phoneCheckWorkflow');
  const activityRun = ofFlow('RunActivity:checkPhoneThreeFactors');
  const clientStart = (span: ReceivedSpan) =>
    span.serviceName === 'kyc-cli' &&
    span.name.endsWith('phoneCheckWorkflow') &&
    span.attributes.temporalWorkflowId === workflowId;
  const spans = await spansFor([workflowRun, activityRun, clientStart]);

  const start = spans.find(clientStart)!;
  const workflow = spans.find(workflowRun)!;
  const activity = spans.find(activityRun)!;
  expect(start.serviceName).toBe('kyc-cli');
  expect(workflow.serviceName).toBe('kyc-worker');
  expect(activity.serviceName).toBe('kyc-worker');
  expect(workflow.traceId).toBe(start.traceId);
  expect(activity.traceId).toBe(start.traceId);
  // The activity runs under the workflow's StartActivity span, which runs under the workflow run.
  const scheduled = spans.find((span) => span.spanId === activity.parentSpanId);
  expect(scheduled?.name).toBe('StartActivity:checkPhoneThreeFactors');
  expect(scheduled?.traceId).toBe(start.traceId);

  for (const span of spans) {
    expect(Object.keys(span.attributes).filter((key) => !SPAN_ATTRIBUTES.has(key))).toEqual([]);
  }
  // The activity's log entries lead to its trace (the SDK's own "Activity completed" is logged
  // after the span ends, so it has none).
  const completed = worker
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => entry.message === 'phone gateway answered' && entry.workflowId === workflowId);
  expect(completed).toMatchObject({ trace_id: start.traceId, span_id: activity.spanId });

  const everything = receiver.bodies.join('\n') + worker.output();
  for (const value of [PHONE, ID_CARD, NAME, JSON.stringify(NAME).slice(1, -1)]) {
    expect(everything).not.toContain(value);
  }
}, 120_000);

it('with tracing on, a workflow bundle without the interceptors stops the worker (exit 2, naming KYC_WORKFLOW_BUNDLE)', async () => {
  const started = spawnWorkerProcess(stack, otelEnv);
  await expect(started).rejects.toThrow(/exited with code 2 before it was ready/);
  const message = await started.catch((error: Error) => error.message);
  expect(message).toMatch(/KYC_WORKFLOW_BUNDLE: .* has no tracing interceptors/);
}, 120_000);

it('a collector that cannot be reached does not fail a finished CLI command: its exit code, one warning line', async () => {
  const closedPort = await freePort();
  const run = await kyc(
    ['phone', 'check', '--request-id', uniqueId('otel-down'), '--input-file', '-'],
    JSON.stringify({ phone: PHONE, idCard: ID_CARD, name: NAME }),
    // The default batch delay: the spans are still buffered at exit, so the export happens in shutdown.
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`, OTEL_BSP_SCHEDULE_DELAY: '5000' },
  );
  expect(run.stdout).toMatch(/outcome\s+VERIFIED/);
  expect(run.code).toBe(0);
  // At most one line, the warning; before, the export's ECONNREFUSED escaped as an uncaught error (exit 1).
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines.length).toBeLessThanOrEqual(1);
  for (const line of lines) expect(line).toMatch(/^kyc: traces not exported: /);
}, 120_000);

it('a worker whose collector cannot be reached logs one warning naming the endpoint, and keeps working', async () => {
  const closedPort = await freePort();
  const taskQueue = uniqueId('otel-down-worker');
  const downWorker = await spawnWorkerProcess(stack, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    KYC_WORKFLOW_BUNDLE: bundlePath,
    KYC_TASK_QUEUE: taskQueue,
    CALLBACK_LISTEN_PORT: String(await freePort()),
  });
  const warning = `warning: traces not exported to http://127.0.0.1:${closedPort}/v1/traces: `;
  try {
    for (const round of [1, 2]) {
      const run = await kyc(
        [
          '--task-queue',
          taskQueue,
          'phone',
          'check',
          '--request-id',
          uniqueId(`otel-down-${round}`),
          '--input-file',
          '-',
        ],
        JSON.stringify({ phone: PHONE, idCard: ID_CARD, name: NAME }),
        { OTEL_SDK_DISABLED: 'true' },
      );
      expect(run.stdout).toMatch(/outcome\s+VERIFIED/);
      // Batches leave every 200 ms: wait for the first failure's warning.
      while (!downWorker.output().includes(warning)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Several batches failed (two runs' spans), one warning: the next is held back for 5 minutes.
    const lines = downWorker
      .output()
      .split('\n')
      .filter((line) => line.includes('traces not exported'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ECONNREFUSED');
    for (const personal of [PHONE, ID_CARD, NAME]) expect(downWorker.output()).not.toContain(personal);
  } finally {
    await downWorker.kill('SIGTERM');
  }
}, 240_000);

it('a worker that bundles the workflows from source exports the workflow spans too (the exporter sink)', async () => {
  const taskQueue = uniqueId('otel-source');
  // No prebuilt bundle: the worker bundles from source with the interceptors module added.
  const sourceWorker = await spawnWorkerProcess(stack, {
    ...otelEnv,
    KYC_WORKFLOW_BUNDLE: '',
    KYC_TASK_QUEUE: taskQueue,
    CALLBACK_LISTEN_PORT: String(await freePort()),
  });
  try {
    const requestId = uniqueId('otel-source-check');
    const workflowId = phoneCheckWorkflowId(requestId);
    const run = await kyc(
      ['--task-queue', taskQueue, 'phone', 'check', '--request-id', requestId, '--input-file', '-'],
      JSON.stringify({ phone: PHONE, idCard: ID_CARD, name: NAME }),
    );
    expect(run.code).toBe(0);
    const spans = await spansFor([
      (span) => span.name === 'RunWorkflow:phoneCheckWorkflow' && span.attributes.workflowId === workflowId,
      (span) => span.name === 'StartActivity:checkPhoneThreeFactors' && span.attributes.workflowId === workflowId,
    ]);
    expect(spans.length).toBeGreaterThan(0);
    expect(sourceWorker.output()).not.toContain('unregistered external sink');
  } finally {
    await sourceWorker.kill('SIGTERM');
  }
}, 240_000);
