/**
 * The worker process as an on-call engineer sees it: its Prometheus endpoint after real flows
 * (the SDK's metrics and the project's, with the counts the flows must have moved, and no
 * personal data or ids in any label), its health endpoints, and its JSON log lines (each stdout
 * line is a JSON object; activity entries carry workflow id, run id, activity type and attempt).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KycClient } from '../../client';
import { KYC_METRICS } from '../../contracts/metrics';
import { freePort } from '../../scripts/lib/free-port';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-cli';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import { WORKER_READY_LINE } from '../../worker/ready';
import { spawnWorkerProcess, startTestStack, uniqueId, type TestStack, type WorkerProcess } from '../harness';
import { dashboardQueries, metricsOf } from '../support/dashboard';
import { parsePrometheusText, sampleValue, type PrometheusSample } from '../support/prometheus';

const APPROVER_CPF = '52998224725';
const PHONE = '13812345600';
const ID_CARD = '11010519491231002X';
const NAME = '张三';

let stack: TestStack;
let worker: WorkerProcess;
let kyc: KycClient;
let metricsUrl: string;
let healthUrl: string;
let accountKey: string;
const personalData: string[] = [APPROVER_CPF, PHONE, ID_CARD, NAME];

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  kyc = new KycClient(stack.client, stack.config.temporal);
  const metricsPort = await freePort();
  const healthPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  healthUrl = `http://127.0.0.1:${healthPort}`;
  worker = await spawnWorkerProcess(stack, {
    KYC_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    KYC_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
    KYC_LOG_FORMAT: 'json',
    // DEBUG: the SDK logs each activity's start and completion with its context.
    KYC_LOG_LEVEL: 'DEBUG',
  });
  accountKey = randomUUID();
  await new BankDeviceControl(stack.simulators.controls.bank).registerAccount({
    account_key: accountKey,
    approvers: [APPROVER_CPF],
  });
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await stack?.shutdown();
});

async function scrape(): Promise<PrometheusSample[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

/** Sums a metric's samples whose labels include `labels`. */
function total(samples: PrometheusSample[], name: string, labels: Record<string, string> = {}): number {
  return sampleValue(samples, name, labels);
}

async function runFlows(): Promise<void> {
  const bank = new BankDeviceControl(stack.simulators.controls.bank);
  const esign = new EsignControl(stack.simulators.controls.esign);

  // Device approval: one wrong token, then the right one.
  const deviceKey = randomUUID();
  const { handle } = await kyc.deviceApprovals.start({
    accountKey,
    deviceKey,
    sessionId: randomUUID(),
    approverCpf: APPROVER_CPF,
    contactType: 'sms',
  });
  for await (const state of handle.watch()) if (state.status === 'WAITING_FOR_TOKEN') break;
  const { token } = await bank.sentToken(deviceKey);
  personalData.push(token!);
  const wrong = token === '000000' ? '111111' : '000000';
  expect(await handle.submitToken(wrong)).toMatchObject({ outcome: 'wrong' });
  expect(await handle.submitToken(token!)).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');

  // Phone check: verified (the phone's last two digits pick the simulator's answer).
  const phone = await kyc.phoneChecks.run(
    { phone: PHONE, idCard: ID_CARD, name: NAME, retry: { initialIntervalMs: 50, maximumIntervalMs: 200 } },
    uniqueId('obs'),
  );
  expect(phone.result.outcome).toBe('VERIFIED');

  // Identity flow: started through the starter, ends SUCCESS on the platform's signed callback;
  // a forged callback is refused.
  const started = await kyc.identityFlows.start({ contextId: uniqueId('obs'), objectType: 'INDIVIDUAL' });
  const flowId = started.flow.flowId;
  const forged = await esign.sendCallbacks(flowId, { tamper: 'signature' });
  expect(forged.map((delivery) => delivery.status)).toEqual([401]);
  const { deliveries } = await esign.progress(flowId, { flowStatus: 'SUCCESS' });
  expect(deliveries.map((delivery) => delivery.status)).toEqual([200]);
  expect((await started.handle.result()).status).toBe('SUCCESS');
}

it('is ready once it polls, and says so on /healthz and /readyz', async () => {
  const ready = await fetch(`${healthUrl}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { status: string; workers: Array<{ taskQueue: string; state: string }> };
  expect(body.status).toBe('ready');
  expect(body.workers.map((w) => w.taskQueue).sort()).toEqual(
    [stack.taskQueue, `${stack.taskQueue}-phone-gateway`].sort(),
  );
  expect(body.workers.every((w) => w.state === 'RUNNING')).toBe(true);
  expect((await fetch(`${healthUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${healthUrl}/nothing`)).status).toBe(404);
});

it('serves the SDK and project metrics, moved by the flows as expected, with no personal data', async () => {
  const before = await scrape();
  await runFlows();
  // The SDK exports on its own schedule; wait (bounded) for the last flow's count to show up.
  let after = await scrape();
  const deadline = Date.now() + 30_000;
  const moved = (samples: PrometheusSample[], name: string, labels: Record<string, string>) =>
    total(samples, name, labels) - total(before, name, labels);
  while (moved(after, 'kyc_flows_completed_total', { workflowType: 'identityFlowWorkflow' }) < 1) {
    if (Date.now() > deadline) {
      const kycLines = after.filter((sample) => sample.name.startsWith('kyc_'));
      throw new Error(`the identity flow never appeared in kyc_flows_completed_total:\n${JSON.stringify(kycLines)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    after = await scrape();
  }

  // Flows by final state, once each.
  expect(moved(after, 'kyc_flows_completed_total', { workflowType: 'deviceApprovalWorkflow', state: 'APPROVED' })).toBe(
    1,
  );
  expect(moved(after, 'kyc_flows_completed_total', { workflowType: 'phoneCheckWorkflow', state: 'VERIFIED' })).toBe(1);
  expect(moved(after, 'kyc_flows_completed_total', { workflowType: 'identityFlowWorkflow', state: 'SUCCESS' })).toBe(1);
  expect(
    moved(after, 'kyc_flows_completed_total', { workflowType: 'identityFlowStarterWorkflow', state: 'STARTED' }),
  ).toBe(1);
  expect(moved(after, 'kyc_flows_completed_total', {})).toBe(4);

  // Token attempts: one wrong, one accepted.
  expect(moved(after, 'kyc_token_attempts_total', { outcome: 'wrong' })).toBe(1);
  expect(moved(after, 'kyc_token_attempts_total', { outcome: 'accepted' })).toBe(1);
  expect(moved(after, 'kyc_token_attempts_total', {})).toBe(2);

  // Provider calls, by provider, operation and outcome.
  const bankCall = { provider: 'bank', outcome: 'answered' };
  expect(
    moved(after, 'kyc_provider_calls_total', { ...bankCall, operation: 'POST /account/{account_key}/device' }),
  ).toBe(1);
  expect(
    moved(after, 'kyc_provider_calls_total', {
      ...bankCall,
      operation: 'PUT /account/{account_key}/device/{device_key}/validate',
    }),
  ).toBe(2);
  expect(moved(after, 'kyc_provider_calls_total', { provider: 'phone_gateway', status_code: '200' })).toBe(1);
  expect(moved(after, 'kyc_provider_calls_total', { provider: 'esign', operation: 'start identity flow' })).toBe(1);
  expect(
    moved(after, 'kyc_provider_calls_total', { provider: 'esign', operation: 'read flow outline' }),
  ).toBeGreaterThan(0);
  expect(moved(after, 'kyc_provider_call_duration_count', { provider: 'bank' })).toBe(
    moved(after, 'kyc_provider_calls_total', { provider: 'bank' }),
  );

  // Callbacks: the genuine one accepted, the forged one refused.
  expect(moved(after, 'kyc_callbacks_total', { result: 'accepted' })).toBe(1);
  expect(moved(after, 'kyc_callbacks_total', { result: 'refused_signature' })).toBe(1);

  // The SDK runtime's own metrics come out of the same endpoint.
  expect(after.filter((sample) => sample.name.startsWith('temporal_')).length).toBeGreaterThan(0);

  // Every project metric in the catalog is emitted; no label holds personal data or ids.
  const names = new Set(after.map((sample) => sample.name));
  for (const metric of KYC_METRICS) {
    const emitted = metric.kind === 'histogram' ? `${metric.name}_count` : metric.name;
    expect(names).toContain(emitted);
  }
  // Every metric the sample dashboard queries is really emitted under that name (the SDK's
  // failure counters appear only after a first failure, which this run has none of).
  const failureOnly = new Set(['temporal_workflow_failed', 'temporal_activity_execution_failed']);
  for (const query of dashboardQueries()) {
    for (const series of metricsOf(query)) if (!failureOnly.has(series)) expect(names).toContain(series);
  }

  const text = await (await fetch(metricsUrl)).text();
  // Kept for the operator docs (test-output/ is not committed).
  mkdirSync(join(PROJECT_ROOT, 'test-output'), { recursive: true });
  writeFileSync(join(PROJECT_ROOT, 'test-output', 'worker-metrics.prom'), text);
  for (const value of [...personalData, accountKey]) expect(text).not.toContain(value);
});

it('writes one JSON object per stdout line, with the workflow and activity context and no personal data', () => {
  const lines = worker
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  writeFileSync(join(PROJECT_ROOT, 'test-output', 'worker-log.jsonl'), lines.join('\n') + '\n');
  for (const entry of entries) {
    expect(typeof entry.time).toBe('string');
    expect(typeof entry.level).toBe('string');
    expect(typeof entry.message).toBe('string');
  }
  expect(entries.some((entry) => String(entry.message).includes(WORKER_READY_LINE))).toBe(true);

  const activity = entries.find((entry) => entry.activityType === 'bankCreateDevice');
  expect(activity).toMatchObject({
    workflowType: 'deviceApprovalWorkflow',
    workflowId: expect.stringMatching(/^device-approval\//) as unknown,
    workflowRunId: expect.any(String) as unknown,
    activityId: expect.any(String) as unknown,
    attempt: 1,
    taskQueue: stack.taskQueue,
  });
  expect(entries.some((entry) => 'taskToken' in entry)).toBe(false);
  const workflow = entries.find((entry) => entry.workflowType === 'phoneCheckWorkflow' && 'runId' in entry);
  expect(workflow).toMatchObject({ workflowId: expect.stringMatching(/^phone-check\//) as unknown });

  for (const value of personalData) expect(worker.output()).not.toContain(value);
});
